"""What buyers and sellers do to an order after checkout: confirm (cash on delivery), ship,
deliver, cancel. Each is one transition of the state machine, with its stock and money effects
and a notification to the other side."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from orders import notifications
from orders.errors import InvalidTransition, OutOfStock
from orders.models import CancelReason, Order, OrderStatus, Payment, PaymentMethod, PaymentStatus
from orders.selectors import seller_told_at_checkout
from orders.services import stock
from orders.services.lifecycle import order_transition
from orders.services.payments import REFUNDABLE
from orders.tasks import refund_cancelled_order as refund_cancelled_order_task
from sellflow.transactions import after_commit


def _locked(order: Order) -> Order:
    return Order.objects.select_related("buyer", "seller").select_for_update(of=("self",)).get(pk=order.pk)


@transaction.atomic
def order_confirm(*, order: Order, actor: User | None) -> Order:
    """The seller accepts a cash-on-delivery order: its held stock is sold and its confirmation
    deadline ends. Past the deadline (not yet swept), as for a late payment, only if its units
    are still free. Online orders are confirmed by their payment, not by hand."""
    order = _locked(order)
    if order.payment_method != PaymentMethod.CASH_ON_DELIVERY and order.status == OrderStatus.PENDING:
        raise InvalidTransition("An online order is confirmed when its payment arrives.",
                                details={"from": order.status, "to": OrderStatus.CONFIRMED, "allowed": ["cancelled"]})
    late = order.expires_at is not None and order.expires_at <= timezone.now()
    order_transition(order=order, to=OrderStatus.CONFIRMED, actor=actor, note=notifications.CONFIRMED_BY_SELLER_NOTE,
                     expires_at=None)
    if not stock.sell(order=order, late=late):
        raise OutOfStock("The time to confirm this order ran out and its stock went to other buyers." if late
                         else "The stock this order holds is no longer on hand.")
    notifications.order_confirmed(order)
    return order


@transaction.atomic
def order_ship(*, order: Order, actor: User | None, carrier: str = "", tracking_number: str = "") -> Order:
    order = _locked(order)
    order_transition(order=order, to=OrderStatus.SHIPPED, actor=actor, carrier=carrier[:100],
                     tracking_number=tracking_number[:100],
                     note=" ".join(part for part in (carrier, tracking_number) if part) or notifications.SHIPPED_NOTE)
    notifications.order_shipped(order, carrier=carrier, tracking_number=tracking_number)
    return order


@transaction.atomic
def order_deliver(*, order: Order, actor: User | None) -> Order:
    order = _locked(order)
    order_transition(order=order, to=OrderStatus.DELIVERED, actor=actor, note=notifications.DELIVERED_NOTE)
    if order.payment_method == PaymentMethod.CASH_ON_DELIVERY:
        # The cash changed hands at the door.
        Payment.objects.filter(order=order, status__in=[PaymentStatus.PENDING, PaymentStatus.PROCESSING]).update(
            status=PaymentStatus.COMPLETED, amount_paid=order.total_amount, paid_at=timezone.now(), gateway="cash",
        )
    notifications.order_delivered(order)
    return order


@transaction.atomic
def order_cancel(*, order: Order, actor: User | None, note: str = "") -> Order:
    """Cancel before shipping. Held stock goes back at once, sold stock is restocked, and a
    payment already made is refunded in full. The other side hears of it, unless the buyer drops
    an online order the seller was never told of (it was never paid)."""
    order = _locked(order)
    by_buyer = actor is not None and actor.pk == order.buyer_id
    seller_knows = order.status != OrderStatus.PENDING or seller_told_at_checkout(order=order)
    reason = CancelReason.BUYER_CANCELLED if by_buyer else CancelReason.SELLER_CANCELLED
    order_transition(order=order, to=OrderStatus.CANCELLED, actor=actor, note=note or reason.label,
                     cancel_reason=reason, cancel_note=note[:500])
    stock.release(order=order)
    stock.restock(order=order, actor=actor)
    Payment.objects.filter(order=order, status__in=[PaymentStatus.PENDING, PaymentStatus.PROCESSING]).update(
        status=PaymentStatus.FAILED, failure_reason=notifications.ORDER_CANCELLED_FAILURE, updated_at=timezone.now()
    )
    paid = Payment.objects.filter(order=order, status__in=REFUNDABLE).first()
    if paid is not None and paid.method != PaymentMethod.CASH_ON_DELIVERY:
        after_commit(refund_cancelled_order_task.delay, paid.pk, notifications.cancelled_order_refund_reason(note))
    if not by_buyer or seller_knows:
        notifications.order_cancelled(order, by_buyer=by_buyer, note=note, refunded=paid is not None)
    return order
