"""The chat's events for sockets: each user's inbox group, which every chat socket of the user
joins, and the frames sent to it. The socket layer (chat.consumers) relays a group message
`{"type": "chat.event", "event": frame}` to its client as the JSON `frame`."""

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def inbox_group(user_id: int) -> str:
    return f"chat.user.{user_id}"


def send_to_inboxes(user_ids, frame: dict) -> None:
    """Deliver the same `frame` (a JSON object with a `type`) to each user's inbox group. Call it
    after commit (sellflow.transactions.after_commit)."""
    send_frames({user_id: frame for user_id in user_ids})


def send_frames(frames: dict[int, dict]) -> None:
    """Deliver each user's own frame (what their side may see) to their inbox group: one hop to the
    event loop, the members' groups at once."""
    async_to_sync(deliver_frames)(frames)


async def deliver_frames(frames: dict[int, dict]) -> None:
    """send_frames, from async code."""
    layer = get_channel_layer()
    await asyncio.gather(*(layer.group_send(inbox_group(user_id), {"type": "chat.event", "event": frame})
                           for user_id, frame in sorted(frames.items())))
