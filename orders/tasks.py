from celery import shared_task

from orders.errors import PaymentProviderError
from orders.models import Payment
from sellflow.celery import TransientError


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

    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or payment.amount_paid - payment.amount_refunded <= 0:
        return "nothing to refund"
    try:
        payment_refund(payment=payment, amount=payment.amount_paid - payment.amount_refunded, reason=reason,
                       automatic=True)
    except PaymentProviderError as error:
        raise TransientError(str(error))
    return "refunded"
