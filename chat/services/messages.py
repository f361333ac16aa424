"""Chat messages, written: the one way a message is sent (REST, the socket and the platforms'
messages alike), its checks, its product and order cards and images, and the notification of a new
message. Each write is one transaction; its socket events and notifications go out after commit."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from accounts.models import User
from chat import notifications
from chat.errors import ConversationArchived, InvalidMessage
from chat.events import message_frames
from chat.models import (
    BUYER,
    MESSAGE_MAX_LENGTH,
    PREVIEW_LENGTH,
    SELLER,
    Conversation,
    ConversationStatus,
    Message,
    MessageType,
    SenderType,
)
from chat.realtime import send_frames
from chat.services.conversations import UPDATED, conversation_announce, conversation_side
from customers.models import Customer
from customers.selectors import customer_order_filter
from orders.models import Order
from products.models import Product, ProductStatus
from sellflow.images import CleanImage, Uploader, check_image_uploads, clean_image_upload, decoding_take
from sellflow.quotas import DAY, Charge
from sellflow.transactions import after_commit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Draft:
    """What a member sends: text, an image (already cleaned), or a product or order card."""

    content: str = ""
    message_type: str = MessageType.TEXT
    attachment: CleanImage | None = None
    product: Product | None = None
    order: Order | None = None
    metadata: dict | None = None


# Members send these; payment links and system messages are written by the app itself.
MEMBER_MESSAGE_TYPES = (MessageType.TEXT, MessageType.IMAGE, MessageType.PRODUCT, MessageType.ORDER)


def message_send(*, conversation: Conversation, sender: User, draft: Draft) -> Message:
    """A member's message (the conversation's seller or buyer), over REST or the socket: checked,
    then posted (message_post)."""
    side = conversation_side(conversation, sender)
    draft = message_check(conversation=conversation, side=side, sender=sender, draft=draft)
    sender_type = SenderType.SELLER if side == SELLER else SenderType.BUYER
    return message_post(conversation=conversation, sender_type=sender_type, sender=sender, draft=draft)


def message_cards(*, conversation: Conversation, product_id: int | None,
                  order_id: int | None) -> tuple[Product | None, Order | None]:
    """The product and order a sent card names, among the conversation's seller's (REST and the
    socket alike); a missing one is refused as message_check refuses a foreign one."""
    product = order = None
    if product_id:
        product = Product.objects.filter(pk=product_id, seller_id=conversation.seller_id).first()
        if product is None:
            raise InvalidMessage("Only the seller's own products can be sent in this conversation.",
                                 details={"product": [product_id]})
    if order_id:
        order = Order.objects.filter(pk=order_id, seller_id=conversation.seller_id).first()
        if order is None:
            raise InvalidMessage("Only orders between the two of you can be sent in this conversation.",
                                 details={"order": [order_id]})
    return product, order


def message_check(*, conversation: Conversation, side: str, sender: User, draft: Draft) -> Draft:
    """The draft as it will be stored, or InvalidMessage saying why not."""
    content = (draft.content or "").strip()
    if len(content) > MESSAGE_MAX_LENGTH:
        raise InvalidMessage(f"A message is at most {MESSAGE_MAX_LENGTH} characters.",
                             details={"content": [f"Ensure this field has no more than {MESSAGE_MAX_LENGTH} "
                                                  "characters."]})
    if draft.message_type not in MEMBER_MESSAGE_TYPES:
        raise InvalidMessage(details={"message_type": [f"Send one of {', '.join(MEMBER_MESSAGE_TYPES)}."]})
    if draft.message_type == MessageType.TEXT and not content and draft.attachment is None:
        raise InvalidMessage("A message needs some text.", details={"content": ["This field may not be blank."]})
    if draft.message_type == MessageType.IMAGE and draft.attachment is None:
        raise InvalidMessage("An image message needs its image.", details={"attachment": ["No file was submitted."]})
    if draft.message_type == MessageType.PRODUCT:
        check_product_card(conversation, draft.product)
    if draft.message_type == MessageType.ORDER:
        check_order_card(conversation, side, sender, draft.order)
    return Draft(content=content, message_type=draft.message_type, attachment=draft.attachment,
                 product=draft.product if draft.message_type == MessageType.PRODUCT else None,
                 order=draft.order if draft.message_type == MessageType.ORDER else None, metadata=draft.metadata)


def check_product_card(conversation: Conversation, product: Product | None) -> None:
    if product is None:
        raise InvalidMessage("A product card needs its product.", details={"product": ["This field is required."]})
    if product.seller_id != conversation.seller_id or product.deleted_at is not None:
        raise InvalidMessage("Only the seller's own products can be sent in this conversation.",
                             details={"product": [product.pk]})
    if product.status != ProductStatus.ACTIVE:
        raise InvalidMessage("Only a product on sale can be sent as a card: publish it first.",
                             details={"product": [product.pk]})


def check_order_card(conversation: Conversation, side: str, sender: User, order: Order | None) -> None:
    if order is None:
        raise InvalidMessage("An order card needs its order.", details={"order": ["This field is required."]})
    ours = order.seller_id == conversation.seller_id and (
        is_customers_order(conversation, order) if side == SELLER else order.buyer_id == sender.pk)
    if not ours:
        raise InvalidMessage("Only orders between the two of you can be sent in this conversation.",
                             details={"order": [order.pk]})



def is_customers_order(conversation: Conversation, order: Order) -> bool:
    """Whether the conversation's customer placed the order (with their account) or had it placed for
    them (a guest order): the only orders the seller may show in the conversation, whose status
    changes then appear in it."""
    customer = Customer.objects.filter(pk=conversation.customer_id).first() if conversation.customer_id else None
    return customer is not None and Order.objects.filter(customer_order_filter(customer), pk=order.pk).exists()


def message_post(*, conversation: Conversation, sender_type: str, sender: User | None = None,
                 draft: Draft) -> Message:
    """Write a message, checked by the caller, at the end of the conversation: under the
    conversation's row lock it takes the next sequence, and the conversation's last message,
    preview and the other side's unread count move with it, all in one transaction. After commit
    the message goes to both members' inboxes (`chat_message`), and the other side is told through
    notify() when it is the first message they have not read. Also for the app's own messages
    (system, assistant, a customer's message from a platform). Each frame leaves from its own
    worker after its own commit: one sender's messages reach the sockets in sequence order, while
    different senders' messages committed at the same instant may cross (clients place them by
    `sequence`; tests/chat/test_concurrency.py)."""
    message = Message(conversation=conversation)
    try:
        with transaction.atomic():
            locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
            if locked.status == ConversationStatus.ARCHIVED and sender_type in (SenderType.SELLER, SenderType.BUYER):
                raise ConversationArchived()
            status_before = locked.status
            message = message_create(message, locked, sender_type=sender_type, sender=sender, draft=draft)
            first_unread = conversation_advance(locked, message)
            after_commit(send_frames, message_frames(message, locked))
            if locked.status != status_before:  # the customer wrote again: the inbox shows it open
                after_commit(conversation_announce, locked.pk, UPDATED)
            for recipient_id in first_unread:
                after_commit(notify_new_message, recipient_id, message.pk)
    except BaseException:
        if message.attachment:  # written to storage, its row rolled back: no file without a message
            try:
                message.attachment.delete(save=False)
            except Exception:  # the send's own error is the one to raise
                logger.exception("A rolled-back message's image %s could not be deleted", message.attachment.name)
        raise
    for field in ("last_sequence", "last_message_at", "last_message_preview", "seller_unread", "buyer_unread",
                  "status", "updated_at"):
        setattr(conversation, field, getattr(locked, field))
    return message


def message_create(message: Message, conversation: Conversation, *, sender_type: str, sender: User | None,
                   draft: Draft) -> Message:
    """Fill in and store `message` (new) as the conversation's next."""
    message.conversation = conversation
    message.sequence = conversation.last_sequence + 1
    message.sender_type, message.sender, message.message_type = sender_type, sender, draft.message_type
    message.content, message.product, message.order = draft.content, draft.product, draft.order
    message.metadata = draft.metadata or {}
    if draft.attachment is not None:
        message.attachment.save(f"image.{draft.attachment.extension}", draft.attachment.content, save=False)
    message.save()
    return message


# A person's message notifies; the app's own (system notes, the assistant's answers) do not.
NOTIFYING_SENDERS = (SenderType.SELLER, SenderType.BUYER, SenderType.CUSTOMER)


def sides_told(sender_type: str) -> tuple[str, ...]:
    """Whose unread count a message of `sender_type` raises."""
    if sender_type == SenderType.SELLER:
        return (BUYER,)
    if sender_type == SenderType.SYSTEM:
        return (SELLER, BUYER)
    return (SELLER,)  # the buyer, the customer on a platform, the seller's assistant


def conversation_advance(conversation: Conversation, message: Message) -> list[int]:
    """Move the (locked) conversation on to `message`. Returns the users to notify: those on the
    other side whose unread count was 0 (one notification per conversation while unread)."""
    conversation.last_sequence = message.sequence
    conversation.last_message_at = message.created_at
    conversation.last_message_preview = message_preview(message)
    first_unread = []
    for side in sides_told(message.sender_type):
        field = f"{side}_unread"
        if getattr(conversation, field) == 0 and message.sender_type in NOTIFYING_SENDERS:
            first_unread.append(conversation.seller_id if side == SELLER else conversation.buyer_id)
        setattr(conversation, field, getattr(conversation, field) + 1)
    if conversation.status == ConversationStatus.COMPLETED and message.sender_type in (
            SenderType.BUYER, SenderType.CUSTOMER):
        conversation.status = ConversationStatus.ACTIVE  # the customer wrote again
    conversation.save(update_fields=["last_sequence", "last_message_at", "last_message_preview", "seller_unread",
                                     "buyer_unread", "status", "updated_at"])
    return [user_id for user_id in first_unread if user_id]


def message_preview(message: Message) -> str:
    if message.content:
        text = " ".join(message.content.split())
        return text if len(text) <= PREVIEW_LENGTH else text[:PREVIEW_LENGTH - 1] + "…"
    return f"[{message.get_message_type_display()}]"


def notify_new_message(recipient_id: int, message_id: int) -> None:
    message = Message.objects.select_related("conversation", "sender").filter(pk=message_id).first()
    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if message is None or recipient is None:
        return
    sender_name = message.sender.display_name if message.sender else message.get_sender_type_display()
    notifications.new_message(recipient=recipient, conversation=message.conversation, message=message,
                              sender_name=sender_name)


def message_image_prepare(*, uploader: Uploader, upload) -> CleanImage:
    """An image for a message, checked, paid for (pixels and the daily count) and cleaned as
    product images are, before any transaction."""
    pixels = check_image_uploads([upload], max_bytes=settings.PRODUCT_IMAGE_MAX_BYTES,
                                 max_pixels=settings.PRODUCT_IMAGE_MAX_PIXELS,
                                 max_total_pixels=settings.PRODUCT_IMAGE_MAX_PIXELS)
    decoding_take(uploader=uploader, pixels=pixels, charges=[Charge(
        scope="chat_images", amount=1, quota=settings.CHAT_IMAGES_DAILY_QUOTA, seconds=DAY,
        message="You have sent today's images in chat.")])
    return clean_image_upload(upload, max_bytes=settings.PRODUCT_IMAGE_MAX_BYTES,
                              max_pixels=settings.PRODUCT_IMAGE_MAX_PIXELS,
                              max_dimension=settings.PRODUCT_IMAGE_MAX_DIMENSION)
