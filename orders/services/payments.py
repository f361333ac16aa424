"""The money coming in: sending a payment to its gateway, applying what the gateway says (at once,
by webhook, or when the timer job asks), late payments, and the payment timer. Refunds live in
orders.services.refunds, the attempt log in orders.services.attempts. Locks are always taken in
the same order: the order's row, then its payment's, then products (by id)."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from orders import notifications
from orders.errors import (
    CashOnDeliveryNotPayable,
    MethodUnavailable,
    PayerEmailRequired,
    PaymentInProgress,
    PaymentNotPayable,
    PaymentProviderError,
    PaymentRejected,
    ProviderRequired,
)
from orders.gateways import GatewayNotConfigured, gateway_for_method, gateway_named
from orders.gateways.base import GatewayError, GatewayResult, Outcome, PaymentGateway, PaymentRequest
from orders.models import (
    AttemptAction,
    CancelReason,
    MobileMoneyProvider,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from orders.references import new_payment_reference
from orders.services import stock
from orders.services.attempts import record_attempt
from orders.services.lifecycle import order_transition
from orders.tasks import refund_cancelled_order as refund_cancelled_order_task
from orders.tasks import refund_duplicate_charge as refund_duplicate_charge_task
from orders.tasks import refund_late_payment as refund_late_payment_task
from sellflow.transactions import after_commit

logger = logging.getLogger(__name__)

SETTLED = (PaymentStatus.COMPLETED, PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.FLAGGED)
# A flagged payment's money can go back too: it was paid, just not as asked.
REFUNDABLE = (PaymentStatus.COMPLETED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.FLAGGED)


@dataclass
class ProcessResult:
    status: str  # completed | pending | failed
    payment: Payment
    transaction_id: str = ""
    authorization_url: str = ""
    next_action: dict | None = None
    error: str = ""


def lock_payment(payment_id: int) -> tuple[Order, Payment]:
    """Lock the payment's order, then the payment (the house order of locks); both fresh."""
    order = Order.objects.select_for_update().get(payments=payment_id)
    return order, Payment.objects.select_for_update().get(pk=payment_id)


# --- Processing -------------------------------------------------------------------------------

def payment_process(*, payment: Payment, mobile_money_provider: str = "") -> ProcessResult:
    """Send the payment to its gateway. A completed payment answers completed again without a
    second charge; a payment waiting on the buyer answers its redirect or prompt again. A
    gateway that does not answer is a PaymentProviderError (502), its attempt recorded. A mobile
    money payment is sent with the network given here (kept for later tries), else its own; with
    neither, nothing is sent (ProviderRequired, 400); nor is an order without the payer's email to a
    gateway that needs one (PayerEmailRequired, 409)."""
    if overdue_orders().filter(pk=payment.order_id).exists():
        # The timer first, as the job would run it (asking the gateway about a payment already
        # there), committed on its own: a refusal below keeps it.
        order_expire(order_pk=payment.order_id)
    with transaction.atomic():
        order, payment = lock_payment(payment.pk)
        answer = _answer_already_given(order, payment)
        if answer is not None:
            return answer
        gateway = _start_try(order, payment, mobile_money_provider=mobile_money_provider)
    try:
        result = gateway.initiate(_payment_request(order, payment))
    except Exception as error:
        _try_failed(payment, gateway, error)
        raise
    _apply_initiate_result(payment, gateway, result)
    payment.refresh_from_db()
    if payment.status in SETTLED:  # paid (or flagged) meanwhile, by this try or an earlier one
        return ProcessResult(payment.status, payment, transaction_id=payment.transaction_id)
    return ProcessResult(result.outcome, payment, transaction_id=payment.transaction_id,
                         authorization_url=result.authorization_url, next_action=result.next_action,
                         error=result.error)


def _answer_already_given(order: Order, payment: Payment) -> ProcessResult | None:
    """With both rows locked: raise when the payment cannot be paid now; return the answer a
    payment already paid or waiting on the buyer gives again; None when a new try may start."""
    if payment.method == PaymentMethod.CASH_ON_DELIVERY:
        raise CashOnDeliveryNotPayable()
    if payment.status == PaymentStatus.COMPLETED and order.status not in (OrderStatus.PENDING,
                                                                          OrderStatus.CANCELLED):
        return ProcessResult(PaymentStatus.COMPLETED, payment, transaction_id=payment.transaction_id)
    overdue = order.expires_at is not None and order.expires_at <= timezone.now()
    if payment.status in SETTLED or order.status != OrderStatus.PENDING or overdue:
        raise PaymentNotPayable(details={"payment_status": payment.status, "order_status": order.status,
                                         "cancel_reason": order.cancel_reason})
    if payment.status != PaymentStatus.PROCESSING:
        return None
    # Only this try's own redirect or prompt is handed out again, never an earlier try's.
    waiting = payment.attempts.filter(action=AttemptAction.INITIATE, outcome=Outcome.PENDING,
                                      reference=payment.reference).last()
    if waiting is None:  # another request is at the gateway right now: never two charges
        raise PaymentInProgress()
    return ProcessResult(Outcome.PENDING, payment, transaction_id=payment.transaction_id,
                         authorization_url=waiting.response.get("authorization_url", ""),
                         next_action=waiting.response.get("next_action"))


def _choose_network(payment: Payment, mobile_money_provider: str) -> None:
    """The mobile money wallet's network for the new try: the one given wins (the buyer's answer to
    provider_required, or a correction for a ported number); none known, the buyer is asked."""
    if payment.method != PaymentMethod.MOBILE_MONEY:
        return
    if mobile_money_provider:
        payment.mobile_money_provider = mobile_money_provider  # saved with the try
    if not payment.mobile_money_provider:
        raise ProviderRequired(details={"field": "mobile_money_provider", "choices": MobileMoneyProvider.values,
                                        "wallet_number": payment.wallet_number})


def _start_try(order: Order, payment: Payment, *, mobile_money_provider: str) -> PaymentGateway:
    """Mark the payment as at its gateway (under the lock, so no second request sends it too)."""
    try:
        gateway = gateway_for_method(payment.method)
    except GatewayNotConfigured as error:
        raise MethodUnavailable(details={"payment_method": payment.method}) from error
    if gateway.needs_email and not payer_email(order):  # a guest order placed for another gateway
        raise PayerEmailRequired(details={"field": "email", "gateway": gateway.name,
                                          "payment_method": payment.method})
    _choose_network(payment, mobile_money_provider)
    if payment.status == PaymentStatus.FAILED:
        payment.reference = new_payment_reference(order)  # providers want a new reference per try
    payment.gateway, payment.status, payment.failure_reason = gateway.name, PaymentStatus.PROCESSING, ""
    payment.save(update_fields=["reference", "gateway", "status", "failure_reason", "mobile_money_provider",
                                "updated_at"])
    return gateway


def payer_email(order: Order) -> str:
    """The buyer's, or a guest order's contact email (may be blank)."""
    return order.buyer.email if order.buyer_id else order.email


def _payment_request(order: Order, payment: Payment) -> PaymentRequest:
    return PaymentRequest(
        reference=payment.reference, amount=payment.amount, currency=payment.currency, method=payment.method,
        email=payer_email(order), phone=payment.wallet_number,
        mobile_provider=payment.mobile_money_provider,
        return_url=settings.PAYMENT_RETURN_URL, metadata={"order_id": order.order_id},
    )


def _try_failed(payment: Payment, gateway: PaymentGateway, error: Exception) -> None:
    """Whatever went wrong, the try is over: it is recorded and the payment can be tried again.
    Raises the domain error a known failure stands for; the caller re-raises anything else."""
    with transaction.atomic():
        record_attempt(payment, gateway.name, AttemptAction.INITIATE, payment.reference, "error",
                       error=str(error) or error.__class__.__name__)
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PROCESSING).update(status=PaymentStatus.PENDING)
    if isinstance(error, ValueError):  # the gateway cannot take what it was given (a wallet number...)
        raise PaymentRejected(str(error)) from error
    if isinstance(error, GatewayError):  # nothing is known to have happened: nothing was charged
        raise PaymentProviderError() from error


def _apply_initiate_result(payment: Payment, gateway: PaymentGateway, result: GatewayResult) -> None:
    with transaction.atomic():
        record_attempt(payment, gateway.name, AttemptAction.INITIATE, payment.reference, result.outcome,
                       error=result.error, result=result)
        if result.outcome == Outcome.COMPLETED:
            # A gateway that settles at once charged what it was asked, unless it says otherwise.
            payment_succeeded(payment=payment, amount=result.amount if result.amount is not None else payment.amount,
                              currency=result.currency or payment.currency, transaction_id=result.transaction_id)
        elif result.outcome == Outcome.FAILED:
            _mark_failed(payment, result.error or notifications.DECLINED_FAILURE)
        else:
            # Only while this try is the one under way: an earlier try that was paid meanwhile keeps
            # its transaction id (its refund and any duplicate check depend on it).
            Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PROCESSING,
                                   reference=payment.reference).update(transaction_id=result.transaction_id[:100])


def _mark_failed(payment: Payment, reason: str) -> None:
    Payment.objects.filter(pk=payment.pk, status__in=[PaymentStatus.PENDING, PaymentStatus.PROCESSING]).update(
        status=PaymentStatus.FAILED, failure_reason=reason[:500], updated_at=timezone.now()
    )


def payment_failed(*, payment: Payment, reason: str) -> None:
    """The gateway says the buyer's payment failed (a webhook): the order stays payable until its timer ends."""
    with transaction.atomic():
        lock_payment(payment.pk)
        _mark_failed(payment, reason)


# --- Success, late payment, mismatch ----------------------------------------------------------

def payment_succeeded(*, payment: Payment, amount: Decimal | None, currency: str, transaction_id: str = "",
                      gateway: str = "") -> str:
    """Apply a payment the gateway confirms. Idempotent: an event told twice changes nothing the
    second time. Returns what happened: confirmed, late_confirmed, refunding, flagged, already,
    duplicate_charge."""
    with transaction.atomic():
        order, payment = lock_payment(payment.pk)
        if payment.status in SETTLED:
            return _settled_before(payment, amount=amount, currency=currency, transaction_id=transaction_id,
                                   gateway=gateway)
        now = timezone.now()
        if not _record_money(payment, amount=amount, currency=currency, transaction_id=transaction_id,
                             gateway=gateway, now=now):
            return "flagged"
        return _confirm_paid_order(order, payment, now=now)


def _settled_before(payment: Payment, *, amount: Decimal | None, currency: str, transaction_id: str,
                    gateway: str) -> str:
    """A success told for a payment already settled: the same charge again, or a second one."""
    if transaction_id and payment.transaction_id and transaction_id != payment.transaction_id:
        # The buyer was charged twice (two tries both went through): the second goes back.
        after_commit(refund_duplicate_charge_task.delay, payment.pk, gateway or payment.gateway, transaction_id,
                     str(amount) if amount is not None else "", currency)
        return "duplicate_charge"
    return "already"


def _record_money(payment: Payment, *, amount: Decimal | None, currency: str, transaction_id: str, gateway: str,
                  now: datetime) -> bool:
    """Store what was paid. True when it is what was asked (completed); False when it is not
    (flagged, operators told)."""
    if amount is None:
        amount, currency = Decimal("0.00"), currency or payment.currency
        payment.flag_reason = notifications.NO_AMOUNT_CONFIRMED_REASON
    payment.amount_paid, payment.paid_at, payment.currency_paid = amount, now, (currency or "").upper()[:3]
    payment.transaction_id = (transaction_id or payment.transaction_id)[:100]
    payment.gateway = gateway or payment.gateway  # the buyer may have paid through a link we never sent
    if amount != payment.amount or currency.upper() != payment.currency:
        payment.status = PaymentStatus.FLAGGED
        payment.flag_reason = payment.flag_reason or notifications.payment_mismatch(
            paid_currency=currency, paid=amount, payment=payment)
        payment.save()
        notifications.payment_flagged(payment)
        return False
    payment.status = PaymentStatus.COMPLETED
    payment.save()
    return True


def _confirm_paid_order(order: Order, payment: Payment, *, now: datetime) -> str:
    """The order of a completed payment is confirmed if its stock is (still) there; otherwise
    the money goes back."""
    if order.status == OrderStatus.PENDING and stock.sell(order=order, late=order.expires_at is not None
                                                          and order.expires_at <= now):
        order_transition(order=order, to=OrderStatus.CONFIRMED, note=notifications.PAYMENT_RECEIVED_NOTE)
        notifications.payment_received(order)
        return "confirmed"
    if order.status == OrderStatus.CANCELLED and order.cancel_reason == CancelReason.PAYMENT_TIMEOUT \
            and stock.sell(order=order, late=True):
        order_transition(order=order, to=OrderStatus.CONFIRMED, reopen=True,
                         note=notifications.LATE_PAYMENT_ACCEPTED_NOTE, cancel_reason="",
                         cancelled_at=None)
        notifications.payment_received(order)
        return "late_confirmed"
    if order.status == OrderStatus.PENDING:
        stock.release(order=order)
        order_transition(order=order, to=OrderStatus.CANCELLED, cancel_reason=CancelReason.OUT_OF_STOCK,
                         note=notifications.PAID_AFTER_STOCK_GONE_NOTE)
    after_commit(refund_late_payment_task.delay, payment.pk)
    return "refunding"


# --- The payment timer ------------------------------------------------------------------------

def _expire_if_overdue(order: Order) -> bool:
    """Cancel a pending order whose timer ran out (unpaid online, or cash on delivery its seller
    did not confirm) and give back its stock. Call with the order locked. Returns whether it expired."""
    if order.status != OrderStatus.PENDING or order.expires_at is None or order.expires_at > timezone.now():
        return False
    if order.payment_method == PaymentMethod.CASH_ON_DELIVERY:
        reason, why = CancelReason.CONFIRMATION_TIMEOUT, notifications.CONFIRMATION_TIMEOUT_NOTE
    else:
        reason, why = CancelReason.PAYMENT_TIMEOUT, notifications.PAYMENT_TIMEOUT_NOTE
    stock.release(order=order)
    order_transition(order=order, to=OrderStatus.CANCELLED, cancel_reason=reason, note=why)
    Payment.objects.filter(order=order, status__in=[PaymentStatus.PENDING, PaymentStatus.PROCESSING]).update(
        status=PaymentStatus.FAILED, failure_reason=f"{why}.", updated_at=timezone.now()
    )
    flagged = Payment.objects.filter(order=order, status=PaymentStatus.FLAGGED, amount_paid__gt=0).first()
    if flagged is not None:  # paid, but not as asked: the money goes back with the order
        after_commit(refund_cancelled_order_task.delay, flagged.pk,
                     notifications.EXPIRED_WITH_MISMATCH_REFUND_REASON)
    notifications.order_timed_out(order)
    return True


def order_expire(*, order_pk: int, reconcile: bool = True) -> str:
    """Expire one overdue order, once however many workers try. A payment still at its gateway
    is asked about first (reconciliation): paid → confirmed; a mobile-money prompt still waiting
    on the buyer's phone → the hold is extended once by the grace period."""
    payment = Payment.objects.filter(order_id=order_pk, status=PaymentStatus.PROCESSING).first()
    if reconcile and payment is not None and payment.gateway:
        outcome = _reconcile(order_pk, payment)
        if outcome is not None:
            return outcome
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_pk)
        return "expired" if _expire_if_overdue(order) else "nothing"


def _reconcile(order_pk: int, payment: Payment) -> str | None:
    """Ask the gateway about a payment still there: what came of it, or None to expire the order."""
    try:
        result = gateway_named(payment.gateway).verify(reference=payment.reference,
                                                       transaction_id=payment.transaction_id)
    except (GatewayError, GatewayNotConfigured) as error:
        with transaction.atomic():
            record_attempt(payment, payment.gateway, AttemptAction.VERIFY, payment.reference, "error",
                           error=str(error))
        return None
    with transaction.atomic():
        record_attempt(payment, payment.gateway, AttemptAction.VERIFY, payment.reference, result.outcome,
                       error=result.error, result=result)
    if result.outcome == Outcome.COMPLETED:
        return payment_succeeded(payment=payment, amount=result.amount, currency=result.currency or payment.currency,
                                 transaction_id=result.transaction_id)
    if result.outcome == Outcome.PENDING and payment.method == PaymentMethod.MOBILE_MONEY \
            and _extend_once(order_pk, payment.pk):
        return "extended"
    return None


def _extend_once(order_pk: int, payment_pk: int) -> bool:
    with transaction.atomic():
        order, payment = lock_payment(payment_pk)
        if payment.grace_used or order.status != OrderStatus.PENDING or order.expires_at > timezone.now():
            return False
        # Its holds have lapsed: the units must still be free to be held again.
        if stock.free_lines_of(order, now=timezone.now()) is None:
            return False
        new_expiry = timezone.now() + timedelta(minutes=settings.PAYMENT_MOBILE_MONEY_GRACE_MINUTES)
        Payment.objects.filter(pk=payment.pk).update(grace_used=True)
        Order.objects.filter(pk=order.pk).update(expires_at=new_expiry)
        stock.extend(order=order, until=new_expiry)
    return True


def overdue_orders(*, now: datetime | None = None) -> QuerySet[Order]:
    now = now or timezone.now()
    return Order.objects.filter(status=OrderStatus.PENDING, expires_at__lte=now)


def expire_overdue_without_gateway(queryset: QuerySet[Order]) -> int:
    """The timer enforced when orders are read: overdue orders with no payment at a gateway
    expire on the spot; those at a gateway wait for the job, which asks the gateway first."""
    expired = 0
    for order_pk in overdue_orders().filter(pk__in=queryset.values("pk")).exclude(
            payments__status=PaymentStatus.PROCESSING).values_list("pk", flat=True):
        if order_expire(order_pk=order_pk, reconcile=False) == "expired":
            expired += 1
    return expired
