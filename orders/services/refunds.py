"""The money going back: refunds through the payment's gateway (by the seller, or automatic for a
cancelled order or a late payment), a second charge for one order given back, and the refund
sweep's reads. An amount is taken from what is refundable under the payment's lock before the
gateway is asked, so two refunds at once can never return more than was paid."""

from decimal import Decimal

from django.db import transaction
from django.db.models import F, QuerySet, Sum

from accounts.models import User
from orders import notifications
from orders.errors import (
    NotRefundable,
    RefundFailed,
    RefundNotSent,
    RefundTooLarge,
    RefundUnconfirmed,
    RestockNeedsFullRefund,
)
from orders.gateways import GatewayNotConfigured, gateway_named
from orders.gateways.base import GatewayError, Outcome
from orders.models import (
    AttemptAction,
    OrderStatus,
    Payment,
    PaymentAttempt,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from orders.services import stock
from orders.services.attempts import record_attempt
from orders.services.lifecycle import ALLOWED_TRANSITIONS, order_transition
from orders.services.payments import REFUNDABLE, lock_payment


def payment_refund(*, payment: Payment, amount: Decimal, reason: str, actor: User | None = None,
                   restock: bool = False, automatic: bool = False) -> Refund:
    """Refund part or all of what was paid, through the payment's gateway. The amount is taken
    from what is refundable under the payment's lock before the gateway is asked, so two refunds
    at once can never return more than was paid; a refusal gives it back."""
    with transaction.atomic():
        _, payment = lock_payment(payment.pk)
        if payment.status not in REFUNDABLE:
            raise NotRefundable(details={"payment_status": payment.status})
        refundable = payment.amount_paid - payment.amount_refunded
        if amount <= 0 or amount > refundable:
            raise RefundTooLarge(details={"refundable": f"{refundable:.2f}", "requested": f"{amount:.2f}"})
        if restock and amount != refundable:
            # Which units a part refund stands for is the seller's call: they adjust stock by hand.
            raise RestockNeedsFullRefund(details={"refundable": f"{refundable:.2f}"})
        payment.amount_refunded = F("amount_refunded") + amount
        payment.save(update_fields=["amount_refunded", "updated_at"])
        refund = Refund.objects.create(payment=payment, amount=amount, reason=reason[:500], restock=restock,
                                       automatic=automatic, status=RefundStatus.PENDING, actor=actor)
    if payment.method == PaymentMethod.CASH_ON_DELIVERY:
        # Cash was handed over in person: the seller returns it the same way; we keep the record.
        return _refund_settled(payment, refund, Outcome.COMPLETED, refund_id="cash", actor=actor)
    return _send_refund(payment, refund, actor=actor)


def refund_retry(*, refund: Refund) -> Refund:
    """Ask again about a refund the provider did not answer."""
    return _send_refund(refund.payment, refund)


def _send_refund(payment: Payment, refund: Refund, *, actor: User | None = None) -> Refund:
    """Ask the gateway for a refund whose amount is already taken from what is refundable. The
    refund's own reference goes with it, so asking again after an unanswered request is the same
    refund to the provider (Stripe's idempotency key), not a second one."""
    refund_reference = f"{payment.reference}-R{refund.pk}"
    try:
        result = gateway_named(payment.gateway).refund(
            transaction_id=payment.transaction_id, reference=payment.reference, amount=refund.amount,
            currency=payment.currency_paid or payment.currency, reason=refund.reason,
            refund_reference=refund_reference)
    except (GatewayNotConfigured, ValueError) as error:  # never sent: nothing can have happened
        _refund_undone(payment, refund, payment.gateway, refund_reference, "error", str(error) or repr(error),
                       status="failed")
        raise RefundNotSent() from error
    except GatewayError as error:
        # Sent, but unanswered (a timeout, a 5xx): it may have gone through. The amount stays taken
        # and the refund sweep asks again with the same reference.
        with transaction.atomic():
            record_attempt(payment, payment.gateway, AttemptAction.REFUND, refund_reference, "error",
                           error=str(error))
            Refund.objects.filter(pk=refund.pk).update(status=RefundStatus.UNKNOWN)
        raise RefundUnconfirmed() from error
    if result.outcome == Outcome.FAILED:
        _refund_undone(payment, refund, payment.gateway, refund_reference, Outcome.FAILED, result.error,
                       status=RefundStatus.REFUSED)
        raise RefundFailed(details={"provider_error": result.error})
    with transaction.atomic():
        record_attempt(payment, payment.gateway, AttemptAction.REFUND, refund_reference, result.outcome,
                       response={"raw": result.raw})
    return _refund_settled(payment, refund, result.outcome, refund_id=result.refund_id, actor=actor)


def _refund_undone(payment: Payment, refund: Refund, gateway_name: str, reference: str, outcome: str, error: str,
                   *, status: str) -> None:
    """The refund did not happen: its amount is refundable again, and the payment's status says
    what was really given back (a refund that settled meanwhile included)."""
    with transaction.atomic():
        _, payment = lock_payment(payment.pk)
        record_attempt(payment, gateway_name, AttemptAction.REFUND, reference, outcome, error=error)
        payment.amount_refunded -= refund.amount
        if payment.status in (PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED):
            payment.status = (PaymentStatus.COMPLETED if payment.amount_refunded <= 0
                              else PaymentStatus.REFUNDED if payment.amount_refunded >= payment.amount_paid
                              else PaymentStatus.PARTIALLY_REFUNDED)
        payment.save(update_fields=["amount_refunded", "status", "updated_at"])
        Refund.objects.filter(pk=refund.pk).update(status=status)


def _refund_settled(payment: Payment, refund: Refund, outcome: str, *, refund_id: str,
                    actor: User | None) -> Refund:
    with transaction.atomic():
        order, payment = lock_payment(payment.pk)
        Refund.objects.filter(pk=refund.pk).update(status=outcome, refund_id=refund_id[:100])
        # Only refunds the provider took count: one still unanswered may yet be given back.
        taken = payment.refunds.filter(status__in=[RefundStatus.COMPLETED, RefundStatus.PENDING]).aggregate(
            total=Sum("amount"))["total"] or 0
        fully = taken >= payment.amount_paid
        payment.status = PaymentStatus.REFUNDED if fully else PaymentStatus.PARTIALLY_REFUNDED
        payment.save(update_fields=["status", "updated_at"])
        if refund.restock:
            stock.restock(order=order, actor=actor)
        if fully and OrderStatus.REFUNDED in ALLOWED_TRANSITIONS[order.status]:
            order_transition(order=order, to=OrderStatus.REFUNDED, actor=actor, note=refund.reason)
    refund.refresh_from_db()
    return refund


# --- Automatic refunds (run by tasks) ---------------------------------------------------------

def late_payment_refund(*, payment: Payment) -> Refund | None:
    """A payment that came after its stock was gone goes back to the buyer, whole; both sides hear."""
    refundable = payment.amount_paid - payment.amount_refunded
    if payment.status not in REFUNDABLE or refundable <= 0:
        return None
    refund = payment_refund(payment=payment, amount=refundable, automatic=True,
                            reason=notifications.LATE_PAYMENT_REFUND_REASON)
    notifications.late_payment_refunded(payment, amount=refundable)
    return refund


def duplicate_charge_refund(*, payment: Payment, gateway_name: str, transaction_id: str, amount: str,
                            currency: str) -> str:
    """Give back a second charge for a payment already settled. It is not this payment's money,
    so only the attempt records it; operators hear either way."""
    outcome, error = "error", ""
    if PaymentAttempt.objects.filter(payment=payment, action=AttemptAction.REFUND, reference=transaction_id,
                                     outcome__in=[Outcome.COMPLETED, Outcome.PENDING]).exists():
        return "already"
    try:
        result = gateway_named(gateway_name).refund(
            transaction_id=transaction_id, reference=transaction_id, amount=Decimal(amount), currency=currency,
            reason=notifications.DUPLICATE_CHARGE_REFUND_REASON, refund_reference=f"dup-{transaction_id}")
        outcome, error = result.outcome, result.error
    except (GatewayError, GatewayNotConfigured, ValueError, ArithmeticError) as exc:
        error = str(exc) or exc.__class__.__name__
    record_attempt(payment, gateway_name, AttemptAction.REFUND, transaction_id[:60], outcome, error=error)
    notifications.duplicate_charge_refunded(payment, transaction_id=transaction_id, amount=amount, currency=currency,
                                            outcome=outcome, error=error)
    return outcome


def payments_owed_back() -> QuerySet[Payment]:
    """Money paid on orders that ended cancelled and was not (all) given back: what the refund
    sweep retries when an automatic refund could not be made at the time. A payment whose
    refund the provider refused is an operator's to sort out, not retried forever."""
    return (Payment.objects.filter(order__status=OrderStatus.CANCELLED, status__in=REFUNDABLE,
                                   amount_paid__gt=F("amount_refunded"))
            .exclude(refunds__status__in=[RefundStatus.PENDING, RefundStatus.UNKNOWN, RefundStatus.REFUSED])
            .order_by("updated_at"))
