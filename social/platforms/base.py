"""The one interface the social app asks of every platform (publish, delete, insights, OAuth,
webhooks), the plain values that cross it, and the one error hierarchy every client raises.

No Django model crosses this line: callers pass tokens in and store what comes back. Every error
says what the caller should do next, and none carries a token:
- TransientError: nothing happened; retry with backoff (RateLimited: not before `retry_after`).
- Uncertain: the request was sent and the answer lost (a timeout, a dropped connection, a 5xx on a
  write): the platform may have published. Look the post up (`find_published`) before retrying.
- TokenExpired: the token is expired or revoked; refresh it or ask the seller to reconnect.
- PermanentError: refused for good (validation, permission, policy); retrying changes nothing.
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import requests
import urllib3.exceptions

# --- values -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """What a stored account hands a client. `platform_user_id` is the account published as: the
    Page id (Facebook), the Instagram professional account id, the X user id, or the WhatsApp
    phone number id."""

    access_token: str = field(repr=False)
    platform_user_id: str = ""
    refresh_token: str = field(default="", repr=False)
    page_id: str = ""  # Instagram: the Facebook Page the account is linked to, when known


@dataclass(frozen=True)
class MediaFile:
    content: bytes = field(repr=False)
    content_type: str = "image/jpeg"
    filename: str = "image.jpg"


@dataclass(frozen=True)
class PostRequest:
    """One post to one account. Images go as public URLs (Meta fetches them; Instagram takes only
    URLs) and/or as bytes (X takes only bytes); a client uses what its platform takes."""

    text: str
    link: str = ""  # the product's share URL with its attribution code; added to the text if absent
    image_urls: tuple[str, ...] = ()
    images: tuple[MediaFile, ...] = ()
    recipient: str = ""  # WhatsApp: the E.164 number the message goes to

    def text_with_link(self) -> str:
        if not self.link or self.link in self.text:
            return self.text
        return f"{self.text}\n\n{self.link}" if self.text else self.link


@dataclass(frozen=True)
class Published:
    platform_post_id: str
    url: str = ""


@dataclass(frozen=True)
class Profile:
    user_id: str
    username: str = ""
    display_name: str = ""
    avatar_url: str = ""


@dataclass(frozen=True)
class ManagedAccount:
    """An account the signed-in user may publish as, with its own token: a Facebook Page, or the
    Instagram professional account linked to one (published to with the Page's token)."""

    profile: Profile
    access_token: str = field(repr=False)
    page_id: str = ""


@dataclass(frozen=True)
class TokenGrant:
    access_token: str = field(repr=False)
    refresh_token: str = field(default="", repr=False)
    expires_at: datetime | None = None  # None: the platform gives no expiry
    scopes: tuple[str, ...] = ()
    user_id: str = ""
    username: str = ""
    display_name: str = ""
    avatar_url: str = ""
    accounts: tuple[ManagedAccount, ...] = ()  # Meta: the Pages / Instagram accounts this user manages


@dataclass(frozen=True)
class DailyInsight:
    """One day of an account's figures. None: the platform does not report that figure."""

    day: date
    followers: int | None = None
    impressions: int | None = None
    reach: int | None = None
    engagement: int | None = None
    link_clicks: int | None = None


@dataclass(frozen=True)
class WebhookChallenge:
    """What to answer a platform's subscription handshake with."""

    body: str
    content_type: str = "text/plain"


# --- errors -------------------------------------------------------------------------------------


class PlatformError(Exception):
    """A platform call that did not succeed. The message is safe to log and to show the seller
    (never a token); `code` is the platform's own error code when it gave one."""

    def __init__(self, message: str, *, platform: str = "", code: str | int = "", subcode: str | int = "",
                 status: int | None = None):
        super().__init__(message)
        self.platform = platform
        self.code = str(code or "")
        self.subcode = str(subcode or "")
        self.status = status


class TransientError(PlatformError):
    """Nothing happened at the platform: retry with backoff."""


class RateLimited(TransientError):
    def __init__(self, message: str, *, retry_after: float, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = max(float(retry_after), 1.0)


class Uncertain(PlatformError):
    """Sent, answer lost: the platform may have done it. Not a TransientError on purpose, so that
    a plain `except TransientError: retry` never publishes twice."""


class TokenExpired(PlatformError):
    """The access token is expired, revoked or invalid: refresh it or reconnect the account."""


class PermanentError(PlatformError):
    """Refused for good: a validation, permission or policy error."""


class GoneUnconfirmed(PermanentError):
    """The platform says the post is not there, in words it also uses for a token that may not see
    it, and the account no longer answers to its token: the post may still be live."""


class NotSupported(PermanentError):
    """The platform's API offers no way to do this."""


class NotConfigured(PermanentError):
    """This deployment has not set the platform app's credentials (settings)."""


class InvalidWebhook(Exception):
    """A webhook or handshake whose signature or token does not verify: refused before reading."""


# --- the interface ------------------------------------------------------------------------------


class PlatformClient:
    """One platform. Every method either returns its value or raises a PlatformError subclass."""

    platform: str = ""
    default_scopes: tuple[str, ...] = ()
    can_delete = True
    can_find_published = True
    # Whether `is_gone` can tell a post deleted by the seller at the platform: asked only where the
    # API cannot delete (Instagram), the one way SellFlow learns that such a post is gone.
    can_tell_gone = False
    has_insights = True

    def authorization_url(self, *, state: str, redirect_uri: str, code_challenge: str | None = None) -> str:
        raise NotImplementedError

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenGrant:
        raise NotImplementedError

    def refresh(self, credentials: Credentials) -> TokenGrant:
        raise NotImplementedError

    def revoke(self, credentials: Credentials) -> None:
        raise NotImplementedError

    def verify_token(self, access_token: str, *, platform_user_id: str = "") -> Profile:
        """The account the token acts as (checked against `platform_user_id` when given)."""
        raise NotImplementedError

    def publish(self, credentials: Credentials, post: PostRequest) -> Published:
        raise NotImplementedError

    def find_published(self, credentials: Credentials, *, marker: str, since: datetime) -> Published | None:
        """The account's post published since `since` whose text or link contains `marker` (the
        target's attribution code), or None: how an Uncertain attempt is checked before a retry."""
        raise NotSupported("this platform cannot look a post up", platform=self.platform)

    def delete(self, credentials: Credentials, platform_post_id: str) -> None:
        """Gone at the platform (already gone counts as done)."""
        raise NotSupported("this platform cannot delete a post", platform=self.platform)

    def is_gone(self, credentials: Credentials, platform_post_id: str) -> bool:
        """Whether the post is no longer at the platform (deleted there by the seller): True only
        when the platform says so for certain, False while it is still there."""
        raise NotSupported("this platform cannot tell whether a post is gone", platform=self.platform)

    def insights(self, credentials: Credentials, *, since: date, until: date) -> list[DailyInsight]:
        raise NotSupported("this platform reports no insights", platform=self.platform)

    def subscribe_webhooks(self, credentials: Credentials, *, scopes: tuple[str, ...] = ()) -> None:
        """Ask the platform to deliver this account's webhook events to the app (Meta: subscribe the
        app to the account's Page). `scopes` are those the account was granted. A platform that
        needs no per-account subscription raises NotSupported."""
        raise NotSupported("this platform needs no per-account webhook subscription", platform=self.platform)

    def unsubscribe_webhooks(self, credentials: Credentials) -> None:
        """Ask the platform to stop delivering this account's webhook events to the app (Meta: remove
        the app from the account's Page). A platform without per-account subscriptions raises
        NotSupported."""
        raise NotSupported("this platform needs no per-account webhook subscription", platform=self.platform)

    def verify_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> None:
        """Raise InvalidWebhook unless the raw body is signed by the platform."""
        raise NotImplementedError

    def answer_challenge(self, params: Mapping[str, str]) -> WebhookChallenge:
        """The answer to the platform's GET handshake, or InvalidWebhook."""
        raise NotImplementedError


# --- shared machinery ---------------------------------------------------------------------------


def header_value(headers: Mapping[str, str], name: str) -> str:
    """A header by name in any case: a plain dict from a test, requests' or Django's headers."""
    name = name.lower()
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""


def hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def same_signature(expected: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), given.strip().encode())


def retry_after_seconds(value: str, *, now: float) -> float | None:
    """Retry-After as seconds, from either of its forms (a number, or an HTTP date)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(moment.timestamp() - now, 0.0)


# Failures that happen before any byte of the request reaches the platform.
_NOT_SENT = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError,
             urllib3.exceptions.NameResolutionError, urllib3.exceptions.SSLError)


def request_was_sent(exc: requests.RequestException) -> bool:
    """Whether the platform may have received the request: a read timeout or a connection dropped
    mid-answer may follow an accepted post; a refused connection or DNS failure cannot."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError | requests.exceptions.InvalidURL
                  | requests.exceptions.MissingSchema | requests.exceptions.TooManyRedirects):
        return False
    if isinstance(exc, requests.ReadTimeout | requests.exceptions.ChunkedEncodingError):
        return True
    return not any(isinstance(cause, _NOT_SENT) for cause in _causes(exc))


def _causes(exc: BaseException, depth: int = 0):
    """The exception and those it wraps: requests wraps urllib3's MaxRetryError, whose `reason`
    is the connection error itself."""
    if depth > 8:
        return
    yield exc
    inner = [getattr(exc, "reason", None), *exc.args, exc.__cause__, exc.__context__]
    for cause in inner:
        if isinstance(cause, BaseException) and cause is not exc:
            yield from _causes(cause, depth + 1)


class HTTPPlatformClient(PlatformClient):
    """A platform reached over HTTP: one requests Session (one connection pool) per client,
    one timeout, redirects never followed (a token never goes to another host)."""

    def __init__(self, *, timeout: float, now=time.time):
        self.timeout = float(timeout)
        self.now = now
        self.session = requests.Session()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"  # never a secret

    def send(self, method: str, url: str, *, write: bool = False, **kwargs) -> requests.Response:
        """The response, whatever its status; a failure to get one is Uncertain for a write the
        platform may have received, and TransientError otherwise."""
        try:
            # A redirect is answered as it is (an error), never followed with the token.
            return self.session.request(method, url, timeout=self.timeout, allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            what = exc.__class__.__name__
            if write and request_was_sent(exc):
                raise Uncertain(f"{self.platform}: no answer after the request was sent ({what})",
                                platform=self.platform) from None
            raise TransientError(f"{self.platform}: unreachable ({what})", platform=self.platform) from None


def json_of(response: requests.Response) -> dict:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {"data": answer}
