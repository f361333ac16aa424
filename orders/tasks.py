import logging

from celery import shared_task

from orders.errors import PaymentProviderError
from orders.models import Payment
from sellflow.celery import TransientError

logger = logging.getLogger(__name__)


@shared_task
def expire_overdue_orders() -> dict:
    """Every minute: each overdue unpaid order is asked about at its gateway, then confirmed,
    extended once (mobile money) or expired. Safe with two beats at once: each order's change is
    made under its row lock and only from `pending`."""
    from orders.services.payments import order_expire, overdue_orders

    outcomes: dict[str, int] = {}
    for order_pk in list(overdue_orders().values_list("pk", flat=True)[:1000]):
        outcome = order_expire(order_pk=order_pk)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@shared_task
def refund_late_payment(payment_id: int) -> str:
    from orders.services.payments import late_payment_refund

    payment = Payment.objects.select_related("order__buyer", "order__seller").filter(pk=payment_id).first()
    if payment is None:
        return "gone"
    try:
        refund = late_payment_refund(payment=payment)
    except PaymentProviderError as error:
        raise TransientError(str(error))  # the provider is down: try again with backoff
    return "refunded" if refund is not None else "nothing to refund"


@shared_task
def refund_cancelled_order(payment_id: int, reason: str) -> str:
    """A paid order was cancelled before shipping: the whole payment goes back."""
    from orders.services.payments import payment_refund

    from orders.services.payments import REFUNDABLE

    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or payment.status not in REFUNDABLE or payment.amount_paid <= payment.amount_refunded:
        return "nothing to refund"
    try:
        payment_refund(payment=payment, amount=payment.amount_paid - payment.amount_refunded, reason=reason,
                       automatic=True)
    except PaymentProviderError as error:
        raise TransientError(str(error))
    return "refunded"


@shared_task
def refund_duplicate_charge(payment_id: int, gateway_name: str, transaction_id: str, amount: str,
                            currency: str) -> str:
    from orders.services.payments import duplicate_charge_refund

    payment = Payment.objects.select_related("order").filter(pk=payment_id).first()
    if payment is None:
        return "gone"
    return duplicate_charge_refund(payment=payment, gateway_name=gateway_name, transaction_id=transaction_id,
                                   amount=amount, currency=currency)


@shared_task
def refund_owed_payments() -> int:
    """Every ten minutes: money still held on cancelled orders (an automatic refund that failed,
    a provider that was down) goes back. Each refund is taken under the payment's lock, so this
    never gives back more than was paid, however often it runs."""
    from orders.services.payments import payment_refund, payments_owed_back

    refunded = 0
    for payment in payments_owed_back()[:200]:
        try:
            payment_refund(payment=payment, amount=payment.amount_paid - payment.amount_refunded, automatic=True,
                           reason="Refund of a cancelled order.")
            refunded += 1
        except Exception:  # logged; the next sweep tries again
            logger.exception("refund of payment %s failed; retried by the next sweep", payment.pk)
    return refunded
