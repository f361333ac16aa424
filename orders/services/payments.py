"""The money: sending a payment to its gateway, applying what the gateway says (at once, by
webhook, or when the timer job asks), late payments, refunds and the payment timer. Every call
to a gateway is recorded as a PaymentAttempt, whatever came of it. Locks are always taken in the
same order: the order's row, then its payment's, then products (by id)."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from notifications.models import NotificationType
from notifications.services import notify, notify_operators
from orders.errors import (
    MethodUnavailable,
    NotRefundable,
    PaymentInProgress,
    PaymentNotPayable,
    PaymentProviderError,
    RefundFailed,
    RefundTooLarge,
)
from orders.gateways import GatewayNotConfigured, gateway_for_method, gateway_named
from orders.gateways.base import GatewayError, GatewayResult, Outcome, PaymentRequest
from orders.models import (
    AttemptAction,
    CancelReason,
    Order,
    OrderStatus,
    Payment,
    PaymentAttempt,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from orders.services import stock
from orders.services.checkout import new_payment_reference
from orders.services.lifecycle import ALLOWED_TRANSITIONS, order_transition
from products.errors import InsufficientStock
from sellflow.exceptions import ApplicationError
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
    provider_failed: bool = False  # the gateway could not be reached: nothing is known to have happened


def _record_attempt(payment: Payment, gateway: str, action: str, reference: str, outcome: str, *,
                    error: str = "", result: GatewayResult | None = None, response: dict | None = None) -> None:
    answer = response if response is not None else {}
    if result is not None:
        answer = {"raw": result.raw, "authorization_url": result.authorization_url, "next_action": result.next_action}
    PaymentAttempt.objects.create(payment=payment, gateway=gateway, action=action, reference=reference,
                                  outcome=outcome, error=error[:500], response=answer)


def _lock(payment_id: int) -> tuple[Order, Payment]:
    order = Order.objects.select_for_update().get(payments=payment_id)
    return order, Payment.objects.select_for_update().get(pk=payment_id)


# --- Processing -------------------------------------------------------------------------------

def payment_process(*, payment: Payment) -> ProcessResult:
    """Send the payment to its gateway. A completed payment answers completed again without a
    second charge; a payment waiting on the buyer answers its redirect or prompt again."""
    if overdue_orders().filter(pk=payment.order_id).exists():
        # The timer first, as the job would run it (asking the gateway about a payment already
        # there), committed on its own: a refusal below keeps it.
        order_expire(order_pk=payment.order_id)
    with transaction.atomic():
        order, payment = _lock(payment.pk)
        if payment.method == PaymentMethod.CASH_ON_DELIVERY:
            raise PaymentNotPayable("Cash on delivery is paid to the seller on delivery.")
        if payment.status == PaymentStatus.COMPLETED and order.status not in (OrderStatus.PENDING,
                                                                              OrderStatus.CANCELLED):
            return ProcessResult(PaymentStatus.COMPLETED, payment, transaction_id=payment.transaction_id)
        overdue = order.expires_at is not None and order.expires_at <= timezone.now()
        if payment.status in SETTLED or order.status != OrderStatus.PENDING or overdue:
            raise PaymentNotPayable(details={"payment_status": payment.status, "order_status": order.status,
                                             "cancel_reason": order.cancel_reason})
        if payment.status == PaymentStatus.PROCESSING:
            # Only this try's own redirect or prompt is handed out again, never an earlier try's.
            waiting = payment.attempts.filter(action=AttemptAction.INITIATE, outcome=Outcome.PENDING,
                                              reference=payment.reference).last()
            if waiting is None:  # another request is at the gateway right now: never two charges
                raise PaymentInProgress()
            return ProcessResult(Outcome.PENDING, payment, transaction_id=payment.transaction_id,
                                 authorization_url=waiting.response.get("authorization_url", ""),
                                 next_action=waiting.response.get("next_action"))
        try:
            gateway = gateway_for_method(payment.method)
        except GatewayNotConfigured:
            raise MethodUnavailable(details={"payment_method": payment.method})
        if payment.status == PaymentStatus.FAILED:
            payment.reference = new_payment_reference(order)  # providers want a new reference per try
        payment.gateway, payment.status, payment.failure_reason = gateway.name, PaymentStatus.PROCESSING, ""
        payment.save(update_fields=["reference", "gateway", "status", "failure_reason", "updated_at"])

    request = PaymentRequest(
        reference=payment.reference, amount=payment.amount, currency=payment.currency, method=payment.method,
        email=order.buyer.email, phone=payment.wallet_number, mobile_provider=payment.mobile_money_provider,
        return_url=settings.PAYMENT_RETURN_URL, metadata={"order_id": order.order_id},
    )
    try:
        result = gateway.initiate(request)
    except Exception as error:
        # Whatever went wrong, the try is over: it is recorded and the payment can be tried again.
        with transaction.atomic():
            _record_attempt(payment, gateway.name, AttemptAction.INITIATE, payment.reference, "error",
                            error=str(error) or error.__class__.__name__)
            Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PROCESSING).update(status=PaymentStatus.PENDING)
        if isinstance(error, ValueError):  # the gateway cannot take what it was given (a wallet number...)
            raise ApplicationError(f"The payment provider cannot take this payment: {error}",
                                   code="payment_rejected")
        if not isinstance(error, GatewayError):
            raise
        payment.refresh_from_db()
        return ProcessResult(PaymentStatus.PENDING, payment, error=str(error), provider_failed=True)

    with transaction.atomic():
        _record_attempt(payment, gateway.name, AttemptAction.INITIATE, payment.reference, result.outcome,
                        error=result.error, result=result)
        if result.outcome == Outcome.COMPLETED:
            # A gateway that settles at once charged what it was asked, unless it says otherwise.
            payment_succeeded(payment=payment, amount=result.amount if result.amount is not None else payment.amount,
                              currency=result.currency or payment.currency, transaction_id=result.transaction_id)
        elif result.outcome == Outcome.FAILED:
            _payment_failed(payment, result.error or "Declined.")
        else:
            # Only while this try is the one under way: an earlier try that was paid meanwhile keeps
            # its transaction id (its refund and any duplicate check depend on it).
            Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PROCESSING,
                                   reference=payment.reference).update(transaction_id=result.transaction_id[:100])
    payment.refresh_from_db()
    if payment.status in SETTLED:  # paid (or flagged) meanwhile, by this try or an earlier one
        return ProcessResult(payment.status, payment, transaction_id=payment.transaction_id)
    return ProcessResult(result.outcome, payment, transaction_id=payment.transaction_id,
                         authorization_url=result.authorization_url, next_action=result.next_action,
                         error=result.error)


def _payment_failed(payment: Payment, reason: str) -> None:
    Payment.objects.filter(pk=payment.pk, status__in=[PaymentStatus.PENDING, PaymentStatus.PROCESSING]).update(
        status=PaymentStatus.FAILED, failure_reason=reason[:500], updated_at=timezone.now()
    )


def payment_failed(*, payment: Payment, reason: str) -> None:
    """The gateway says the buyer's payment failed (a webhook): the order stays payable until its timer ends."""
    with transaction.atomic():
        _lock(payment.pk)
        _payment_failed(payment, reason)


# --- Success, late payment, mismatch ----------------------------------------------------------

def payment_succeeded(*, payment: Payment, amount: Decimal | None, currency: str, transaction_id: str = "",
                      gateway: str = "") -> str:
    """Apply a payment the gateway confirms. Idempotent: an event told twice changes nothing the
    second time. Returns what happened: confirmed, late_confirmed, refunding, flagged, already."""
    with transaction.atomic():
        order, payment = _lock(payment.pk)
        if payment.status in SETTLED:
            if transaction_id and payment.transaction_id and transaction_id != payment.transaction_id:
                # The buyer was charged twice (two tries both went through): the second goes back.
                after_commit(_refund_duplicate_charge, payment.pk, gateway or payment.gateway, transaction_id,
                             str(amount) if amount is not None else "", currency)
                return "duplicate_charge"
            return "already"
        now = timezone.now()
        if amount is None:
            amount, currency = Decimal("0.00"), currency or payment.currency
            payment.flag_reason = "The provider confirmed a payment without saying how much."
        payment.amount_paid, payment.paid_at, payment.currency_paid = amount, now, (currency or "").upper()[:3]
        payment.transaction_id = (transaction_id or payment.transaction_id)[:100]
        payment.gateway = gateway or payment.gateway  # the buyer may have paid through a link we never sent
        if amount != payment.amount or currency.upper() != payment.currency:
            payment.status = PaymentStatus.FLAGGED
            payment.flag_reason = payment.flag_reason or (f"Paid {currency.upper()} {amount:.2f}, expected "
                                                          f"{payment.currency} {payment.amount:.2f}.")
            payment.save()
            after_commit(_tell_operators_of_flagged_payment, payment.pk)
            return "flagged"
        payment.status = PaymentStatus.COMPLETED
        payment.save()

        if order.status == OrderStatus.PENDING and _take_stock(order, late=order.expires_at is not None
                                                                and order.expires_at <= now):
            order_transition(order=order, to=OrderStatus.CONFIRMED, note="Payment received")
            outcome = "confirmed"
        elif order.status == OrderStatus.CANCELLED and order.cancel_reason == CancelReason.PAYMENT_TIMEOUT \
                and _take_stock(order, late=True):
            order_transition(order=order, to=OrderStatus.CONFIRMED, reopen=True,
                             note="Late payment accepted: the stock was still there", cancel_reason="",
                             cancelled_at=None)
            outcome = "late_confirmed"
        else:
            if order.status == OrderStatus.PENDING:
                stock.release(order=order)
                order_transition(order=order, to=OrderStatus.CANCELLED, cancel_reason=CancelReason.OUT_OF_STOCK,
                                 note="Paid after the stock was gone: refunded")
            after_commit(_refund_late_payment, payment.pk)
            return "refunding"
        after_commit(_tell_of_payment, order.pk)
        return outcome


def _take_stock(order: Order, *, late: bool) -> bool:
    """Turn the order's stock into sold stock. On time, its holds are there to convert; late, the
    units must still be free: re-checked under the product locks, and held again if they are."""
    savepoint = transaction.savepoint()
    try:
        if late:
            lines = stock.free_lines_of(order, now=timezone.now())
            if lines is None:
                raise InsufficientStock()
            stock.release(order=order)  # its own lapsed holds make way for the new ones
            stock.reserve(order=order, lines=lines, expires_at=None)
        stock.convert(order=order)
    except InsufficientStock:
        transaction.savepoint_rollback(savepoint)
        return False
    transaction.savepoint_commit(savepoint)
    return True


def _tell_of_payment(order_pk: int) -> None:
    order = Order.objects.select_related("buyer", "seller").get(pk=order_pk)
    data = {"order_id": order.pk, "path": f"/orders/{order.pk}"}
    amount = f"{order.currency} {order.total_amount:.2f}"
    # The seller's first word of an online order (it is not announced before it is paid): a new
    # order, so that it reaches whoever keeps order notifications on.
    notify(user=order.seller, type=NotificationType.ORDER, title=f"New order {order.order_id}, paid",
           body=f"{order.full_name} paid {amount}. The order is confirmed: time to pack it.", data=data,
           dedupe_key=f"order-placed:{order.pk}")
    notify(user=order.buyer, type=NotificationType.ORDER, title=f"Order {order.order_id} confirmed",
           body=f"We received your payment of {amount}. {order.seller.display_name} is preparing your order.",
           data=data, dedupe_key=f"order-confirmed:{order.pk}")


def _tell_operators_of_flagged_payment(payment_pk: int) -> None:
    payment = Payment.objects.select_related("order").get(pk=payment_pk)
    notify_operators(title=f"Payment flagged on {payment.order.order_id}", body=payment.flag_reason,
                     data={"payment_id": payment.pk, "order_id": payment.order_id,
                           "path": f"/admin/orders/payment/{payment.pk}/change/"},
                     dedupe_key=f"payment-flagged:{payment.pk}")


def _refund_duplicate_charge(payment_pk: int, gateway_name: str, transaction_id: str, amount: str,
                             currency: str) -> None:
    from orders import tasks

    tasks.refund_duplicate_charge.delay(payment_pk, gateway_name, transaction_id, amount, currency)


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
            reason="Charged twice for one order.", refund_reference=f"dup-{transaction_id}")
        outcome, error = result.outcome, result.error
    except (GatewayError, GatewayNotConfigured, ValueError, ArithmeticError) as exc:
        error = str(exc) or exc.__class__.__name__
    _record_attempt(payment, gateway_name, AttemptAction.REFUND, transaction_id[:60], outcome, error=error)
    notify_operators(title=f"Second charge on {payment.order.order_id}: refund {outcome}",
                     body=f"Transaction {transaction_id} ({currency} {amount}) charged the buyer again. {error}".strip(),
                     data={"payment_id": payment.pk, "path": f"/admin/orders/payment/{payment.pk}/change/"},
                     dedupe_key=f"duplicate-charge:{transaction_id}")
    return outcome


def _refund_late_payment(payment_pk: int) -> None:
    from orders import tasks

    tasks.refund_late_payment.delay(payment_pk)


def late_payment_refund(*, payment: Payment) -> Refund | None:
    """A payment that came after its stock was gone goes back to the buyer, whole; both sides hear."""
    refundable = payment.amount_paid - payment.amount_refunded
    if payment.status not in REFUNDABLE or refundable <= 0:
        return None
    refund = payment_refund(payment=payment, amount=refundable, automatic=True,
                            reason="Paid after the payment time ran out and the stock was sold meanwhile.")
    order = payment.order
    data = {"order_id": order.pk, "path": f"/orders/{order.pk}"}
    body = f"{order.currency} {refundable:.2f} is on its way back to the buyer."
    notify(user=order.buyer, type=NotificationType.PAYMENT, title=f"Your payment for {order.order_id} is refunded",
           body=f"Your payment arrived after the payment time ran out and the items were sold meanwhile. {body}",
           data=data, dedupe_key=f"late-refund:{payment.pk}")
    notify(user=order.seller, type=NotificationType.PAYMENT, title=f"Late payment refunded on {order.order_id}",
           body=f"The buyer paid after the timer and the stock was gone. {body}", data=data,
           dedupe_key=f"late-refund:{payment.pk}")
    return refund


# --- Refunds ----------------------------------------------------------------------------------

def payment_refund(*, payment: Payment, amount: Decimal, reason: str, actor=None, restock: bool = False,
                   automatic: bool = False) -> Refund:
    """Refund part or all of what was paid, through the payment's gateway. The amount is taken
    from what is refundable under the payment's lock before the gateway is asked, so two refunds
    at once can never return more than was paid; a refusal gives it back."""
    with transaction.atomic():
        order, payment = _lock(payment.pk)
        if payment.status not in REFUNDABLE:
            raise NotRefundable(details={"payment_status": payment.status})
        refundable = payment.amount_paid - payment.amount_refunded
        if amount <= 0 or amount > refundable:
            raise RefundTooLarge(details={"refundable": f"{refundable:.2f}", "requested": f"{amount:.2f}"})
        if restock and amount != refundable:
            # Which units a part refund stands for is the seller's call: they adjust stock by hand.
            raise ApplicationError("Restocking goes with a refund of everything left to refund.",
                                   code="restock_needs_full_refund", details={"refundable": f"{refundable:.2f}"})
        payment.amount_refunded = F("amount_refunded") + amount
        payment.save(update_fields=["amount_refunded", "updated_at"])
        refund = Refund.objects.create(payment=payment, amount=amount, reason=reason[:500], restock=restock,
                                       automatic=automatic, status=RefundStatus.PENDING, actor=actor)
    if payment.method == PaymentMethod.CASH_ON_DELIVERY:
        # Cash was handed over in person: the seller returns it the same way; we keep the record.
        return _refund_settled(payment, refund, Outcome.COMPLETED, refund_id="cash", actor=actor)
    return _send_refund(payment, refund, actor=actor)


def _send_refund(payment: Payment, refund: Refund, *, actor=None) -> Refund:
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
        raise PaymentProviderError("This payment's provider cannot be asked for a refund here; nothing was refunded.")
    except GatewayError as error:
        # Sent, but unanswered (a timeout, a 5xx): it may have gone through. The amount stays taken
        # and the refund sweep asks again with the same reference.
        with transaction.atomic():
            _record_attempt(payment, payment.gateway, AttemptAction.REFUND, refund_reference, "error",
                            error=str(error))
            Refund.objects.filter(pk=refund.pk).update(status=RefundStatus.UNKNOWN)
        raise PaymentProviderError("The payment provider did not confirm the refund. It is asked again shortly: "
                                   "do not refund again.")
    if result.outcome == Outcome.FAILED:
        _refund_undone(payment, refund, payment.gateway, refund_reference, Outcome.FAILED, result.error,
                       status=RefundStatus.REFUSED)
        raise RefundFailed(details={"provider_error": result.error})
    with transaction.atomic():
        _record_attempt(payment, payment.gateway, AttemptAction.REFUND, refund_reference, result.outcome,
                        response={"raw": result.raw})
    return _refund_settled(payment, refund, result.outcome, refund_id=result.refund_id, actor=actor)


def _refund_undone(payment, refund, gateway_name, reference, outcome, error, *, status: str) -> None:
    """The refund did not happen: its amount is refundable again, and the payment's status says
    what was really given back (a refund that settled meanwhile included)."""
    with transaction.atomic():
        _, payment = _lock(payment.pk)
        _record_attempt(payment, gateway_name, AttemptAction.REFUND, reference, outcome, error=error)
        payment.amount_refunded -= refund.amount
        if payment.status in (PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED):
            payment.status = (PaymentStatus.COMPLETED if payment.amount_refunded <= 0
                              else PaymentStatus.REFUNDED if payment.amount_refunded >= payment.amount_paid
                              else PaymentStatus.PARTIALLY_REFUNDED)
        payment.save(update_fields=["amount_refunded", "status", "updated_at"])
        Refund.objects.filter(pk=refund.pk).update(status=status)


def _refund_settled(payment: Payment, refund: Refund, outcome: str, *, refund_id: str, actor) -> Refund:
    with transaction.atomic():
        order, payment = _lock(payment.pk)
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


# --- The payment timer ------------------------------------------------------------------------

def _expire_if_overdue(order: Order, payment: Payment | None = None) -> bool:
    """Cancel a pending order whose timer ran out (unpaid online, or cash on delivery its seller
    did not confirm) and give back its stock. Call with the order locked. Returns whether it expired."""
    if order.status != OrderStatus.PENDING or order.expires_at is None or order.expires_at > timezone.now():
        return False
    if order.payment_method == PaymentMethod.CASH_ON_DELIVERY:
        reason, why = CancelReason.CONFIRMATION_TIMEOUT, "The seller did not confirm the order in time"
    else:
        reason, why = CancelReason.PAYMENT_TIMEOUT, "The payment time ran out"
    stock.release(order=order)
    order_transition(order=order, to=OrderStatus.CANCELLED, cancel_reason=reason, note=why)
    Payment.objects.filter(order=order, status__in=[PaymentStatus.PENDING, PaymentStatus.PROCESSING]).update(
        status=PaymentStatus.FAILED, failure_reason=f"{why}.", updated_at=timezone.now()
    )
    flagged = Payment.objects.filter(order=order, status=PaymentStatus.FLAGGED, amount_paid__gt=0).first()
    if flagged is not None:  # paid, but not as asked: the money goes back with the order
        from orders import tasks

        after_commit(tasks.refund_cancelled_order.delay, flagged.pk, "The order expired with a payment that "
                                                                      "did not match it.")
    if payment is not None:
        payment.refresh_from_db()
    after_commit(_tell_of_timeout, order.pk)
    return True


def _tell_of_timeout(order_pk: int) -> None:
    order = Order.objects.select_related("buyer", "seller").get(pk=order_pk)
    data, dedupe_key = {"order_id": order.pk, "path": f"/orders/{order.pk}"}, f"order-timeout:{order.pk}"
    if order.cancel_reason != CancelReason.CONFIRMATION_TIMEOUT:
        notify(user=order.buyer, type=NotificationType.ORDER, title=f"Order {order.order_id} cancelled",
               body="The time to pay ran out, so the items went back on sale. You can order them again.",
               data=data, dedupe_key=dedupe_key)
        return
    hours = settings.COD_CONFIRM_HOURS
    notify(user=order.buyer, type=NotificationType.ORDER, title=f"Order {order.order_id} cancelled",
           body=f"{order.seller.display_name} did not confirm your cash-on-delivery order within {hours} hours, "
                "so it was cancelled and you owe nothing. You can order again.", data=data, dedupe_key=dedupe_key)
    notify(user=order.seller, type=NotificationType.ORDER, title=f"Order {order.order_id} expired",
           body=f"This cash-on-delivery order was not confirmed within {hours} hours, so it was cancelled and "
                "its items are back on sale.", data=data, dedupe_key=dedupe_key)


def order_expire(*, order_pk: int, reconcile: bool = True) -> str:
    """Expire one overdue order, once however many workers try. A payment still at its gateway
    is asked about first (reconciliation): paid → confirmed; a mobile-money prompt still waiting
    on the buyer's phone → the hold is extended once by the grace period."""
    payment = Payment.objects.filter(order_id=order_pk, status=PaymentStatus.PROCESSING).first()
    if reconcile and payment is not None and payment.gateway:
        try:
            result = gateway_named(payment.gateway).verify(reference=payment.reference,
                                                           transaction_id=payment.transaction_id)
        except (GatewayError, GatewayNotConfigured) as error:
            result = None
            with transaction.atomic():
                _record_attempt(payment, payment.gateway, AttemptAction.VERIFY, payment.reference, "error",
                                error=str(error))
        if result is not None:
            with transaction.atomic():
                _record_attempt(payment, payment.gateway, AttemptAction.VERIFY, payment.reference, result.outcome,
                                error=result.error, result=result)
            if result.outcome == Outcome.COMPLETED:
                return payment_succeeded(payment=payment, amount=result.amount,
                                         currency=result.currency or payment.currency,
                                         transaction_id=result.transaction_id)
            if result.outcome == Outcome.PENDING and payment.method == PaymentMethod.MOBILE_MONEY \
                    and _extend_once(order_pk, payment.pk):
                return "extended"
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_pk)
        return "expired" if _expire_if_overdue(order) else "nothing"


def _extend_once(order_pk: int, payment_pk: int) -> bool:
    with transaction.atomic():
        order, payment = _lock(payment_pk)
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


def overdue_orders(*, now=None):
    now = now or timezone.now()
    return Order.objects.filter(status=OrderStatus.PENDING, expires_at__lte=now)


def expire_overdue_without_gateway(queryset) -> int:
    """The timer enforced when orders are read: overdue orders with no payment at a gateway
    expire on the spot; those at a gateway wait for the job, which asks the gateway first."""
    expired = 0
    for order_pk in overdue_orders().filter(pk__in=queryset.values("pk")).exclude(
            payments__status=PaymentStatus.PROCESSING).values_list("pk", flat=True):
        if order_expire(order_pk=order_pk, reconcile=False) == "expired":
            expired += 1
    return expired


def payments_owed_back():
    """Money paid on orders that ended cancelled and was not (all) given back: what the refund
    sweep retries when an automatic refund could not be made at the time. A payment whose
    refund the provider refused is an operator's to sort out, not retried forever."""
    return (Payment.objects.filter(order__status=OrderStatus.CANCELLED, status__in=REFUNDABLE,
                                   amount_paid__gt=F("amount_refunded"))
            .exclude(refunds__status__in=[RefundStatus.PENDING, RefundStatus.UNKNOWN, RefundStatus.REFUSED])
            .order_by("updated_at"))


def refund_retry(*, refund: Refund) -> Refund:
    """Ask again about a refund the provider did not answer."""
    return _send_refund(refund.payment, refund)
