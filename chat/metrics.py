"""The chat's figures in a seller's profile `metrics`: how fast and how often they answer. They
read 30 days of conversations, and a profile is read on every page of the app (`/me`), so they
are kept in the cache for CHAT_METRICS_CACHE_SECONDS: figures over a month barely move in minutes."""

from django.conf import settings
from django.core.cache import cache

from accounts.metrics import register_seller_metric
from accounts.models import User
from chat.stats import response_metrics


@register_seller_metric("chat")
def chat_metrics(seller: User) -> dict:
    key = f"chat:metrics:{seller.pk}"
    figures = cache.get(key)
    if figures is None:
        figures = response_metrics(seller)
        cache.set(key, figures, settings.CHAT_METRICS_CACHE_SECONDS)
    return figures
