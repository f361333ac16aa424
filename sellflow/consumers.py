"""The base of every signed-in WebSocket consumer: a socket lives no longer than the session that
opened it. It closes with 4401 when the session ends (logout, password change or reset,
deactivation: sellflow.ws_sessions.revoke_sockets) and when its access token expires, and nothing
is sent on it after that. Subclasses write connect/disconnect/handlers as usual; as in Channels,
disconnect also runs for a socket closed before its connect did."""

import asyncio
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from sellflow.parsers import UnusableJSON, load_json_text
from sellflow.ws_auth import CLOSE_UNAUTHENTICATED, user_for_access_token
from sellflow.ws_sessions import session_id_of, sessions_group


class SessionConsumer(AsyncJsonWebsocketConsumer):
    """For routes behind sellflow.ws_auth.JWTQueryStringAuthMiddleware: `scope["user"]` is an
    active user and `scope["access_token"]` the verified token that opened the socket."""

    session_ended = False
    expiry_timer: asyncio.Task | None = None

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
        self.expiry_timer = asyncio.create_task(self.end_session_at(token["exp"]))
        await super().websocket_connect(message)

    async def websocket_disconnect(self, message):
        self.stop_expiry_timer()
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
