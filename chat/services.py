"""Chat, written: starting a conversation, the one way a message is sent (REST, the socket and the
platforms' messages alike), reading, and reactions. Each write is one transaction; its socket
events and notifications go out after commit."""

import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from chat import notifications
from chat.errors import (
    ConversationArchived,
    CustomerMergedMeanwhile,
    InvalidConversation,
    InvalidMessage,
    NotAMember,
    ShortcodeTaken,
)
from chat.events import conversation_frame, message_frames, reaction_frame, read_frame
from chat.models import (
    BUYER,
    MESSAGE_MAX_LENGTH,
    OPEN_STATUSES,
    PLACEHOLDER,
    PREVIEW_LENGTH,
    REACTION_MAX_LENGTH,
    SELLER,
    Conversation,
    ConversationStatus,
    Feedback,
    Message,
    MessageReaction,
    MessageType,
    ReplyTemplate,
    SenderType,
)
from chat.paylinks import payment_link_url
from chat.realtime import send_frames, send_to_inboxes
from customers.models import Customer
from customers.services import Identity, account_identity, customer_match, customer_record_guest_order
from orders.models import Order, OrderStatus, PaymentMethod, PaymentStatus
from orders.services import stock
from orders.services.checkout import order_for_buyer
from products.models import Product, ProductStatus
from sellflow.images import CleanImage, Uploader, check_image_uploads, clean_image_upload, decoding_take
from sellflow.platforms import Platform
from sellflow.quotas import DAY, Charge
from sellflow.transactions import after_commit

CREATED, UPDATED = "created", "updated"  # a `conversation` frame's action


# --- who is who -----------------------------------------------------------------------------

def conversation_side(conversation: Conversation, user: User) -> str:
    """`seller` or `buyer`: the user's side of the conversation. Anyone else is not a member, and
    the conversation does not exist for them (404)."""
    if user is not None and user.pk is not None:
        if conversation.seller_id == user.pk:
            return SELLER
        if conversation.buyer_id == user.pk:
            return BUYER
    raise NotAMember()


def members_of(conversation: Conversation) -> list[int]:
    return [user_id for user_id in (conversation.seller_id, conversation.buyer_id) if user_id]


# --- starting a conversation ----------------------------------------------------------------

def conversation_start_with_customer(*, seller: User, customer_email: str = "", customer_name: str = "",
                                     customer_phone: str = "", product: Product | None = None,
                                     source: str = Platform.WEBSITE, subject: str = "") -> tuple[Conversation, bool]:
    """A seller opens a conversation with a customer, named by email or phone and matched to the
    seller's Customer (the customer's buyer account, when they have one, is the other member),
    optionally about one of their products. Returns it and whether it is new (conversation_open)."""
    customer = seller_customer(seller=seller, email=customer_email, phone=customer_phone, name=customer_name)
    if product is not None and product.seller_id != seller.pk:
        raise InvalidConversation("This product is not one of yours.", details={"product": [product.pk]})
    return conversation_open(seller=seller, customer=customer, product=product, source=source,
                             subject=subject or (product.name[:200] if product else ""))


def conversation_start_about_product(*, buyer: User, product: Product) -> tuple[Conversation, bool]:
    """Someone asks a seller about their product on the SellFlow site: the product's seller is the
    other member, and the asker is the seller's customer by their account. Returns the conversation
    and whether it is new (conversation_open)."""
    if product.seller_id == buyer.pk:
        raise InvalidConversation("This is your own product: name the customer to write to.",
                                  details={"customer_email": ["Give the customer's email or phone."]})
    customer, _ = customer_match(seller=product.seller, identity=account_identity(buyer, name=buyer.display_name))
    return conversation_open(seller=product.seller, customer=customer, product=product, source=Platform.WEBSITE,
                             subject=product.name[:200])


def seller_customer(*, seller: User, email: str, phone: str, name: str) -> Customer:
    if not (email or phone):
        raise InvalidConversation("Name the customer by email or phone.",
                                  details={"customer_email": ["Give the customer's email or phone."]})
    customer, _ = customer_match(seller=seller, identity=Identity(email=email, phone=phone, name=name))
    return customer


def conversation_open(*, seller: User, customer: Customer, product: Product | None, source: str,
                      subject: str) -> tuple[Conversation, bool]:
    """The customer's open conversation about `product` from `source`, or a new one. The customer
    row is locked while looking, so two requests at once open one conversation."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().filter(pk=customer.pk).first()
        if customer is None:  # merged into another customer meanwhile
            raise CustomerMergedMeanwhile()
        existing = Conversation.objects.filter(seller=seller, customer=customer, product=product, source=source,
                                               status__in=OPEN_STATUSES).order_by("-pk").first()
        if existing is not None:
            if existing.buyer_id is None and customer.buyer_id:  # the customer has an account since
                Conversation.objects.filter(pk=existing.pk).update(buyer_id=customer.buyer_id)
                existing.buyer_id = customer.buyer_id
                after_commit(conversation_announce, existing.pk, UPDATED)
            return existing, False
        conversation = Conversation.objects.create(seller=seller, customer=customer, buyer_id=customer.buyer_id,
                                                   product=product, source=source, subject=subject)
        after_commit(conversation_announce, conversation.pk, CREATED)
    return conversation, True


def conversation_announce(conversation_id: int, action: str) -> None:
    """Each member's inbox gets the conversation as they see it in REST (a `conversation` frame:
    their own unread count, the customer card for the seller). Called after commit, when it is
    created or filed, and when a message changes its status; a message's other changes (preview,
    last_message_at, unread counts) travel in its `chat_message` frame, and reading in `read`."""
    conversation = (Conversation.objects.select_related("seller", "buyer", "customer", "product")
                    .filter(pk=conversation_id).first())
    if conversation is None:
        return
    for member in (conversation.seller, conversation.buyer):
        if member is not None:
            send_to_inboxes([member.pk], conversation_frame(conversation, member=member, action=action))


# --- sending --------------------------------------------------------------------------------

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
    ours = order.seller_id == conversation.seller_id and (side == SELLER or order.buyer_id == sender.pk)
    if not ours:
        raise InvalidMessage("Only orders between the two of you can be sent in this conversation.",
                             details={"order": [order.pk]})


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
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status == ConversationStatus.ARCHIVED and sender_type in (SenderType.SELLER, SenderType.BUYER):
            raise ConversationArchived()
        status_before = locked.status
        message = message_create(locked, sender_type=sender_type, sender=sender, draft=draft)
        first_unread = conversation_advance(locked, message)
        after_commit(send_frames, message_frames(message, locked))
        if locked.status != status_before:  # the customer wrote again: the inbox shows it open
            after_commit(conversation_announce, locked.pk, UPDATED)
        for recipient_id in first_unread:
            after_commit(notify_new_message, recipient_id, message.pk)
    for field in ("last_sequence", "last_message_at", "last_message_preview", "seller_unread", "buyer_unread",
                  "status", "updated_at"):
        setattr(conversation, field, getattr(locked, field))
    return message


def message_create(conversation: Conversation, *, sender_type: str, sender: User | None, draft: Draft) -> Message:
    message = Message(conversation=conversation, sequence=conversation.last_sequence + 1, sender_type=sender_type,
                      sender=sender, message_type=draft.message_type, content=draft.content, product=draft.product,
                      order=draft.order, metadata=draft.metadata or {})
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


# --- reading --------------------------------------------------------------------------------

def conversation_read(*, conversation: Conversation, user: User) -> int:
    """The user has read the conversation to its end: their side's unread count is 0 and the other
    side's messages carry read_at. After commit both members' inboxes get a `read` frame. Returns
    how many messages were newly read."""
    side = conversation_side(conversation, user)
    now = timezone.now()
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        theirs = Message.objects.filter(conversation=locked, read_at__isnull=True, sequence__lte=locked.last_sequence)
        theirs = theirs.exclude(sender_type__in=own_sender_types(side))
        newly_read = theirs.update(read_at=now)
        setattr(locked, f"{side}_unread", 0)
        locked.save(update_fields=[f"{side}_unread", "updated_at"])
        after_commit(send_to_inboxes, members_of(locked),
                     read_frame(locked, reader=user, side=side, up_to_sequence=locked.last_sequence, read_at=now))
    setattr(conversation, f"{side}_unread", 0)
    return newly_read


def own_sender_types(side: str) -> tuple[str, ...]:
    """The messages a side does not read: its own."""
    return (SenderType.SELLER,) if side == SELLER else (SenderType.BUYER, SenderType.CUSTOMER)


# --- managing the inbox ---------------------------------------------------------------------

CONVERSATION_EDITABLE = ("status", "subject", "labels")


def conversation_update(*, conversation: Conversation, user: User, changes: dict) -> Conversation:
    """The seller files a conversation: its status, subject and labels. After commit both members'
    inboxes get it again (`conversation`)."""
    if conversation_side(conversation, user) != SELLER:
        raise NotAMember()
    changes = {field: value for field, value in changes.items() if field in CONVERSATION_EDITABLE}
    if changes:
        with transaction.atomic():
            Conversation.objects.filter(pk=conversation.pk).update(**changes, updated_at=timezone.now())
            after_commit(conversation_announce, conversation.pk, UPDATED)
        conversation.refresh_from_db()
    return conversation


def conversation_archive(*, conversation: Conversation, user: User) -> Conversation:
    return conversation_update(conversation=conversation, user=user, changes={"status": ConversationStatus.ARCHIVED})


# --- reactions ------------------------------------------------------------------------------

def reaction_check(reaction: str) -> str:
    """`helpful`, `not_helpful`, or one emoji (with its modifiers and joiners)."""
    reaction = (reaction or "").strip()
    if reaction in Feedback.values:
        return reaction
    categories = [unicodedata.category(character) for character in reaction]
    is_emoji = (0 < len(reaction) <= REACTION_MAX_LENGTH and "So" in categories
                and all(category in ("So", "Sk", "Mn", "Me", "Cf") for category in categories))
    if not is_emoji:
        raise InvalidMessage("A reaction is an emoji, `helpful` or `not_helpful`.",
                             details={"reaction": ["Send an emoji, `helpful` or `not_helpful`."]})
    return reaction


def message_react(*, message: Message, user: User, reaction: str) -> tuple[MessageReaction, bool]:
    """The user's reaction on a message of their conversation, once per reaction. Returns it and
    whether it is new; a new one reaches the inboxes that see it after commit (`reaction`)."""
    side = conversation_side(message.conversation, user)
    reaction = reaction_check(reaction)
    if reaction in Feedback.values:
        feedback_check(message, side)
    try:
        with transaction.atomic():
            made = MessageReaction.objects.create(message=message, user=user, reaction=reaction)
            after_commit(send_to_inboxes, reaction_audience(message.conversation, reaction),
                         reaction_frame(message, user=user, reaction=reaction, added=True))
            return made, True
    except IntegrityError:  # already there
        return MessageReaction.objects.get(message=message, user=user, reaction=reaction), False


def feedback_check(message: Message, side: str) -> None:
    """`helpful`/`not_helpful` is the seller's word on their AI: on an assistant's answer, or on a
    reply they sent from an AI suggestion."""
    is_ai = message.sender_type == SenderType.ASSISTANT or (
        message.sender_type == SenderType.SELLER and message.metadata.get("ai_suggestion") is True)
    if side != SELLER or not is_ai:
        raise InvalidMessage("`helpful` and `not_helpful` are the seller's feedback on an assistant's answer or an "
                             "AI-suggested reply.", details={"reaction": ["React with an emoji."]})


def reaction_audience(conversation: Conversation, reaction: str) -> list[int]:
    """Who sees a reaction: an emoji both members, feedback the seller only."""
    return [conversation.seller_id] if reaction in Feedback.values else members_of(conversation)


def message_unreact(*, message: Message, user: User, reaction: str) -> bool:
    """Take the user's reaction back; whether there was one."""
    conversation_side(message.conversation, user)
    reaction = (reaction or "").strip()
    with transaction.atomic():
        deleted, _ = MessageReaction.objects.filter(message=message, user=user, reaction=reaction).delete()
        if deleted:
            after_commit(send_to_inboxes, reaction_audience(message.conversation, reaction),
                         reaction_frame(message, user=user, reaction=reaction, added=False))
    return bool(deleted)


# --- chat-to-order --------------------------------------------------------------------------

def conversation_order(*, conversation: Conversation, seller: User, lines: list[stock.Line], payment_method: str,
                       **order_fields: str) -> tuple[Order, list[Message]]:
    """The seller orders their products for the conversation's customer, in one transaction: the
    order through the orders app (stock held, the payment timer, source `chat`), then its card in
    the conversation and, for an order paid online, a payment link. The order's buyer is the
    customer's buyer account; for a customer without one (who only chats) it is a guest order
    (customer_order)."""
    if conversation_side(conversation, seller) != SELLER:
        raise NotAMember()
    if conversation.customer_id is None:
        raise InvalidConversation("An assistant session has no customer to order for.",
                                  details={"conversation": [conversation.pk]})
    with transaction.atomic():
        order = customer_order(conversation=conversation, seller=seller, lines=lines, payment_method=payment_method,
                               **order_fields)
        sent = [message_post(conversation=conversation, sender_type=SenderType.SELLER, sender=seller,
                             draft=Draft(message_type=MessageType.ORDER, order=order))]
        if order.payment_method != PaymentMethod.CASH_ON_DELIVERY:
            sent.append(payment_link_send(conversation=conversation, seller=seller, order=order))
    return order, sent


def customer_order(*, conversation: Conversation, seller: User, lines: list[stock.Line], payment_method: str,
                   **order_fields: str) -> Order:
    """The order for the conversation's customer, their row locked (a merge waits, or was first:
    CustomerMergedMeanwhile). With no buyer account, a guest order: no buyer, the customer's email
    as its contact, linked to the customer so that their figures and orders count it; they pay
    through the payment link. Call inside the conversation's order transaction."""
    customer = Customer.objects.select_for_update().filter(pk=conversation.customer_id).first()
    if customer is None:
        raise CustomerMergedMeanwhile()
    buyer = customer.buyer if customer.buyer_id else conversation.buyer
    order = order_for_buyer(seller=seller, buyer=buyer, lines=lines, payment_method=payment_method,
                            source=Platform.CHAT, email=customer.email if buyer is None else "", **order_fields)
    if buyer is None:
        customer_record_guest_order(customer=customer, order=order)
    return order


def payment_link_send(*, conversation: Conversation, seller: User, order: Order) -> Message:
    """The order's payment link, as the seller's message: the frontend's payment page with a signed
    token that works without an account until the order's payment timer ends. The link is only in
    `metadata.url`; the text (also the preview, notifications and AI context) names the order."""
    url = payment_link_url(order)
    content = notifications.payment_link_text(order_id=order.order_id, total=f"{order.total_amount:.2f}",
                                              currency=order.currency, expires_at=order.expires_at)
    expires_at = order.expires_at.isoformat().replace("+00:00", "Z")
    return message_post(conversation=conversation, sender_type=SenderType.SELLER, sender=seller,
                        draft=Draft(message_type=MessageType.PAYMENT_LINK, order=order, content=content,
                                    metadata={"url": url, "expires_at": expires_at}))


def order_updates_post(*, order_ids: list[int]) -> int:
    """A system message in each conversation that carries an order's card, saying the order's new
    status (paid, shipped, cancelled...). Once per status: a task run twice posts nothing twice.
    Returns how many were posted."""
    posted = 0
    cards = (Message.objects.filter(order_id__in=order_ids, message_type=MessageType.ORDER)
             .values_list("conversation_id", "order_id").distinct())
    orders = {order.pk: order for order in Order.objects.filter(pk__in=order_ids).prefetch_related("payments")}
    for conversation_id, order_id in sorted(set(cards)):
        order = orders.get(order_id)
        if order is None or order.status == OrderStatus.PENDING:
            continue
        posted += order_update_post(conversation_id=conversation_id, order=order)
    return posted


def order_update_post(*, conversation_id: int, order: Order) -> int:
    """The order's status as a system message in one conversation, unless it is there already:
    checked and posted under the conversation's row lock, so two runs at once post it once."""
    with transaction.atomic():
        Conversation.objects.select_for_update().filter(pk=conversation_id).first()
        if Message.objects.filter(conversation_id=conversation_id, order=order, message_type=MessageType.SYSTEM,
                                  metadata__order_status=order.status).exists():
            return 0
        paid = any(payment.status == PaymentStatus.COMPLETED for payment in order.payments.all())
        text = notifications.order_status_text(order_id=order.order_id, status=order.status,
                                               cancel_reason=order.cancel_reason, paid=paid)
        message_post(conversation=Conversation(pk=conversation_id), sender_type=SenderType.SYSTEM,
                     draft=Draft(message_type=MessageType.SYSTEM, content=text, order=order,
                                 metadata={"order_status": order.status}))
    return 1


# --- reply templates ------------------------------------------------------------------------

TEMPLATE_EDITABLE = ("shortcode", "title", "body")


def template_create(*, seller: User, shortcode: str, title: str, body: str) -> ReplyTemplate:
    """A new canned reply of the seller's; its shortcode is theirs once (409 shortcode_taken)."""
    try:
        with transaction.atomic():
            return ReplyTemplate.objects.create(seller=seller, shortcode=shortcode, title=title, body=body)
    except IntegrityError:
        raise ShortcodeTaken(details={"shortcode": [shortcode]}) from None


def template_update(*, template: ReplyTemplate, changes: dict) -> ReplyTemplate:
    fields = [field for field in TEMPLATE_EDITABLE if field in changes]
    if not fields:
        return template
    for field in fields:
        setattr(template, field, changes[field])
    try:
        with transaction.atomic():
            template.save(update_fields=[*fields, "updated_at"])
    except IntegrityError:
        template.refresh_from_db()
        raise ShortcodeTaken(details={"shortcode": [changes.get("shortcode", "")]}) from None
    return template


def template_values(conversation: Conversation) -> dict[str, str]:
    """What the placeholders become in this conversation: the customer's name, the product's name
    and price (with its currency), and the id of the customer's latest order from this seller."""
    product = conversation.product
    theirs = Q(guest_order__customer_id=conversation.customer_id)  # ordered for them without an account
    if buyer_id := conversation.customer.buyer_id or conversation.buyer_id:
        theirs |= Q(buyer_id=buyer_id)
    latest_order = (Order.objects.filter(theirs, seller_id=conversation.seller_id).order_by("-created_at", "-pk")
                    .values_list("order_id", flat=True).first())
    return {
        "customer_name": conversation.customer.name,
        "product_name": product.name if product else "",
        "product_price": f"{product.currency} {product.price:,.2f}" if product else "",
        "order_id": latest_order or "",
    }


def template_render(body: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda placeholder: values.get(placeholder.group(1), placeholder.group(0)), body)


def template_send(*, template: ReplyTemplate, conversation: Conversation, sender: User) -> Message:
    """The seller sends their template in their conversation, its placeholders filled: one
    message through message_send, and the template's usage count goes up by one in the same
    transaction (a conditional UPDATE, right under any number of parallel sends)."""
    if template.seller_id != sender.pk or conversation.seller_id != sender.pk:
        raise NotAMember()
    if conversation.customer is None:
        raise InvalidConversation("Reply templates are for customers, not for the assistant.",
                                  details={"conversation": [conversation.pk]})
    content = template_render(template.body, template_values(conversation))
    with transaction.atomic():
        message = message_send(conversation=conversation, sender=sender,
                               draft=Draft(content=content, metadata={"template": template.shortcode}))
        ReplyTemplate.objects.filter(pk=template.pk).update(usage_count=F("usage_count") + 1)
    return message
