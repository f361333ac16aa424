"""The demo seller's inbox, loaded by `manage.py seed_demo`: the demo buyer asking about a product
(messages both ways), an order built in a conversation with the demo buyer (the product's card,
the order's card and its payment link), an Instagram customer who has no account, and a WhatsApp
customer known by phone only, for whom the seller builds a guest order paid through its link. Each
conversation is written once, through the chat's services; a re-run keeps it as the seller left it."""

from django.test.utils import override_settings

from accounts.demo import demo_buyer, demo_seller
from chat.models import Conversation, MessageType, SenderType
from chat.services.conversations import conversation_open, conversation_read
from chat.services.messages import Draft, message_post, message_send
from chat.services.orders import conversation_order
from customers.models import Customer
from customers.services import account_identity, customer_match
from orders.demo import ADDRESS
from orders.gateways import methods_without_email
from orders.services.stock import Line
from products.models import Product
from sellflow.platforms import Platform

INSTAGRAM_CUSTOMER = ("instagram", "17841400000000001")  # customers.demo's Akosua
WHATSAPP_CUSTOMER = ("whatsapp", "233241234567")  # customers.demo's Yaw: a phone number, no email, no account


def platform_customer(seller, handle: tuple[str, str]) -> Customer | None:
    platform, platform_user_id = handle
    return Customer.objects.filter(seller=seller, handles__platform=platform,
                                   handles__platform_user_id=platform_user_id).first()


def seeded(seller, customer: Customer, product: Product | None, source: str) -> bool:
    return Conversation.objects.filter(seller=seller, customer=customer, product=product, source=source).exists()


def reply(conversation: Conversation, sender, draft: Draft) -> None:
    """A member answers what they have read: the inbox's unread counts come out as in real use."""
    conversation_read(conversation=conversation, user=sender)
    message_send(conversation=conversation, sender=sender, draft=draft)


# The demo's history is not news: its notification emails stay out of the console.
@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def seed(context) -> None:
    seller, buyer = demo_seller(), demo_buyer()
    products = list(Product.objects.public().filter(seller=seller, stock_quantity__gt=2, variants__isnull=True)
                    .order_by("pk")[:2])
    if len(products) < 2:
        return
    buyer_customer, _ = customer_match(seller=seller, identity=account_identity(buyer, name=buyer.display_name))
    if not seeded(seller, buyer_customer, products[0], Platform.WEBSITE):
        buyer_asks(seller, buyer, buyer_customer, products[0])
    if not seeded(seller, buyer_customer, products[1], Platform.WEBSITE):
        order_in_chat(seller, buyer, buyer_customer, products[1])
    instagram = platform_customer(seller, INSTAGRAM_CUSTOMER)
    if instagram is not None and not seeded(seller, instagram, None, Platform.INSTAGRAM):
        instagram_customer_writes(seller, instagram)
    whatsapp = platform_customer(seller, WHATSAPP_CUSTOMER)
    # Paid by mobile money without an email: only where its gateway takes that (the test gateway does).
    if (whatsapp is not None and methods_without_email(["mobile_money"])
            and not seeded(seller, whatsapp, None, Platform.WHATSAPP)):
        guest_order_on_whatsapp(seller, whatsapp, products[0])


def buyer_asks(seller, buyer, customer: Customer, product: Product) -> None:
    """The buyer's questions about a product from its page; the last one not yet read by the seller."""
    conversation, _ = conversation_open(seller=seller, customer=customer, product=product, source=Platform.WEBSITE,
                                        subject=product.name[:200])
    for sender, text in (
        (buyer, f"Hello! Is the {product.name} still available? I'd like it for a wedding next month."),
        (seller, f"Good afternoon {buyer.first_name}! Yes, it is in stock, made here in Accra, and it ships "
                 "within two days."),
        (buyer, "Great. Do you deliver to Kumasi?"),
        (seller, "We do: one to two days by courier."),
        (buyer, "Perfect, I'll order this week. Thank you!"),
    ):
        reply(conversation, sender, Draft(content=text))


def order_in_chat(seller, buyer, customer: Customer, product: Product) -> None:
    """Chat-to-order: the buyer asks, the seller sends the product's card, then builds the order,
    whose card and payment link the conversation gets."""
    conversation, _ = conversation_open(seller=seller, customer=customer, product=product, source=Platform.WEBSITE,
                                        subject=f"Order: {product.name}"[:200])
    message_send(conversation=conversation, sender=buyer, draft=Draft(
        content=f"Hi, could you put the {product.name} aside for me? I'd like to pay online."))
    reply(conversation, seller, Draft(message_type=MessageType.PRODUCT, product=product))
    message_send(conversation=conversation, sender=seller, draft=Draft(
        content="Here it is. I've made the order for you: pay with the link below and it ships tomorrow."))
    conversation_order(conversation=conversation, seller=seller, lines=[Line(product.pk, None, 1)],
                       payment_method="card", **ADDRESS)


def instagram_customer_writes(seller, customer: Customer) -> None:
    """A customer who only writes from Instagram (no account): their messages come from the platform."""
    conversation, _ = conversation_open(seller=seller, customer=customer, product=None, source=Platform.INSTAGRAM,
                                        subject="Shipping to Lagos")
    for sender_type, text in (
        (SenderType.CUSTOMER, "Hi! I saw your post on Instagram. Do you ship to Lagos?"),
        (SenderType.SELLER, f"Hello {customer.name.split()[0]}! Yes, to Nigeria in three to five days."),
        (SenderType.CUSTOMER, "Perfect, I'll send you my address."),
    ):
        if sender_type == SenderType.SELLER:
            reply(conversation, seller, Draft(content=text))
        else:
            message_post(conversation=conversation, sender_type=sender_type, draft=Draft(content=text))


def guest_order_on_whatsapp(seller, customer: Customer, product: Product) -> None:
    """A customer who only chats on WhatsApp (a phone number, no email, no account): the seller
    builds a guest order for them, paid by mobile money through the payment link it sends."""
    conversation, _ = conversation_open(seller=seller, customer=customer, product=None, source=Platform.WHATSAPP,
                                        subject=f"WhatsApp order: {product.name}"[:200])
    message_post(conversation=conversation, sender_type=SenderType.CUSTOMER, draft=Draft(
        content=f"Good morning! Do you still have the {product.name}? I'd pay by MoMo, delivery to Kumasi."))
    reply(conversation, seller, Draft(content=f"Good morning {customer.name.split()[0]}! Yes. I'll make the order "
                                              "and send you a link to pay with your MoMo wallet."))
    conversation_order(conversation=conversation, seller=seller, lines=[Line(product.pk, None, 1)],
                       payment_method="mobile_money", wallet_number=customer.phone,
                       **{**ADDRESS, "full_name": customer.name, "phone": customer.phone, "city": "Kumasi",
                          "state": "Ashanti", "address_line1": "7 Adum Road"})
