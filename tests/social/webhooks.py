"""Signed webhook requests as the platforms send them, for the webhook tests."""

import base64
import hashlib
import hmac
import json

from tests.social.conftest import APP_SECRET

CONSUMER_SECRET = "x-consumer-secret"
PAGE = "1015550001"
X_USER = "2244994945"
PHONE_NUMBER_ID = "1099000111"


def url(platform: str) -> str:
    return f"/api/webhooks/social/{platform}/"


def meta_signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def x_signature(message: bytes, secret: str = CONSUMER_SECRET) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def post_meta(client, document, platform="facebook", signature=None):
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    return client.post(url(platform), body, content_type="application/json",
                       HTTP_X_HUB_SIGNATURE_256=meta_signature(body) if signature is None else signature)


def post_x(client, document, signature=None):
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    return client.post(url("twitter"), body, content_type="application/json",
                       HTTP_X_TWITTER_WEBHOOKS_SIGNATURE=x_signature(body) if signature is None else signature)


def page_notification(*changes, page=PAGE, time=1765022400):
    return {"object": "page", "entry": [{"id": page, "time": time, "changes": list(changes)}]}
