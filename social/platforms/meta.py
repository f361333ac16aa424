"""What Facebook, Instagram and WhatsApp share: Meta's Graph API (versioned base URL, bearer
token with appsecret_proof, its error body and rate-limit codes), Facebook Login's OAuth
(authorization dialog, with a Facebook Login for Business configuration when one is set, code
exchange, long-lived tokens, revocation) and its signed webhooks
(`X-Hub-Signature-256`, the `hub.challenge` handshake)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings

from social.platforms.base import (
    Credentials,
    HTTPPlatformClient,
    InvalidWebhook,
    NotConfigured,
    PermanentError,
    PlatformError,
    Profile,
    RateLimited,
    TokenExpired,
    TokenGrant,
    TransientError,
    Uncertain,
    WebhookChallenge,
    header_value,
    hmac_sha256,
    json_of,
    retry_after_seconds,
    same_signature,
)

# Graph error codes that mean "too many calls": 4 app, 17 user, 32 Page, 613 calls per hour,
# 341 application limit, 9 Instagram's publishing limit (subcode 2207042), 800xx Business Use
# Case limits (80001 Pages, 80002 Instagram, 80006 Messenger, 80008 WhatsApp Business
# Management...), 130429 WhatsApp Cloud API throughput, 131048 its spam limit, 131056 its
# per-recipient limit.
RATE_LIMIT_CODES = frozenset({4, 9, 17, 32, 341, 613, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80009,
                              80014, 130429, 131048, 131056})
# 190 invalid or expired OAuth token (subcodes 458 app removed, 460 password changed, 463 expired,
# 467 invalid), 102 API session.
TOKEN_CODES = frozenset({190, 102})
# 1 API unknown, 2 API service: Meta's "wait and retry"; 9007 / 2207027: an Instagram container
# not ready yet.
TRANSIENT_CODES = frozenset({1, 2, 9007})
# Meta gives no wait with these codes unless X-Business-Use-Case-Usage estimates one; its
# platform limits are counted over a rolling hour.
DEFAULT_RATE_LIMIT_WAIT = 300


def graph_error_fields(answer: dict) -> dict:
    error = answer.get("error")
    return error if isinstance(error, dict) else {}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def business_use_case_wait(headers: Mapping[str, str]) -> float | None:
    """The longest `estimated_time_to_regain_access` (minutes) in X-Business-Use-Case-Usage."""
    raw = header_value(headers, "x-business-use-case-usage")
    try:
        usage = json.loads(raw) if raw else {}
    except ValueError:
        return None
    minutes = [entry.get("estimated_time_to_regain_access") for entries in usage.values()
               if isinstance(entries, list) for entry in entries if isinstance(entry, dict)] if isinstance(
        usage, dict) else []
    minutes = [m for m in (_int(value) for value in minutes) if m]
    return max(minutes) * 60.0 if minutes else None


class GraphClient(HTTPPlatformClient):
    """A Meta product reached through the Graph API with one app's credentials."""

    dialog_path = "dialog/oauth"

    def __init__(self, *, app_id: str = "", app_secret: str = "", webhook_verify_token: str = "",
                 graph_url: str = "https://graph.facebook.com", graph_version: str = "v24.0",
                 dialog_url: str = "https://www.facebook.com", login_config_id: str = "", timeout: float = 15.0,
                 **kwargs):
        super().__init__(timeout=timeout, **kwargs)
        self.app_id = app_id
        self.login_config_id = login_config_id
        self._app_secret = app_secret
        self._webhook_verify_token = webhook_verify_token
        self.graph_version = graph_version.strip("/")
        self.api_url = f"{graph_url.rstrip('/')}/{self.graph_version}"
        self.dialog_url = dialog_url.rstrip("/")

    @classmethod
    def from_settings(cls):
        return cls(app_id=settings.META_APP_ID, app_secret=settings.META_APP_SECRET,
                   webhook_verify_token=settings.META_WEBHOOK_VERIFY_TOKEN, graph_url=settings.META_GRAPH_URL,
                   graph_version=settings.META_GRAPH_VERSION, dialog_url=settings.META_DIALOG_URL,
                   login_config_id=settings.META_LOGIN_CONFIG_ID, timeout=settings.SOCIAL_HTTP_TIMEOUT_SECONDS)

    # --- calls ----------------------------------------------------------------------------------

    def call(self, method: str, path: str, token: str, *, params: dict | None = None, data: dict | None = None,
             files: dict | None = None, json: dict | None = None, write: bool = False) -> dict:
        """The Graph answer as a dict, or the PlatformError its error maps to."""
        params = dict(params or {})
        if token and self._app_secret:  # proves the call comes from our server (Meta's hardening)
            params["appsecret_proof"] = hmac.new(self._app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.send(method, f"{self.api_url}/{path.lstrip('/')}", write=write, params=params, data=data,
                             files=files, json=json, headers=headers)
        answer = json_of(response)
        if 200 <= response.status_code < 300 and "error" not in answer:
            return answer
        raise self.error_for(response.status_code, answer, response.headers, write=write)

    def error_for(self, status: int, answer: dict, headers: Mapping[str, str], *, write: bool) -> PlatformError:
        error = graph_error_fields(answer)
        code, subcode = _int(error.get("code")), _int(error.get("error_subcode"))
        message = f"{self.platform}: {error.get('error_user_msg') or error.get('message') or f'HTTP {status}'}"
        common = {"platform": self.platform, "code": code or "", "subcode": subcode or "", "status": status}
        if status == 429 or code in RATE_LIMIT_CODES:
            wait = (retry_after_seconds(header_value(headers, "retry-after"), now=self.now())
                    or business_use_case_wait(headers) or DEFAULT_RATE_LIMIT_WAIT)
            return RateLimited(message, retry_after=wait, **common)
        if code in TOKEN_CODES or status == 401:
            return TokenExpired(message, **common)
        if status >= 500:
            # A write that failed on Meta's side may still have been applied.
            return (Uncertain if write else TransientError)(message, **common)
        if code in TRANSIENT_CODES or subcode == 2207027 or error.get("is_transient") is True:
            return TransientError(message, **common)
        return PermanentError(message, **common)

    # --- OAuth ----------------------------------------------------------------------------------

    def require_app(self) -> None:
        if not (self.app_id and self._app_secret):
            raise NotConfigured(f"{self.platform}: META_APP_ID and META_APP_SECRET are not set", platform=self.platform)

    def authorization_url(self, *, state: str, redirect_uri: str, code_challenge: str | None = None) -> str:
        self.require_app()
        query = {"client_id": self.app_id, "redirect_uri": redirect_uri, "state": state, "response_type": "code"}
        if self.login_config_id:
            # Facebook Login for Business: the saved configuration names the permissions (and the
            # token type) instead of `scope`; the override keeps the code flow whatever its default.
            query |= {"config_id": self.login_config_id, "override_default_response_type": "true"}
        else:
            query["scope"] = ",".join(self.default_scopes)
        if code_challenge:
            query |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
        return f"{self.dialog_url}/{self.graph_version}/{self.dialog_path}?{urlencode(query)}"

    def token_grant(self, answer: dict, profile: Profile, *, scopes: tuple[str, ...] = (), accounts=()) -> TokenGrant:
        token = answer.get("access_token")
        if not isinstance(token, str) or not token:
            raise TransientError(f"{self.platform}: token answer without a token", platform=self.platform)
        expires_in = _int(answer.get("expires_in"))
        expires_at = datetime.fromtimestamp(self.now(), UTC) + timedelta(seconds=expires_in) if expires_in else None
        return TokenGrant(access_token=token, expires_at=expires_at, scopes=scopes, user_id=profile.user_id,
                          username=profile.username, display_name=profile.display_name,
                          avatar_url=profile.avatar_url, accounts=tuple(accounts))

    def code_token(self, *, code: str, redirect_uri: str, code_verifier: str | None) -> str:
        self.require_app()
        params = {"client_id": self.app_id, "client_secret": self._app_secret, "redirect_uri": redirect_uri,
                  "code": code}
        if code_verifier:
            params["code_verifier"] = code_verifier
        answer = self.call("GET", "oauth/access_token", "", params=params)
        return self.token_grant(answer, Profile(user_id="")).access_token

    def long_lived(self, token: str) -> dict:
        """A long-lived (about 60 days) user token for a short-lived one, or a fresh one for a
        long-lived one: Meta's "refresh". Page tokens got from a long-lived user token never expire."""
        self.require_app()
        return self.call("GET", "oauth/access_token", "", params={
            "grant_type": "fb_exchange_token", "client_id": self.app_id, "client_secret": self._app_secret,
            "fb_exchange_token": token})

    def refresh(self, credentials: Credentials) -> TokenGrant:
        """Meta has no refresh tokens: a long-lived token is exchanged for a fresh one."""
        answer = self.long_lived(credentials.access_token)
        return self.token_grant(answer, Profile(user_id=credentials.platform_user_id))

    def granted_scopes(self, token: str) -> tuple[str, ...]:
        answer = self.call("GET", "me/permissions", token)
        return tuple(sorted(item["permission"] for item in answer.get("data") or []
                            if isinstance(item, dict) and item.get("status") == "granted" and item.get("permission")))

    def revoke(self, credentials: Credentials) -> None:
        """Removes the app's permissions for the token's user: works with a user token; a Page
        token is refused (PermanentError), and the caller deletes the stored token either way."""
        self.call("DELETE", "me/permissions", credentials.access_token, write=True)

    # --- webhooks -------------------------------------------------------------------------------

    def verify_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> None:
        if not self._app_secret:  # an empty secret would make a signature anyone can compute
            raise InvalidWebhook("no META_APP_SECRET to verify with")
        expected = "sha256=" + hmac_sha256(self._app_secret, body).hex()
        if not same_signature(expected, header_value(headers, "x-hub-signature-256")):
            raise InvalidWebhook("bad or missing X-Hub-Signature-256")

    def answer_challenge(self, params: Mapping[str, str]) -> WebhookChallenge:
        token = params.get("hub.verify_token") or ""
        if (params.get("hub.mode") != "subscribe" or not self._webhook_verify_token
                or not same_signature(self._webhook_verify_token, token)):
            raise InvalidWebhook("bad hub.mode or hub.verify_token")
        return WebhookChallenge(body=params.get("hub.challenge") or "")


def picture_url(node: dict) -> str:
    """`picture{url}` as Graph nests it: {"picture": {"data": {"url": ...}}}."""
    picture = node.get("picture")
    data = picture.get("data") if isinstance(picture, dict) else None
    return (data or {}).get("url", "") if isinstance(data, dict) else ""
