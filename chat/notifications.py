"""What the chat tells people through the notifications app: the one room for its message text."""

from accounts.models import User
from chat.models import Conversation, Message
from notifications.models import NotificationType
from notifications.services import notify

PREVIEW_IN_NOTIFICATION = 200


def new_message(*, recipient: User, conversation: Conversation, message: Message, sender_name: str) -> None:
    """A message waits in a conversation the recipient had read to the end: told once, until they
    read it again (the dedupe key holds the message, so a replayed call tells nothing twice)."""
    notify(user=recipient, type=NotificationType.CHAT, title=f"New message from {sender_name}",
           body=message.content[:PREVIEW_IN_NOTIFICATION] or f"[{message.get_message_type_display()}]",
           data={"conversation_id": conversation.pk, "message_id": message.pk,
                 "path": f"/chat/conversations/{conversation.pk}"},
           dedupe_key=f"chat-message:{message.pk}")
