"""Open sockets end with their session. Every signed-in socket (sellflow.consumers.SessionConsumer)
joins its user's sessions group; revoke_sockets() tells the sockets in it to close with 4401."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

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
