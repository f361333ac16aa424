"""Push delivery to a user's devices: one small interface, `PushSender.send(token, message)`, with
Web Push (VAPID, through pywebpush) for browsers and Firebase Cloud Messaging (HTTP v1) for
Android and iOS. Each turns on by its own setting; an unconfigured platform is skipped."""

import base64
import binascii
import json
import logging
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Protocol
from urllib.parse import urlsplit

import jwt
import requests
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.cache import cache as django_cache
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from notifications.models import DevicePlatform

logger = logging.getLogger(__name__)

FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
FCM_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_:\-.]{20,4096}$")
# Notifications a person acts on now; the others may wait for the device's next wake-up.
URGENT_TYPES = {"order", "payment", "chat"}


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


# --- Web Push ---------------------------------------------------------------------------------

def parse_web_subscription(token: str) -> dict:
    """The browser's PushSubscription (its JSON) if it is well formed and points at a known push
    service; ValueError with the reason otherwise. Checked at registration so the server never
    posts to an address a user picked."""
    try:
        subscription = json.loads(token)
    except ValueError:
        raise ValueError("A web token is the browser's PushSubscription as JSON.")
    if not isinstance(subscription, dict) or not isinstance(subscription.get("keys"), dict):
        raise ValueError("The subscription needs an endpoint and keys (p256dh, auth).")
    endpoint = subscription.get("endpoint")
    parts = urlsplit(endpoint) if isinstance(endpoint, str) else None
    allowed_schemes = {"https", "http"} if settings.WEBPUSH_ALLOW_HTTP else {"https"}
    host = (parts.hostname or "") if parts else ""
    if not parts or parts.scheme not in allowed_schemes or not host:
        raise ValueError("The subscription endpoint must be an https URL.")
    if not any(host == allowed or host.endswith("." + allowed) for allowed in settings.WEBPUSH_ENDPOINT_HOSTS):
        raise ValueError("The subscription endpoint is not a known push service.")
    keys = subscription["keys"]
    try:
        p256dh = _b64url_decode(str(keys.get("p256dh", "")))
        auth = _b64url_decode(str(keys.get("auth", "")))
    except (binascii.Error, ValueError):
        raise ValueError("The subscription keys are not base64url.")
    if len(p256dh) != 65 or p256dh[0] != 4 or len(auth) != 16:
        raise ValueError("The subscription keys are not a P-256 public key and a 16-byte secret.")
    return {"endpoint": endpoint, "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]}}


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
        self.vapid = _vapid(private_key)
        self.subject = subject

    def send(self, token: str, message: PushMessage) -> None:
        subscription = json.loads(token)
        payload = json.dumps({
            "id": message.notification_id, "type": message.type, "title": message.title,
            "body": message.body, "data": message.data,
        })
        try:
            webpush(
                subscription, data=payload, vapid_private_key=self.vapid,
                vapid_claims={"sub": self.subject}, timeout=settings.PUSH_HTTP_TIMEOUT,
                ttl=settings.PUSH_TTL_SECONDS, headers={"Urgency": "high" if message.urgent else "normal"},
                requests_session=_session(),
            )
        except WebPushException as exc:
            status = exc.status_code
            if status in (404, 410):
                raise TokenGone(f"push service answered {status}")
            if status is None or status == 429 or status >= 500:
                raise PushTemporaryError(f"push service answered {status}: {exc.message}")
            raise PushError(f"push service answered {status}: {exc.message}")
        except requests.TooManyRedirects:
            raise PushError("push service redirected")
        except requests.RequestException as exc:
            raise PushTemporaryError(f"push service unreachable: {exc.__class__.__name__}")


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
                raise PushTemporaryError(f"FCM token endpoint unreachable: {exc.__class__.__name__}")
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
        url = f"{settings.FCM_API_URL.rstrip('/')}/v1/projects/{self.project_id}/messages:send"
        body = self._body(token, message)
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {self._access_token(refresh=attempt > 0)}"}
            try:
                response = self.session.post(url, json=body, headers=headers, timeout=settings.PUSH_HTTP_TIMEOUT)
            except requests.RequestException as exc:
                raise PushTemporaryError(f"FCM unreachable: {exc.__class__.__name__}")
            if response.status_code == 401 and attempt == 0:
                continue  # the cached access token was revoked or expired early: buy a new one once
            break
        if response.status_code == 200:
            return
        error_code = _fcm_error_code(response)
        if response.status_code == 404 or error_code in ("UNREGISTERED", "SENDER_ID_MISMATCH"):
            raise TokenGone(f"FCM answered {response.status_code} {error_code}")
        if response.status_code == 429 or response.status_code >= 500:
            raise PushTemporaryError(f"FCM answered {response.status_code} {error_code}")
        raise PushError(f"FCM answered {response.status_code} {error_code}")


def _fcm_error_code(response: requests.Response) -> str:
    """FCM's own error code (UNREGISTERED, QUOTA_EXCEEDED...) from the error details."""
    try:
        error = response.json().get("error", {})
    except ValueError:
        return ""
    for detail in error.get("details", []):
        if isinstance(detail, dict) and detail.get("errorCode"):
            return detail["errorCode"]
    return error.get("status", "")


def sender_for(platform: str) -> PushSender | None:
    """The sender of a platform, or None when that provider is not configured here."""
    if platform == DevicePlatform.WEB:
        if not settings.WEBPUSH_VAPID_PRIVATE_KEY:
            return None
        return WebPushSender(settings.WEBPUSH_VAPID_PRIVATE_KEY, settings.WEBPUSH_VAPID_SUBJECT)
    if not settings.FCM_CREDENTIALS_FILE:
        return None
    return FCMSender(settings.FCM_CREDENTIALS_FILE, settings.FCM_PROJECT_ID)
