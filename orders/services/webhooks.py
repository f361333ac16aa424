"""Payment webhooks: the signature is verified over the raw body before anything is read or
written (a gateway with no webhook secret refuses them all); each provider event is stored once
(gateway, event id), so a replay changes nothing; then the event is applied to the payment it
names, only if that payment is the same gateway's."""

import logging
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.db.models import Q

from orders.errors import OrdersErrorCode, PaymentProviderError
from orders.gateways import GatewayNotConfigured, gateway_for_method, gateway_named, has_webhook_secret
from orders.gateways.base import (
    EventKind,
    GatewayError,
    GatewayResult,
    InvalidWebhook,
    Outcome,
    PaymentGateway,
)
from orders.gateways.base import WebhookEvent as GatewayEvent
from orders.models import AttemptAction, Payment, PaymentAttempt, Refund, WebhookEvent
from orders.services.attempts import record_attempt
from orders.services.payments import payment_failed, payment_succeeded
from sellflow.exceptions import ApplicationError, ServiceUnavailable

logger = logging.getLogger(__name__)

# Which provider sent a webhook to the shared endpoint, by its signature header.
SIGNATURE_HEADERS = {"x-paystack-signature": "paystack", "stripe-signature": "stripe", "x-test-signature": "test"}


class InvalidSignature(ApplicationError):
    code = OrdersErrorCode.INVALID_SIGNATURE
    message = "The webhook signature does not verify."


class UnknownGateway(ApplicationError):
    status_code = 404
    code = OrdersErrorCode.UNKNOWN_GATEWAY
    message = "No payment gateway of this name is configured here."


def gateway_of(headers: Mapping[str, str]) -> str:
    for header, name in SIGNATURE_HEADERS.items():
        if headers.get(header):
            return name
    raise InvalidSignature("The webhook carries no signature this server knows.")


def _gateway_of_payment(payment: Payment) -> str:
    """The gateway a payment is with: the one it was sent to, or, not sent yet, the one its
    method is assigned to (cash on delivery: none)."""
    if payment.gateway:
        return payment.gateway
    try:
        return gateway_for_method(payment.method).name
    except GatewayNotConfigured:
        return ""


def _payment_named_by(event: GatewayEvent, gateway_name: str) -> Payment | None:
    """The payment the event names, if it is this gateway's: a provider's signature vouches for
    its own payments only, never for a reference another provider (or cash) took."""
    if event.reference:
        payment = Payment.objects.filter(reference=event.reference).first()
        if payment is not None:
            if _gateway_of_payment(payment) == gateway_name:
                return payment
            logger.warning("%s webhook names payment %s, which is not %s's: not applied", gateway_name,
                           payment.pk, gateway_name)
            return None
        # An earlier try's reference, sent to this same gateway.
        attempt = PaymentAttempt.objects.filter(reference=event.reference, gateway=gateway_name).select_related(
            "payment").first()
        if attempt is not None:
            return attempt.payment
    if event.transaction_id:
        return Payment.objects.filter(gateway=gateway_name, transaction_id=event.transaction_id).first()
    return None


def webhook_receive(*, gateway_name: str, body: bytes, headers: Mapping[str, str]) -> str:
    """Returns what came of the event: applied outcomes, "duplicate", "unknown_payment" or "ignored"."""
    try:
        gateway = gateway_named(gateway_name)
    except GatewayNotConfigured as error:
        raise UnknownGateway(details={"gateway": gateway_name}) from error
    if not has_webhook_secret(gateway):
        # Fail closed: with no secret, a "signature" is something anyone can compute.
        logger.error("refused a %s webhook: %s is not set", gateway.name, gateway.webhook_secret_setting)
        raise ServiceUnavailable(f"Webhooks from {gateway.name} cannot be verified on this server.",
                                 details={"gateway": gateway.name})
    try:
        event = gateway.parse_webhook(body=body, headers=headers)
    except InvalidWebhook as error:
        logger.warning("rejected %s webhook: %s", gateway_name, error)
        raise InvalidSignature() from error

    if WebhookEvent.objects.filter(gateway=gateway.name, event_id=event.event_id[:200]).exists():
        return "duplicate"
    verified = _verified_amount(gateway, event)  # a provider call, made before any lock is taken

    with transaction.atomic():
        try:
            with transaction.atomic():
                stored = WebhookEvent.objects.create(gateway=gateway.name, event_id=event.event_id[:200],
                                                     event_type=event.provider_type[:100],
                                                     reference=event.reference[:60], payload=event.raw)
        except IntegrityError:
            return "duplicate"
        outcome = _apply(gateway, event, verified)
        stored.outcome = outcome[:200]
        stored.save(update_fields=["outcome"])
    return outcome


def _verified_amount(gateway: PaymentGateway, event: GatewayEvent) -> GatewayResult | None:
    """A success event that does not say how much was paid: the gateway's own record does."""
    if event.kind != EventKind.PAYMENT_SUCCEEDED or (event.amount is not None and event.currency):
        return None
    payment = _payment_named_by(event, gateway.name)
    if payment is None:
        return None
    try:
        # Asked the way the payment was started (Stripe verifies its checkout session, which the
        # payment remembers; the event names the payment intent instead).
        result = gateway.verify(reference=event.reference or payment.reference, transaction_id=payment.transaction_id)
    except GatewayError as error:
        record_attempt(payment, gateway.name, AttemptAction.VERIFY, event.reference or payment.reference, "error",
                       error=str(error))
        raise PaymentProviderError() from error  # answered 502: the provider sends the webhook again later
    record_attempt(payment, gateway.name, AttemptAction.VERIFY, event.reference or payment.reference,
                   result.outcome, error=result.error, result=result)
    return result


def _apply(gateway: PaymentGateway, event: GatewayEvent, verified: GatewayResult | None) -> str:
    if event.kind == EventKind.OTHER:
        return "ignored"
    payment = _payment_named_by(event, gateway.name)
    if payment is None:
        logger.warning("%s webhook %s names no payment of ours (%s)", gateway.name, event.event_id, event.reference)
        return "unknown_payment"
    if event.kind == EventKind.PAYMENT_SUCCEEDED:
        amount, currency = event.amount, event.currency
        if verified is not None:
            if verified.outcome != Outcome.COMPLETED:
                return "not_paid_at_gateway"
            amount, currency = verified.amount, verified.currency or payment.currency
        return payment_succeeded(payment=payment, amount=amount, currency=currency,
                                 transaction_id=event.transaction_id, gateway=gateway.name)
    if event.kind == EventKind.PAYMENT_FAILED:
        if event.reference and event.reference != payment.reference:
            return "stale_failure"  # an earlier try failed; the one under way is not touched
        payment_failed(payment=payment, reason=f"{gateway.name}: {event.provider_type}")
        return "failed"
    if event.kind == EventKind.REFUND_SUCCEEDED:
        updated = Refund.objects.filter(payment=payment, status=Outcome.PENDING).filter(
            Q(amount=event.amount) if event.amount is not None else Q()
        ).order_by("id")[:1]
        refund = updated.first()
        if refund is not None:
            Refund.objects.filter(pk=refund.pk).update(status=Outcome.COMPLETED)
            return "refund_completed"
        return "refund_known"
    return "ignored"
