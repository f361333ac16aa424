"""What the chat tells people through the notifications app: the one room for its message text."""

from datetime import UTC, datetime

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


# --- the chat's own words in conversations (system messages, payment links) --------------------

ORDER_STATUS_TEXT = {
    "confirmed": "Order {order_id} is confirmed.",
    "processing": "Order {order_id} is being prepared.",
    "shipped": "Order {order_id} has shipped.",
    "delivered": "Order {order_id} was delivered.",
    "cancelled": "Order {order_id} was cancelled.",
    "refunded": "Order {order_id} was refunded.",
}
CANCEL_REASON_TEXT = {
    "payment_timeout": "Order {order_id} was cancelled: it was not paid in time.",
    "confirmation_timeout": "Order {order_id} was cancelled: the seller did not confirm it in time.",
}


def order_status_text(*, order_id: str, status: str, cancel_reason: str = "", paid: bool = False) -> str:
    if status == "cancelled" and cancel_reason in CANCEL_REASON_TEXT:
        return CANCEL_REASON_TEXT[cancel_reason].format(order_id=order_id)
    if status == "confirmed" and paid:
        return f"Payment received: order {order_id} is confirmed."
    return ORDER_STATUS_TEXT.get(status, "Order {order_id} is now " + status + ".").format(order_id=order_id)


def payment_link_text(*, order_id: str, total: str, currency: str, expires_at: datetime) -> str:
    """A payment link message's text. Never the link itself: the text is the conversation's
    preview, the new-message notification's body and the AI's reading of the conversation; the
    link is in the message's `metadata.url`, which only the conversation's members see."""
    until = expires_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"Payment link for order {order_id}: {total} {currency}, valid until {until}."
