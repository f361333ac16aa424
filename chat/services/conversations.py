"""Chat conversations, written: who is who in one, starting (or finding the open one), announcing
it to its members' inboxes, reading it, and the seller filing it. Each write is one transaction; its
socket events go out after commit."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from chat.errors import CustomerMergedMeanwhile, InvalidConversation, NotAMember, NotASeller, ProductNotFound
from chat.events import conversation_frame, read_frame
from chat.models import (
    BUYER,
    OPEN_STATUSES,
    SELLER,
    Conversation,
    ConversationStatus,
    DeliveryStatus,
    Message,
    SenderType,
)
from chat.realtime import send_to_inboxes
from customers.models import Customer
from customers.services import Identity, account_identity, customer_match
from products.models import Product
from sellflow.platforms import Platform
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

def conversation_start(*, user: User, product_id: int | None = None, customer_email: str = "",
                       customer_name: str = "", customer_phone: str = "", source: str = Platform.WEBSITE,
                       subject: str = "") -> tuple[Conversation, bool]:
    """Who writes to whom: a seller naming a customer by email or phone writes to them, optionally
    about one of their own products; anyone else names the product on sale they ask about. Returns
    the conversation and whether it is new (conversation_open)."""
    if customer_email or customer_phone:
        if not user.is_seller:
            raise NotASeller("Only seller accounts can write to a customer.")
        product = product_found(Product.objects.alive().filter(seller=user), product_id) if product_id else None
        return conversation_start_with_customer(seller=user, customer_email=customer_email, customer_name=customer_name,
                                                customer_phone=customer_phone, product=product, source=source,
                                                subject=subject)
    if not product_id:
        raise InvalidConversation("Name the customer (as their seller) or the product you ask about.",
                                  details={"customer_email": ["Give the customer's email or phone."],
                                           "product": ["Or the product you ask about."]})
    product = product_found(Product.objects.public().select_related("seller"), product_id)
    return conversation_start_about_product(buyer=user, product=product)


def product_found(products: QuerySet[Product], product_id: int) -> Product:
    product = products.filter(pk=product_id).first()
    if product is None:
        raise ProductNotFound()
    return product


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


# --- reading --------------------------------------------------------------------------------

def conversation_read(*, conversation: Conversation, user: User) -> int:
    """The user has read the conversation to its end: their side's unread count is 0 and the other
    side's messages carry read_at and the delivery status `read`. After commit both members'
    inboxes get a `read` frame. Returns how many messages were newly read."""
    side = conversation_side(conversation, user)
    now = timezone.now()
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        theirs = Message.objects.filter(conversation=locked, read_at__isnull=True, sequence__lte=locked.last_sequence)
        theirs = theirs.exclude(sender_type__in=own_sender_types(side))
        newly_read = theirs.update(read_at=now, delivery_status=DeliveryStatus.READ)
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
