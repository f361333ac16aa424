"""WebSocket authentication: `?token=<access>` in the query string (browsers cannot set headers on
a WebSocket). A missing, invalid, expired, revoked or blacklisted token, or an inactive user,
gets the handshake accepted and closed at once with code 4401, so the client can tell
"log in again" from a network error."""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.contrib.auth.base_user import AbstractBaseUser
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken

from sellflow.authentication import SessionJWTAuthentication

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


def session_for_access_token(raw_token: str) -> tuple[AbstractBaseUser, AccessToken] | None:
    """The active user an access token stands for, with the verified token, or None."""
    try:
        token = AccessToken(raw_token)
    except TokenError:
        return None
    user = user_for_access_token(token)
    return (user, token) if user is not None else None


def user_for_access_token(token: AccessToken) -> AbstractBaseUser | None:
    """The user of a verified access token, or None once the account is disabled or gone, its password
    changed, its session logged out, or the token was blacklisted at logout."""
    try:
        user = SessionJWTAuthentication().get_user(token)
    except (TokenError, AuthenticationFailed):
        return None
    if BlacklistedToken.objects.filter(token__jti=token["jti"]).exists():
        return None
    return user


class JWTQueryStringAuthMiddleware:
    """Puts the user in `scope["user"]` and their verified token in `scope["access_token"]`
    (its claims tell sellflow.consumers when the socket must close)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.app(scope, receive, send)

        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        raw_token = (query.get("token") or [""])[0]
        session = await database_sync_to_async(session_for_access_token)(raw_token) if raw_token else None
        if session is None:
            return await close_handshake(receive, send, CLOSE_UNAUTHENTICATED)
        user, token = session
        return await self.app({**scope, "user": user, "access_token": token}, receive, send)


async def close_handshake(receive, send, code: int) -> None:
    """Accept then close with an application code (a refused handshake would only say 403)."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": code})


async def unknown_websocket_path(scope, receive, send) -> None:
    await close_handshake(receive, send, CLOSE_NOT_FOUND)


