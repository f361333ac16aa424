"""What buyers and sellers do to an order after checkout: confirm (cash on delivery), ship,
deliver, cancel. Each is one transition of the state machine, with its stock and money effects
and a notification to the other side."""

from django.db import transaction
from django.utils import timezone

from notifications.models import NotificationType
from notifications.services import notify
from orders.errors import InvalidTransition, OutOfStock
from orders.models import CancelReason, Order, OrderStatus, Payment, PaymentMethod, PaymentStatus
from orders.selectors import seller_told_at_checkout
from orders.services import stock
from orders.services.lifecycle import order_transition
from orders.services.payments import REFUNDABLE, _take_stock
from sellflow.transactions import after_commit


def _locked(order: Order) -> Order:
    return Order.objects.select_related("buyer", "seller").select_for_update(of=("self",)).get(pk=order.pk)


def _tell(user, order: Order, title: str, body: str, event: str) -> None:
    after_commit(notify, user=user, type=NotificationType.ORDER, title=title, body=body,
                 data={"order_id": order.pk, "path": f"/orders/{order.pk}"}, dedupe_key=f"order-{event}:{order.pk}")


@transaction.atomic
def order_confirm(*, order: Order, actor) -> Order:
    """The seller accepts a cash-on-delivery order: its held stock is sold and its confirmation
    deadline ends. Past the deadline (not yet swept), as for a late payment, only if its units
    are still free. Online orders are confirmed by their payment, not by hand."""
    order = _locked(order)
    if order.payment_method != PaymentMethod.CASH_ON_DELIVERY and order.status == OrderStatus.PENDING:
        raise InvalidTransition("An online order is confirmed when its payment arrives.",
                                details={"from": order.status, "to": OrderStatus.CONFIRMED, "allowed": ["cancelled"]})
    late = order.expires_at is not None and order.expires_at <= timezone.now()
    order_transition(order=order, to=OrderStatus.CONFIRMED, actor=actor, note="Confirmed by the seller",
                     expires_at=None)
    if not _take_stock(order, late=late):
        raise OutOfStock("The time to confirm this order ran out and its stock went to other buyers." if late
                         else "The stock this order holds is no longer on hand.")
    _tell(order.buyer, order, f"Order {order.order_id} confirmed",
          f"{order.seller.display_name} confirmed your order. You pay {order.currency} {order.total_amount:.2f} "
          "on delivery.", "confirmed")
    return order


@transaction.atomic
def order_ship(*, order: Order, actor, carrier: str = "", tracking_number: str = "") -> Order:
    order = _locked(order)
    order_transition(order=order, to=OrderStatus.SHIPPED, actor=actor, carrier=carrier[:100],
                     tracking_number=tracking_number[:100],
                     note=" ".join(part for part in (carrier, tracking_number) if part) or "Shipped")
    tracking = f" with {carrier}" if carrier else ""
    tracking += f", tracking number {tracking_number}" if tracking_number else ""
    _tell(order.buyer, order, f"Order {order.order_id} shipped", f"Your order is on its way{tracking}.", "shipped")
    return order


@transaction.atomic
def order_deliver(*, order: Order, actor) -> Order:
    order = _locked(order)
    order_transition(order=order, to=OrderStatus.DELIVERED, actor=actor, note="Delivered")
    if order.payment_method == PaymentMethod.CASH_ON_DELIVERY:
        # The cash changed hands at the door.
        Payment.objects.filter(order=order, status__in=[PaymentStatus.PENDING, PaymentStatus.PROCESSING]).update(
            status=PaymentStatus.COMPLETED, amount_paid=order.total_amount, paid_at=timezone.now(), gateway="cash",
        )
    _tell(order.buyer, order, f"Order {order.order_id} delivered",
          f"Your order from {order.seller.display_name} was delivered. Enjoy!", "delivered")
    return order


@transaction.atomic
def order_cancel(*, order: Order, actor, note: str = "") -> Order:
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
        status=PaymentStatus.FAILED, failure_reason="The order was cancelled.", updated_at=timezone.now()
    )
    paid = Payment.objects.filter(order=order, status__in=REFUNDABLE).first()
    if paid is not None and paid.method != PaymentMethod.CASH_ON_DELIVERY:
        from orders import tasks

        after_commit(tasks.refund_cancelled_order.delay, paid.pk, f"Order cancelled: {note}"[:500])
    if by_buyer and not seller_knows:
        return order
    other = order.seller if by_buyer else order.buyer
    who = "The buyer" if by_buyer else order.seller.display_name
    refund = " Your payment will be refunded in full." if paid is not None and not by_buyer else ""
    _tell(other, order, f"Order {order.order_id} cancelled",
          f"{who} cancelled the order{': ' + note if note else ''}.{refund}", "cancelled")
    return order
