"""The chat's events for sockets: each user's inbox group, which every chat socket of the user
joins, and the frames sent to it. The socket layer (chat.consumers) relays a group message
`{"type": "chat.event", "event": frame}` to its client as the JSON `frame`."""

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def inbox_group(user_id: int) -> str:
    return f"chat.user.{user_id}"


def send_to_inboxes(user_ids, frame: dict) -> None:
    """Deliver `frame` (a JSON object with a `type`) to each user's inbox group. Call it after
    commit (sellflow.transactions.after_commit)."""
    layer = get_channel_layer()
    message = {"type": "chat.event", "event": frame}

    async def send_all() -> None:  # one hop to the event loop, the members' groups at once
        await asyncio.gather(*(layer.group_send(inbox_group(user_id), message) for user_id in sorted(set(user_ids))))

    async_to_sync(send_all)()
