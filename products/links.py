"""The product page's public URL as shared on a platform: one builder for the share buttons and
for social posts, so every shared link reads the same UTM parameters."""

from urllib.parse import urlencode

from django.conf import settings


def product_share_url(product_id: int, *, source: str, campaign: str = "product_share", **extra: str) -> str:
    query = urlencode({"utm_source": source, "utm_medium": "social", "utm_campaign": campaign, **extra})
    return f"{settings.FRONTEND_URL}/product/{product_id}/?{query}"
