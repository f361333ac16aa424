"""Every word the orders app says to buyers, sellers and operators (Saleor's order/notifications.py):
titles and bodies of its notifications, and the reasons and notes its money records carry. Services
call these by name (`notifications.payment_received(order)`); no copy text sits in money code.

The functions named for an event inside a write (order placed, paid, flagged, timed out, confirmed,
shipped, delivered, cancelled) tell after the surrounding transaction commits, so a rolled-back
write never tells anyone. Those called by tasks after a refund (late payment, duplicate charge,
refused refund) tell at once: the refund is already made."""

from decimal import Decimal

from django.conf import settings

from accounts.models import User
from notifications.models import NotificationType
from notifications.services import notify, notify_operators
from orders.models import CancelReason, Order, Payment
from sellflow.transactions import after_commit

# --- Notes and reasons the records carry (shown in the order's timeline, payments and refunds) --

# Timeline notes (an order event's note)
ORDER_PLACED_NOTE = "Order placed"
CONFIRMED_BY_SELLER_NOTE = "Confirmed by the seller"
SHIPPED_NOTE = "Shipped"  # when the seller names no carrier nor tracking number
DELIVERED_NOTE = "Delivered"
PAYMENT_RECEIVED_NOTE = "Payment received"
LATE_PAYMENT_ACCEPTED_NOTE = "Late payment accepted: the stock was still there"
PAID_AFTER_STOCK_GONE_NOTE = "Paid after the stock was gone: refunded"
PAYMENT_TIMEOUT_NOTE = "The payment time ran out"
CONFIRMATION_TIMEOUT_NOTE = "The seller did not confirm the order in time"
# Why a payment failed (its failure reason)
DECLINED_FAILURE = "Declined."
ORDER_CANCELLED_FAILURE = "The order was cancelled."
# Why a payment was flagged, or refunded (their reasons)
NO_AMOUNT_CONFIRMED_REASON = "The provider confirmed a payment without saying how much."
LATE_PAYMENT_REFUND_REASON = "Paid after the payment time ran out and the stock was sold meanwhile."
DUPLICATE_CHARGE_REFUND_REASON = "Charged twice for one order."
CANCELLED_ORDER_REFUND_REASON = "Refund of a cancelled order."
EXPIRED_WITH_MISMATCH_REFUND_REASON = "The order expired with a payment that did not match it."


def payment_mismatch(*, paid_currency: str, paid: Decimal, payment: Payment) -> str:
    """The flag reason of a payment that did not pay what was asked."""
    return f"Paid {paid_currency.upper()} {paid:.2f}, expected {payment.currency} {payment.amount:.2f}."


def cancelled_order_refund_reason(note: str) -> str:
    return f"Order cancelled: {note}"[:500]


# --- Told after commit ------------------------------------------------------------------------

def _tell_buyer(order: Order, *, type: str = NotificationType.ORDER, **message: object) -> None:
    """Tell the order's buyer at once; a guest order's has no account to tell (the seller talks to
    them in the conversation, where the order's status changes are posted)."""
    if order.buyer_id is not None:
        notify(user=order.buyer, type=type, **message)


def _order_data(order: Order) -> dict:
    return {"order_id": order.pk, "path": f"/orders/{order.pk}"}


def _payment_data(payment: Payment, **extra: object) -> dict:
    """What an operator's notice about a payment carries: its id, `extra`, and its admin page."""
    return {"payment_id": payment.pk, **extra, "path": f"/admin/orders/payment/{payment.pk}/change/"}


def _amount(order: Order) -> str:
    return f"{order.currency} {order.total_amount:.2f}"


def _tell_after_commit(user: User | None, order: Order, *, title: str, body: str, event: str) -> None:
    if user is None:  # a guest order's buyer has no account to tell: the seller talks to them in the chat
        return
    after_commit(notify, user=user, type=NotificationType.ORDER, title=title, body=body, data=_order_data(order),
                 dedupe_key=f"order-{event}:{order.pk}")


def cod_order_placed(order: Order) -> None:
    """A cash-on-delivery order is announced to its seller at once: they have to confirm it."""
    after_commit(_send_cod_order_placed, order.pk)


def _send_cod_order_placed(order_pk: int) -> None:
    order = Order.objects.select_related("seller", "buyer").get(pk=order_pk)
    notify(
        user=order.seller, type=NotificationType.ORDER, title=f"New order {order.order_id}",
        body=f"{order.full_name} ordered for {_amount(order)} (cash on delivery). "
             f"Confirm it within {settings.COD_CONFIRM_HOURS} hours, or it is cancelled.",
        data=_order_data(order), dedupe_key=f"order-placed:{order.pk}",
    )


def payment_received(order: Order) -> None:
    """The order is paid and confirmed: the seller's first word of an online order, and the buyer's receipt."""
    after_commit(_send_payment_received, order.pk)


def _send_payment_received(order_pk: int) -> None:
    order = Order.objects.select_related("buyer", "seller").get(pk=order_pk)
    data, amount = _order_data(order), _amount(order)
    # The seller's first word of an online order (it is not announced before it is paid): a new
    # order, so that it reaches whoever keeps order notifications on.
    notify(user=order.seller, type=NotificationType.ORDER, title=f"New order {order.order_id}, paid",
           body=f"{order.full_name} paid {amount}. The order is confirmed: time to pack it.", data=data,
           dedupe_key=f"order-placed:{order.pk}")
    _tell_buyer(order, title=f"Order {order.order_id} confirmed",
                body=f"We received your payment of {amount}. {order.seller.display_name} is preparing your order.",
                data=data, dedupe_key=f"order-confirmed:{order.pk}")


def payment_flagged(payment: Payment) -> None:
    """Operators hear of a payment that did not pay what was asked."""
    after_commit(_send_payment_flagged, payment.pk)


def _send_payment_flagged(payment_pk: int) -> None:
    payment = Payment.objects.select_related("order").get(pk=payment_pk)
    notify_operators(title=f"Payment flagged on {payment.order.order_id}", body=payment.flag_reason,
                     data=_payment_data(payment, order_id=payment.order_id),
                     dedupe_key=f"payment-flagged:{payment.pk}")


def order_timed_out(order: Order) -> None:
    """The order's timer ran out: the buyer hears, and for cash on delivery the seller too."""
    after_commit(_send_order_timed_out, order.pk)


def _send_order_timed_out(order_pk: int) -> None:
    order = Order.objects.select_related("buyer", "seller").get(pk=order_pk)
    data, dedupe_key = _order_data(order), f"order-timeout:{order.pk}"
    if order.cancel_reason != CancelReason.CONFIRMATION_TIMEOUT:
        _tell_buyer(order, title=f"Order {order.order_id} cancelled",
                    body="The time to pay ran out, so the items went back on sale. You can order them again.",
                    data=data, dedupe_key=dedupe_key)
        return
    hours = settings.COD_CONFIRM_HOURS
    _tell_buyer(order, title=f"Order {order.order_id} cancelled",
                body=f"{order.seller.display_name} did not confirm your cash-on-delivery order within {hours} hours, "
                     "so it was cancelled and you owe nothing. You can order again.", data=data, dedupe_key=dedupe_key)
    notify(user=order.seller, type=NotificationType.ORDER, title=f"Order {order.order_id} expired",
           body=f"This cash-on-delivery order was not confirmed within {hours} hours, so it was cancelled and "
                "its items are back on sale.", data=data, dedupe_key=dedupe_key)


def order_confirmed(order: Order) -> None:
    """The seller confirmed a cash-on-delivery order: the buyer hears what they pay at the door."""
    _tell_after_commit(order.buyer, order, title=f"Order {order.order_id} confirmed",
                       body=f"{order.seller.display_name} confirmed your order. You pay {_amount(order)} "
                            "on delivery.", event="confirmed")


def order_shipped(order: Order, *, carrier: str, tracking_number: str) -> None:
    tracking = f" with {carrier}" if carrier else ""
    tracking += f", tracking number {tracking_number}" if tracking_number else ""
    _tell_after_commit(order.buyer, order, title=f"Order {order.order_id} shipped",
                       body=f"Your order is on its way{tracking}.", event="shipped")


def order_delivered(order: Order) -> None:
    _tell_after_commit(order.buyer, order, title=f"Order {order.order_id} delivered",
                       body=f"Your order from {order.seller.display_name} was delivered. Enjoy!", event="delivered")


def order_cancelled(order: Order, *, by_buyer: bool, note: str, refunded: bool) -> None:
    """The other side hears who cancelled, and the buyer whether their payment comes back."""
    other = order.seller if by_buyer else order.buyer
    who = "The buyer" if by_buyer else order.seller.display_name
    refund = " Your payment will be refunded in full." if refunded and not by_buyer else ""
    _tell_after_commit(other, order, title=f"Order {order.order_id} cancelled",
                       body=f"{who} cancelled the order{': ' + note if note else ''}.{refund}", event="cancelled")


# --- Told at once (by tasks, after the refund) ------------------------------------------------

def late_payment_refunded(payment: Payment, *, amount: Decimal) -> None:
    """A payment that came after its stock was gone went back: both sides hear."""
    order = payment.order
    data = _order_data(order)
    body = f"{order.currency} {amount:.2f} is on its way back to the buyer."
    _tell_buyer(order, type=NotificationType.PAYMENT, title=f"Your payment for {order.order_id} is refunded",
                body=f"Your payment arrived after the payment time ran out and the items were sold meanwhile. {body}",
                data=data, dedupe_key=f"late-refund:{payment.pk}")
    notify(user=order.seller, type=NotificationType.PAYMENT, title=f"Late payment refunded on {order.order_id}",
           body=f"The buyer paid after the timer and the stock was gone. {body}", data=data,
           dedupe_key=f"late-refund:{payment.pk}")


def duplicate_charge_refunded(payment: Payment, *, transaction_id: str, amount: str, currency: str, outcome: str,
                              error: str) -> None:
    """Operators hear of a second charge for one order, and what came of its refund."""
    notify_operators(title=f"Second charge on {payment.order.order_id}: refund {outcome}",
                     body=f"Transaction {transaction_id} ({currency} {amount}) charged the buyer again. "
                          f"{error}".strip(),
                     data=_payment_data(payment), dedupe_key=f"duplicate-charge:{transaction_id}")


def refund_refused(payment: Payment) -> None:
    """Operators hear of an automatic refund the provider refused: the buyer's money is still held."""
    notify_operators(title=f"Refund refused on {payment.order.order_id}",
                     body="The payment provider refused an automatic refund: the buyer's money is still held.",
                     data=_payment_data(payment), dedupe_key=f"refund-refused:{payment.pk}")
