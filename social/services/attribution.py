"""Visits through a post's link (`/r/<code>`): the click recorded for attribution, and where the
visitor goes next with the signed referral that a checkout reads back (sellflow.referrals)."""

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from products.links import product_share_url
from sellflow.referrals import REFERRAL_PARAMETER, referral_token
from sellflow.throttling import take_slot
from social.models import PostClick, PostStatus, PostTarget
from social.post_rules import SHARE_CAMPAIGN

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# Link previews (the platforms fetch a link to draw its card), crawlers and scripts are not visitors.
# Named agents only: "bot" alone is in phone models (CUBOT), "LinkedIn" in LinkedIn's in-app browser.
CRAWLER = re.compile(r"facebookexternalhit|facebot|facebookcatalog|meta-externalagent|twitterbot|whatsapp/|"
                     r"telegrambot|slackbot|slack-imgproxy|discordbot|linkedinbot|pinterestbot|skypeuripreview|"
                     r"googlebot|bingbot|yandexbot|baiduspider|duckduckbot|applebot|petalbot|ahrefsbot|semrushbot|"
                     r"embedly|\bbot/|\bcrawler\b|\bspider\b|headlesschrome|curl/|wget/|python-requests|"
                     r"python-httpx|go-http-client|okhttp/|java/", re.IGNORECASE)
VISITOR_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Visit:
    visitor: str  # the visitor cookie's value (new when the browser had none)
    destination: str
    referral: str = ""  # the signed referral, empty when the visit is not counted


def new_visitor_id(value: str | None) -> str:
    return value if isinstance(value, str) and VISITOR_ID.match(value) else uuid.uuid4().hex


def is_crawler(user_agent: str) -> bool:
    return not user_agent.strip() or bool(CRAWLER.search(user_agent))


def link_visit(*, target: PostTarget, visitor: str, client: str, user_agent: str, utm: dict[str, str],
               referrer: str = "") -> Visit:
    """A visit through `target`'s link. It counts (one click, and a referral for checkout) when the
    target is published, the visitor is a browser, and the client address has visits through this
    link left this minute; the same visitor back through the same link within
    SOCIAL_CLICK_REPEAT_MINUTES is the same click (two at the very same moment may make two).
    Whatever happens, the visitor is sent on to the product."""
    click = None
    if target.status == PostStatus.PUBLISHED and not is_crawler(user_agent):
        click = repeat_click(target, visitor) or new_click(target, visitor=visitor, client=client, utm=utm,
                                                           referrer=referrer)
    referral = "" if click is None else referral_token(
        click_id=click.pk, seller_id=click.seller_id, post_id=click.post_id, platform=click.platform,
        clicked_at=click.clicked_at)
    return Visit(visitor=visitor, referral=referral, destination=destination(target, referral))


def repeat_click(target: PostTarget, visitor: str) -> PostClick | None:
    since = timezone.now() - timedelta(minutes=settings.SOCIAL_CLICK_REPEAT_MINUTES)
    return PostClick.objects.filter(target=target, visitor=visitor, clicked_at__gte=since).order_by("-pk").first()


def new_click(target: PostTarget, *, visitor: str, client: str, utm: dict[str, str], referrer: str) -> PostClick | None:
    # Per address and link: a flood through one link is sent on uncounted, while buyers behind one
    # carrier's shared address reach different links.
    if not take_slot(f"social_clicks:{client}:{target.pk}", limit=settings.SOCIAL_CLICKS_PER_MINUTE, seconds=60):
        return None
    post = target.post
    return PostClick.objects.create(
        seller_id=post.seller_id, post=post, target=target, product_id=post.product_id, platform=target.platform,
        visitor=visitor, referrer=referrer[:500],
        utm={key: utm[key][:100] for key in UTM_KEYS if utm.get(key)})


def destination(target: PostTarget, referral: str) -> str:
    """The product's page with the link's UTM parameters and the referral; the shop's front page
    when the post names no product (any more)."""
    product_id = target.post.product_id
    if product_id is None:
        return f"{settings.FRONTEND_URL}/"
    extra = {REFERRAL_PARAMETER: referral} if referral else {}
    return product_share_url(product_id, source=target.platform, campaign=SHARE_CAMPAIGN, ref=target.code, **extra)
