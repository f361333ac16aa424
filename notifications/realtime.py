"""The user's own channel group: every socket the user has open on /ws/notifications/ is in it,
and any app can send them an event (notifications, unread counts, job results)."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def send_to_user(user_id: int, event: dict) -> None:
    """Deliver `event` (a JSON object with a `type`) to the user's open sockets. Call it after
    commit: `transaction.on_commit(partial(send_to_user, user.pk, event))`."""
    async_to_sync(get_channel_layer().group_send)(user_group(user_id), {"type": "user.event", "event": event})
