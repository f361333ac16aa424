"""Verification of Google ID tokens: signature against Google's published keys (fetched over
HTTP and cached), audience = our client id, issuer, expiry."""

import threading
from typing import Any

import jwt
from django.conf import settings

from accounts.errors import GoogleTokenExpired, InvalidGoogleToken
from sellflow.exceptions import ProviderError, ServiceUnavailable

GOOGLE_ISSUERS = ("accounts.google.com", "https://accounts.google.com")

_clients: dict[str, jwt.PyJWKClient] = {}
_clients_lock = threading.Lock()


def _key_client() -> jwt.PyJWKClient:
    url = settings.GOOGLE_JWKS_URL
    with _clients_lock:
        client = _clients.get(url)
        if client is None:
            client = jwt.PyJWKClient(
                url,
                cache_jwk_set=True,
                lifespan=settings.GOOGLE_JWKS_CACHE_SECONDS,
                timeout=settings.GOOGLE_HTTP_TIMEOUT,
            )
            _clients[url] = client
    return client


def verify_google_id_token(id_token: str) -> dict[str, Any]:
    """The token's claims if Google signed it for us and it is still valid."""
    if not settings.GOOGLE_CLIENT_ID:
        raise ServiceUnavailable("Google sign-in is not configured on this server.")
    try:
        signing_key = _key_client().get_signing_key_from_jwt(id_token)
    except jwt.PyJWKClientConnectionError as exc:
        raise ProviderError("Google's signing keys could not be fetched.") from exc
    except (jwt.PyJWKClientError, jwt.DecodeError) as exc:
        raise InvalidGoogleToken() from exc
    try:
        claims = jwt.decode(
            id_token,
            signing_key.key,
            algorithms=["RS256"],
            audience=settings.GOOGLE_CLIENT_ID,
            issuer=GOOGLE_ISSUERS,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            leeway=30,
        )
    except jwt.ExpiredSignatureError as exc:
        raise GoogleTokenExpired() from exc
    except jwt.InvalidTokenError as exc:
        raise InvalidGoogleToken() from exc
    if not claims.get("email") or claims.get("email_verified") not in (True, "true"):
        raise InvalidGoogleToken("Google did not confirm an email address for this account.")
    return claims
