"""Push delivery to a user's devices: one small interface, `PushSender.send(token, message)`, with
Web Push (VAPID, through pywebpush) for browsers and Firebase Cloud Messaging (HTTP v1) for
Android and iOS. Each turns on by its own setting; an unconfigured platform is skipped."""

import base64
import binascii
import ipaddress
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from typing import Protocol
from urllib.parse import SplitResult, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.cache import cache as django_cache
from http_ece import ECEException
from py_vapid import Vapid, VapidException
from pywebpush import WebPushException, webpush
from urllib3.util import Url, parse_url

from notifications.models import DevicePlatform
from sellflow.parsers import load_json_text

logger = logging.getLogger(__name__)

FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
FCM_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_:\-.]{20,4096}$")
# Notifications a person acts on now; the others may wait for the device's next wake-up.
URGENT_TYPES = {"order", "payment", "chat"}
# Push services refuse messages over 4096 (Web Push, encrypted) or 4000 bytes (FCM): the body gives
# way so that the title, the data and the encryption's overhead still fit.
PUSH_PAYLOAD_MAX_BYTES = 3000
# A push service's host name, not an address: the last label starts with a letter, which also rules
# out the numeric forms (167772165, 0x0a.0.0.5) that resolvers read as IPv4 addresses.
PUSH_HOST_PATTERN = re.compile(r"^(?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*$")
# Printable ASCII without the backslash, which parsers disagree about.
PLAIN_URL_PATTERN = re.compile(r"[\x21-\x5b\x5d-\x7e]+")


@dataclass(frozen=True)
class PushMessage:
    notification_id: int | None
    type: str
    title: str
    body: str
    data: dict = field(default_factory=dict)

    @property
    def urgent(self) -> bool:
        return self.type in URGENT_TYPES

    def as_dict(self) -> dict:
        return asdict(self)

    def payload(self) -> str:
        """The JSON a browser's service worker receives."""
        return json.dumps({"id": self.notification_id, "type": self.type, "title": self.title,
                           "body": self.body, "data": self.data}, ensure_ascii=False)

    def fitted(self) -> "PushMessage":
        """This message with its body cut short, ending in "…", so its payload stays within
        PUSH_PAYLOAD_MAX_BYTES."""
        def fits(body: str) -> bool:
            return len(replace(self, body=body).payload().encode()) <= PUSH_PAYLOAD_MAX_BYTES

        if fits(self.body):
            return self
        # The longest start of the body that fits with its "…", found by halving.
        low, high = 0, len(self.body)
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if fits(self.body[:middle] + "…") else (low, middle - 1)
        kept = self.body[:low].rstrip()
        return replace(self, body=kept + "…" if kept else "")


class PushError(Exception):
    """The provider refused this message for good (bad payload, our credentials): not retried."""


class PushTemporaryError(PushError):
    """The provider is unreachable, overloaded or rate-limiting: worth retrying later."""


class TokenGone(PushError):
    """The provider says this device token no longer exists: the device must be forgotten."""


class PushSender(Protocol):
    def send(self, token: str, message: PushMessage) -> None: ...


def _session() -> requests.Session:
    session = requests.Session()
    # A push endpoint that redirects elsewhere is refused rather than followed.
    session.max_redirects = 0
    return session


def _b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@contextmanager
def _refused_when_malformed(provider: str) -> Iterator[None]:
    """A malformed key, token or provider reply fails this one device for good: it must not crash
    the task, nor the loop over the user's other devices."""
    try:
        yield
    except PushError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, ECEException, VapidException, jwt.PyJWTError) as exc:
        logger.warning("%s push failed on malformed data", provider, exc_info=True)
        raise PushError(f"{provider}: {exc.__class__.__name__}: {exc}") from exc


# --- Web Push ---------------------------------------------------------------------------------

def parse_web_subscription(token: str) -> dict:
    """The browser's PushSubscription (its JSON) if it is well formed and points at a known push
    service; ValueError with the reason otherwise. Checked at registration so the server never
    posts to an address a user picked."""
    try:
        subscription = load_json_text(token)
    except ValueError as exc:
        raise ValueError("A web token is the browser's PushSubscription as JSON.") from exc
    if not isinstance(subscription, dict) or not isinstance(subscription.get("keys"), dict):
        raise ValueError("The subscription needs an endpoint and keys (p256dh, auth).")
    endpoint = _push_endpoint(subscription.get("endpoint"))
    keys = subscription["keys"]
    try:
        p256dh = _b64url_decode(str(keys.get("p256dh", "")))
        auth = _b64url_decode(str(keys.get("auth", "")))
        if len(p256dh) != 65 or len(auth) != 16:
            raise ValueError
        # A point off the curve cannot be encrypted to: refused now rather than failing every send.
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("The subscription keys are not a P-256 public key and a 16-byte secret.") from exc
    return {"endpoint": endpoint, "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]}}


NOT_HTTPS = "The subscription endpoint must be an https URL."
NOT_PLAIN = "The subscription endpoint must be a plain URL: no user name, port, backslash or spaces."
NOT_A_PUSH_SERVICE = "The subscription endpoint is not a known push service."


def _push_endpoint(endpoint: object) -> str:
    """The endpoint as requests will post to it, rebuilt from its parts, if it is a plain https URL
    of a known push service. Both urllib3 (which requests connects with) and urlsplit must read
    the same host from it: `https://10.0.0.5\\@fcm.googleapis.com/` is 10.0.0.5 to one and the push
    service to the other."""
    development = settings.WEBPUSH_ALLOW_HTTP  # a push service on this machine, on its own port
    parsed, parts = _read_both_ways(endpoint, development=development)
    if not _read_alike(parsed, parts, development=development):
        raise ValueError(NOT_PLAIN)
    host = parsed.host or ""
    if not _is_push_service(host, development=development):
        raise ValueError(NOT_A_PUSH_SERVICE)
    return Url(scheme=parsed.scheme, host=host, port=parsed.port, path=parsed.path or "/", query=parsed.query).url


def _read_both_ways(endpoint: object, *, development: bool) -> tuple[Url, SplitResult]:
    """The endpoint as urllib3 and as urlsplit read it, if it is a printable URL of the right scheme."""
    if not isinstance(endpoint, str):
        raise ValueError(NOT_HTTPS)
    if not PLAIN_URL_PATTERN.fullmatch(endpoint):
        raise ValueError(NOT_PLAIN)
    try:
        parsed, parts = parse_url(endpoint), urlsplit(endpoint)
        _ = parts.port  # urlsplit reads its port only when asked, and may refuse it then
    except ValueError as exc:
        raise ValueError(NOT_HTTPS) from exc
    if parsed.scheme not in ({"https", "http"} if development else {"https"}) or parts.scheme != parsed.scheme:
        raise ValueError(NOT_HTTPS)
    return parsed, parts


def _read_alike(parsed: Url, parts: SplitResult, *, development: bool) -> bool:
    """Whether both readings agree on a URL without credentials, and without a port outside development."""
    return (parsed.auth is None and "@" not in parts.netloc and (parsed.host or "").strip("[]") == parts.hostname
            and parsed.port == parts.port and (parsed.port is None or development))


def _is_push_service(host: str, *, development: bool) -> bool:
    """A host name (an IPv4 address only in development) under one of WEBPUSH_ENDPOINT_HOSTS."""
    if not (PUSH_HOST_PATTERN.match(host) or (development and _is_ipv4(host))):
        return False
    return any(host == allowed or host.endswith("." + allowed) for allowed in settings.WEBPUSH_ENDPOINT_HOSTS)


def _is_ipv4(host: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(host), ipaddress.IPv4Address)
    except ValueError:
        return False


@cache
def _vapid(private_key: str) -> Vapid:
    if private_key.lstrip().startswith("-----BEGIN"):
        return Vapid.from_pem(private_key.encode())
    return Vapid.from_string(private_key)


def vapid_public_key() -> str | None:
    """The application server key browsers subscribe with (base64url, uncompressed point)."""
    if not settings.WEBPUSH_VAPID_PRIVATE_KEY:
        return None
    raw = _vapid(settings.WEBPUSH_VAPID_PRIVATE_KEY).public_key.public_bytes(
        Encoding.X962, PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class WebPushSender:
    def __init__(self, private_key: str, subject: str):
        self.private_key = private_key
        self.subject = subject

    def send(self, token: str, message: PushMessage) -> None:
        try:
            with _refused_when_malformed("web"):
                webpush(
                    load_json_text(token), data=message.fitted().payload().encode(),
                    vapid_private_key=_vapid(self.private_key), vapid_claims={"sub": self.subject},
                    timeout=settings.PUSH_HTTP_TIMEOUT, ttl=settings.PUSH_TTL_SECONDS,
                    headers={"Urgency": "high" if message.urgent else "normal"}, requests_session=_session(),
                )
        except WebPushException as exc:
            status = exc.status_code
            if status is None:  # pywebpush refused to build the request: a bad subscription
                raise PushError(f"push message not built: {exc.message}") from exc
            if status in (404, 410):
                raise TokenGone(f"push service answered {status}") from exc
            if status == 429 or status >= 500:
                raise PushTemporaryError(f"push service answered {status}: {exc.message}") from exc
            raise PushError(f"push service answered {status}: {exc.message}") from exc
        except requests.TooManyRedirects as exc:
            raise PushError("push service redirected") from exc
        except requests.RequestException as exc:
            raise PushTemporaryError(f"push service unreachable: {exc.__class__.__name__}") from exc


# --- Firebase Cloud Messaging (HTTP v1) -------------------------------------------------------

@cache
def _service_account(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        account = json.load(handle)
    missing = {"client_email", "private_key", "token_uri"} - account.keys()
    if missing:
        raise ValueError(f"FCM credentials file lacks {', '.join(sorted(missing))}")
    return account


class FCMSender:
    """Messages through `projects/{id}/messages:send`, authorised by an OAuth2 access token that a
    JWT signed with the service account's key buys from Google's token endpoint (RFC 7523)."""

    _token_lock = threading.Lock()

    def __init__(self, credentials_file: str, project_id: str = ""):
        self.account = _service_account(credentials_file)
        self.project_id = project_id or self.account.get("project_id", "")
        if not self.project_id:
            raise ValueError("Set FCM_PROJECT_ID or use credentials that name their project_id.")
        self.session = _session()

    @property
    def _token_cache_key(self) -> str:
        return f"notifications:fcm-token:{self.account['client_email']}"

    def _access_token(self, *, refresh: bool = False) -> str:
        if not refresh and (token := django_cache.get(self._token_cache_key)):
            return token
        with self._token_lock:
            now = int(time.time())
            assertion = jwt.encode(
                {"iss": self.account["client_email"], "scope": FCM_SCOPE, "aud": self.account["token_uri"],
                 "iat": now, "exp": now + 3600},
                self.account["private_key"], algorithm="RS256",
                headers={"kid": self.account.get("private_key_id", "")},
            )
            try:
                response = self.session.post(self.account["token_uri"], timeout=settings.PUSH_HTTP_TIMEOUT, data={
                    "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion,
                })
            except requests.RequestException as exc:
                raise PushTemporaryError(f"FCM token endpoint unreachable: {exc.__class__.__name__}") from exc
            if response.status_code >= 500 or response.status_code == 429:
                raise PushTemporaryError(f"FCM token endpoint answered {response.status_code}")
            if response.status_code != 200:
                raise PushError(f"FCM credentials refused ({response.status_code})")
            grant = response.json()
            token = grant["access_token"]
            # Kept until five minutes before Google says it expires.
            django_cache.set(self._token_cache_key, token, max(int(grant.get("expires_in", 3600)) - 300, 60))
            return token

    def _body(self, token: str, message: PushMessage) -> dict:
        data = {key: value if isinstance(value, str) else json.dumps(value) for key, value in message.data.items()}
        data.update({"type": message.type, "notification_id": str(message.notification_id or "")})
        return {"message": {
            "token": token,
            "notification": {"title": message.title, "body": message.body},
            "data": data,
            "android": {"priority": "high" if message.urgent else "normal", "ttl": f"{settings.PUSH_TTL_SECONDS}s"},
            "apns": {"headers": {"apns-priority": "10" if message.urgent else "5"}},
        }}

    def send(self, token: str, message: PushMessage) -> None:
        with _refused_when_malformed("FCM"):
            self._send(token, message)

    def _send(self, token: str, message: PushMessage) -> None:
        url = f"{settings.FCM_API_URL.rstrip('/')}/v1/projects/{self.project_id}/messages:send"
        body = self._body(token, message.fitted())
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {self._access_token(refresh=attempt > 0)}"}
            try:
                response = self.session.post(url, json=body, headers=headers, timeout=settings.PUSH_HTTP_TIMEOUT)
            except requests.RequestException as exc:
                raise PushTemporaryError(f"FCM unreachable: {exc.__class__.__name__}") from exc
            if response.status_code == 401 and attempt == 0:
                continue  # the cached access token was revoked or expired early: buy a new one once
            break
        if response.status_code == 200:
            return
        error_code = _fcm_error_code(response)
        # Only FCM's word on the token itself: a bare 404 is as likely a wrong FCM_API_URL or
        # project, which would otherwise forget every phone.
        if error_code in ("UNREGISTERED", "SENDER_ID_MISMATCH"):
            raise TokenGone(f"FCM answered {response.status_code} {error_code}")
        if response.status_code == 429 or response.status_code >= 500:
            raise PushTemporaryError(f"FCM answered {response.status_code} {error_code}")
        raise PushError(f"FCM answered {response.status_code} {error_code}")


def _fcm_error_code(response: requests.Response) -> str:
    """FCM's own error code (UNREGISTERED, QUOTA_EXCEEDED...) from the error details; "" when the
    reply is not FCM's error shape (a proxy's page, a wrong URL)."""
    try:
        error = response.json().get("error", {})
    except (ValueError, AttributeError):
        return ""
    if not isinstance(error, dict):
        return ""
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and isinstance(detail.get("errorCode"), str):
            return detail["errorCode"]
    status = error.get("status")
    return status if isinstance(status, str) else ""


def sender_for(platform: str) -> PushSender | None:
    """The sender of a platform, or None when that provider is not configured here."""
    if platform == DevicePlatform.WEB:
        if not settings.WEBPUSH_VAPID_PRIVATE_KEY:
            return None
        return WebPushSender(settings.WEBPUSH_VAPID_PRIVATE_KEY, settings.WEBPUSH_VAPID_SUBJECT)
    if not settings.FCM_CREDENTIALS_FILE:
        return None
    return FCMSender(settings.FCM_CREDENTIALS_FILE, settings.FCM_PROJECT_ID)
