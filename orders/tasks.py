"""The orders app's Celery tasks: the payment timer and the automatic refunds. Each takes ids,
re-fetches, returns early when the row is gone or the work is done, and calls a service (imported
inside the task: services import this module to enqueue). Retries follow the base task's one
policy (sellflow/celery.py)."""

import logging

from celery import shared_task

from orders import notifications
from orders.errors import NotRefundable, PaymentProviderError, RefundFailed, RefundTooLarge
from orders.models import Payment, Refund, RefundStatus

logger = logging.getLogger(__name__)


@shared_task
def expire_overdue_orders() -> dict:
    """Every minute: each overdue unpaid order is asked about at its gateway, then confirmed,
    extended once (mobile money) or expired; an unconfirmed cash-on-delivery order past its
    deadline expires. Safe with two beats at once: each order's change is made under its row lock
    and only from `pending`."""
    from orders.services.payments import order_expire, overdue_orders

    outcomes: dict[str, int] = {}
    for order_pk in list(overdue_orders().values_list("pk", flat=True)[:1000]):
        outcome = order_expire(order_pk=order_pk)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@shared_task
def refund_late_payment(payment_id: int) -> str:
    from orders.services.refunds import late_payment_refund

    payment = Payment.objects.select_related("order__buyer", "order__seller").filter(pk=payment_id).first()
    if payment is None:
        return "gone"
    try:
        refund = late_payment_refund(payment=payment)
    except PaymentProviderError:
        return "left to the refund sweep"  # which asks again, with the same refund reference
    return "refunded" if refund is not None else "nothing to refund"


@shared_task
def refund_cancelled_order(payment_id: int, reason: str) -> str:
    """A paid order was cancelled before shipping: the whole payment goes back."""
    from orders.services.payments import REFUNDABLE
    from orders.services.refunds import payment_refund

    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or payment.status not in REFUNDABLE or payment.amount_paid <= payment.amount_refunded:
        return "nothing to refund"
    try:
        payment_refund(payment=payment, amount=payment.amount_paid - payment.amount_refunded, reason=reason,
                       automatic=True)
    except (NotRefundable, RefundTooLarge):
        return "refunded meanwhile"  # the sweep, or a seller, was first
    except PaymentProviderError:
        return "left to the refund sweep"
    return "refunded"


@shared_task
def refund_duplicate_charge(payment_id: int, gateway_name: str, transaction_id: str, amount: str,
                            currency: str) -> str:
    from orders.services.refunds import duplicate_charge_refund

    payment = Payment.objects.select_related("order").filter(pk=payment_id).first()
    if payment is None:
        return "gone"
    return duplicate_charge_refund(payment=payment, gateway_name=gateway_name, transaction_id=transaction_id,
                                   amount=amount, currency=currency)


@shared_task
def refund_owed_payments() -> dict:
    """Every ten minutes: refunds the provider left unanswered are asked about again (same
    reference), then money still held on cancelled orders goes back. Each refund takes its
    amount under the payment's lock, so this never gives back more than was paid, however often
    it runs; a refund the provider refuses is left to operators, who are told once."""
    from orders.services.refunds import payment_refund, payments_owed_back, refund_retry

    counts = {"retried": 0, "refunded": 0, "refused": 0}
    for refund in Refund.objects.filter(status=RefundStatus.UNKNOWN).select_related("payment")[:200]:
        try:
            refund_retry(refund=refund)
            counts["retried"] += 1
        except RefundFailed:
            counts["refused"] += 1
            notifications.refund_refused(refund.payment)
        except Exception:  # still unanswered: asked again by the next sweep
            logger.warning("refund %s still unanswered", refund.pk, exc_info=True)
    for payment in payments_owed_back().select_related("order")[:200]:
        try:
            payment_refund(payment=payment, amount=payment.amount_paid - payment.amount_refunded, automatic=True,
                           reason=notifications.CANCELLED_ORDER_REFUND_REASON)
            counts["refunded"] += 1
        except RefundFailed:
            counts["refused"] += 1
            notifications.refund_refused(payment)
        except Exception:  # logged; the next sweep tries again
            logger.warning("refund of payment %s failed; retried by the next sweep", payment.pk, exc_info=True)
    return counts
