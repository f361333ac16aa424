"""Where a buyer came from: the signed referral that a social post's link (`/r/<code>`) hands the
browser, as a cookie and in the product page's URL, and that checkout reads back. It lives here,
below every app, so that the orders app, which reads it, never imports the social app that writes
it.

The referral is signed and dated by this server: a buyer can drop it, never forge one for another
post or seller, and it expires after ATTRIBUTION_WINDOW_DAYS (what "a checkout within the window"
means)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing

REFERRAL_COOKIE = "sf_ref"
REFERRAL_PARAMETER = "sf_ref"  # the same token in the product page's URL, for a frontend on another site
VISITOR_COOKIE = "sf_visitor"
MAX_TOKEN_LENGTH = 500
_SALT = "sellflow.referrals"


@dataclass(frozen=True)
class Referral:
    click_id: int
    seller_id: int
    post_id: int | None
    platform: str
    clicked_at: datetime


def attribution_window() -> timedelta:
    return timedelta(days=settings.ATTRIBUTION_WINDOW_DAYS)


def referral_token(*, click_id: int, seller_id: int, post_id: int | None, platform: str,
                   clicked_at: datetime) -> str:
    return signing.dumps({"c": click_id, "s": seller_id, "o": post_id, "p": platform,
                          "t": int(clicked_at.timestamp())}, salt=_SALT)


def read_referral(token: str | None) -> Referral | None:
    """The referral a token carries, or None when there is none, it was tampered with, or its
    window has passed. Never an error: a referral only ever adds to a checkout."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        value = signing.loads(token, salt=_SALT, max_age=attribution_window())
    except signing.BadSignature:  # SignatureExpired included
        return None
    if not isinstance(value, dict) or not all(isinstance(value.get(key), int) for key in ("c", "s", "t")):
        return None
    post_id = value.get("o")
    return Referral(click_id=value["c"], seller_id=value["s"], post_id=post_id if isinstance(post_id, int) else None,
                    platform=str(value.get("p") or ""), clicked_at=datetime.fromtimestamp(value["t"], UTC))
