from channels.db import database_sync_to_async

from notifications.realtime import user_group
from notifications.selectors import unread_counts
from sellflow.consumers import SessionConsumer


class NotificationConsumer(SessionConsumer):
    """`/ws/notifications/?token=...`: the user's live feed. The JWT middleware has already
    refused anyone without a valid token, so `scope["user"]` is a real, active user; the socket
    closes with 4401 when that session ends or its token expires."""

    socket_kind = "notifications"

    async def connect(self):
        self.group = user_group(self.scope["user"].pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        counts = await database_sync_to_async(unread_counts)(self.scope["user"].pk)
        await self.send_json({"type": "unread_count", "unread": counts["unread"]})

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # The feed is one-way; a ping keeps proxies from closing an idle socket.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def user_event(self, message):
        await self.send_json(message["event"])
