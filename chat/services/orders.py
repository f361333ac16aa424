"""Chat-to-order: the seller orders for the conversation's customer (a guest order when they have
no account), with its card and payment link in the conversation; an order's new status is told in
the conversations that carry its card."""

from django.db import transaction

from accounts.models import User
from chat import notifications
from chat.errors import CustomerMergedMeanwhile, InvalidConversation, NotAMember
from chat.models import SELLER, Conversation, Message, MessageType, SenderType
from chat.paylinks import payment_link_url
from chat.services.conversations import conversation_side
from chat.services.messages import Draft, message_post
from customers.models import Customer
from customers.services import customer_record_guest_order
from orders.models import Order, OrderStatus, PaymentMethod, PaymentStatus
from orders.services import stock
from orders.services.checkout import order_for_buyer
from sellflow.platforms import Platform


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
