"""The base of every signed-in WebSocket consumer: a socket lives no longer than the session that
opened it. It closes with 4401 when the session ends (logout, password change or reset,
deactivation: sellflow.ws_sessions.revoke_sockets) and when its access token expires, and nothing
is sent on it after that. A user holds at most WEBSOCKETS_PER_USER sockets of each kind (a
subclass's `socket_kind`) across every server process: one more is refused with an `error` frame
`too_many_sockets` and closed with 4429. Subclasses write connect/disconnect/handlers as usual; as
in Channels, disconnect also runs for a socket closed before its connect did."""

import asyncio
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.cache import cache

from sellflow.parsers import UnusableJSON, load_json_text
from sellflow.ws_auth import CLOSE_UNAUTHENTICATED, user_for_access_token
from sellflow.ws_sessions import session_id_of, sessions_group

CLOSE_TOO_MANY_SOCKETS = 4429


class SessionConsumer(AsyncJsonWebsocketConsumer):
    """For routes behind sellflow.ws_auth.JWTQueryStringAuthMiddleware: `scope["user"]` is an
    active user and `scope["access_token"]` the verified token that opened the socket."""

    socket_kind = "socket"  # the user's sockets of one kind share their WEBSOCKETS_PER_USER slots
    session_ended = False
    expiry_timer: asyncio.Task | None = None
    slot: str | None = None  # the cache key of the slot this socket holds

    async def __call__(self, scope, receive, send):
        async def send_while_session_lasts(message):
            # Events already queued for the socket when its session ended are not delivered.
            if not (self.session_ended and message["type"] == "websocket.send"):
                await send(message)

        try:
            await super().__call__(scope, receive, send_while_session_lasts)
        finally:
            self.stop_expiry_timer()  # however the consumer ends, its timer goes with it

    async def websocket_connect(self, message):
        token = self.scope["access_token"]
        self.session_id = session_id_of(token)
        self.sessions_group = sessions_group(self.scope["user"].pk)
        await self.channel_layer.group_add(self.sessions_group, self.channel_name)
        # The middleware checked the token before this socket was in the group: a revocation
        # committed in between told nobody, so check once more now that its event would arrive.
        if await database_sync_to_async(user_for_access_token)(token) is None:
            await self.accept()
            return await self.end_session()
        self.slot = await database_sync_to_async(socket_slot_take)(
            self.socket_kind, self.scope["user"].pk, self.channel_name, until=token["exp"])
        if self.slot is None:
            await self.accept()
            await self.send_json({"type": "error", "code": "too_many_sockets",
                                  "error": f"At most {settings.WEBSOCKETS_PER_USER} of these sockets per user: "
                                           "close one first.", "details": {}})
            return await self.close(code=CLOSE_TOO_MANY_SOCKETS)
        self.expiry_timer = asyncio.create_task(self.end_session_at(token["exp"]))
        try:
            await super().websocket_connect(message)
        except BaseException:  # never connected (the channel layer down...): its slot goes back now
            await database_sync_to_async(socket_slot_release)(self.slot, self.channel_name)
            self.slot = None
            raise

    async def websocket_disconnect(self, message):
        self.stop_expiry_timer()
        if self.slot is not None:
            await database_sync_to_async(socket_slot_release)(self.slot, self.channel_name)
            self.slot = None
        if hasattr(self, "sessions_group"):
            await self.channel_layer.group_discard(self.sessions_group, self.channel_name)
        await super().websocket_disconnect(message)

    async def session_revoked(self, event):
        if event["session_id"] in (None, self.session_id):
            await self.end_session()

    async def end_session_at(self, exp: int) -> None:
        await asyncio.sleep(max(exp - time.time(), 0))
        await self.end_session()

    async def end_session(self) -> None:
        if not self.session_ended:
            self.session_ended = True
            await self.close(code=CLOSE_UNAUTHENTICATED)

    def stop_expiry_timer(self) -> None:
        if self.expiry_timer is not None:
            self.expiry_timer.cancel()

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """A frame that is not JSON text a handler can take (binary, not JSON, or JSON that
        sellflow.parsers refuses) is answered with {"type": "error", "code": "invalid", "error":
        "..."} and the socket stays open: a client's mistake costs it that message, not its live
        feed (closing with 1007 would also drop the events on their way to it)."""
        if text_data is None:
            return await self.refuse_frame("Frames are JSON text, not binary.")
        try:
            content = await self.decode_json(text_data)
        except UnusableJSON as refusal:
            return await self.refuse_frame(str(refusal))
        except ValueError as error:
            return await self.refuse_frame(f"The frame is not valid JSON ({error}).")
        await self.receive_json(content, **kwargs)

    @classmethod
    async def decode_json(cls, text_data):
        return load_json_text(text_data)

    async def refuse_frame(self, error: str) -> None:
        await self.send_json({"type": "error", "code": "invalid", "error": error})


def socket_slot_take(kind: str, user_id: int, channel_name: str, *, until: int) -> str | None:
    """One of the user's WEBSOCKETS_PER_USER slots for a socket of `kind`, held by `channel_name`
    (an atomic add in the shared cache, so parallel connects cannot both take the last one): its
    key, or None when all are taken. A slot lasts until the socket's token expires, when the socket
    closes anyway, plus a minute: a server that dies with sockets open frees their slots by then."""
    seconds = max(until - int(time.time()), 0) + 60
    for number in range(settings.WEBSOCKETS_PER_USER):
        key = f"websocket-slot:{kind}:{user_id}:{number}"
        if cache.add(key, channel_name, timeout=seconds):
            return key
    return None


def socket_slot_release(key: str, channel_name: str) -> None:
    if cache.get(key) == channel_name:  # still this socket's (not expired and taken by another)
        cache.delete(key)
