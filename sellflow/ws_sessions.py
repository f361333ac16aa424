"""Open sockets end with their session. Every signed-in socket (sellflow.consumers.SessionConsumer)
joins its user's sessions group; revoke_sockets() tells the sockets in it to close with 4401.
A session that logged out is also remembered (session_end) until its last token would have
expired, and its tokens are refused on HTTP, sockets and refresh alike (session_has_ended)."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

# The session id claim: set once when a session starts (accounts.tokens) and copied by simplejwt
# into every access token and rotated refresh token of that session.
SESSION_ID_CLAIM = "sid"
# The session of tokens issued before sessions had ids.
UNNAMED_SESSION = ""


def sessions_group(user_id: int | str) -> str:
    return f"sessions-{user_id}"


def session_id_of(token) -> str:
    return str(token.get(SESSION_ID_CLAIM, UNNAMED_SESSION))


def revoke_sockets(user_id: int | str, session_id: str | None = None) -> None:
    """Close the user's open sockets with 4401: every one, or only those of one session
    (UNNAMED_SESSION closes the sockets of every session without an id). Call it after commit."""
    async_to_sync(get_channel_layer().group_send)(
        sessions_group(user_id), {"type": "session.revoked", "session_id": session_id}
    )


def ended_session_key(user_id: int | str, session_id: str) -> str:
    return f"sessions:ended:{user_id}:{session_id}"


def session_end(user_id: int | str, session_id: str) -> None:
    """Refuse the access and refresh tokens of this session from now on, for as long as any of
    them can still be valid (its refresh tokens are also blacklisted, should the cache forget).
    Sessions without an id have only the blacklisted jti of the access token shown at logout.
    Call it after commit."""
    if session_id == UNNAMED_SESSION:
        return
    lifetime = max(AccessToken.lifetime, RefreshToken.lifetime) + token_backend.get_leeway()
    cache.set(ended_session_key(user_id, session_id), True, timeout=int(lifetime.total_seconds()) + 1)


def session_has_ended(token) -> bool:
    """Whether the token belongs to a session that logged out: one cache read (one indexed query
    for a token from before sessions had ids, whose logout could only blacklist it by its jti)."""
    session_id = session_id_of(token)
    if session_id == UNNAMED_SESSION:
        return BlacklistedToken.objects.filter(token__jti=token["jti"]).exists()
    return cache.get(ended_session_key(token.get(jwt_settings.USER_ID_CLAIM), session_id)) is not None
