"""Stripe behind the PaymentGateway interface: card payments through hosted Checkout Sessions,
refunds of their payment intents, and its timestamped HMAC-SHA256 signed webhooks."""

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from urllib.parse import quote, urlencode

import requests

from orders.gateways.base import (
    EventKind,
    GatewayError,
    GatewayResult,
    InvalidWebhook,
    Outcome,
    PaymentRequest,
    RefundResult,
    WebhookEvent,
    from_minor_units,
    header_value,
    to_minor_units,
)
from sellflow.parsers import load_json_text

PAID_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
FAILED_EVENTS = {"checkout.session.async_payment_failed", "checkout.session.expired"}
REFUND_OUTCOMES = {
    "succeeded": Outcome.COMPLETED,
    "pending": Outcome.PENDING,
    "requires_action": Outcome.PENDING,
    "failed": Outcome.FAILED,
    "canceled": Outcome.FAILED,
}
METADATA_VALUE_LIMIT = 500  # Stripe refuses longer metadata values





def form_fields(params: Mapping, prefix: str = "") -> list[tuple[str, str]]:
    """Stripe's form encoding of nested values: {"a": [{"b": 1}]} -> [("a[0][b]", "1")]."""
    fields = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, Mapping):
            fields += form_fields(value, name)
        elif isinstance(value, list | tuple):
            fields += form_fields(dict(enumerate(value)), name)
        else:
            fields.append((name, str(value)))
    return fields


def _object_id(value) -> str:
    """An id Stripe may answer either bare or as the expanded object."""
    if isinstance(value, dict):
        return value.get("id") or ""
    return value or ""


class StripeGateway:
    name = "stripe"
    label = "Stripe"
    methods = frozenset({"card"})
    enabled_by = "STRIPE_SECRET_KEY"
    webhook_secret_setting = "STRIPE_WEBHOOK_SECRET"
    needs_email = False  # customer_email is optional: without it Checkout asks the payer on its page

    def __init__(self, *, secret_key: str, webhook_secret: str, api_url: str = "https://api.stripe.com",
                 timeout: float = 15.0, tolerance_seconds: int = 300, now: Callable[[], float] = time.time):
        self._webhook_secret = webhook_secret
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self.tolerance_seconds = tolerance_seconds
        self._now = now
        self.session = requests.Session()
        # A payment API that redirects elsewhere is refused rather than followed with our key.
        self.session.max_redirects = 0
        self.session.headers["Authorization"] = f"Bearer {secret_key}"

    def __repr__(self) -> str:
        return f"StripeGateway(api_url={self.api_url!r})"  # never the keys

    def _call(self, method: str, path: str, params: dict | None = None,
              idempotency_key: str = "") -> tuple[bool, dict]:
        """(accepted, answer): accepted is False only for a 402, Stripe's "valid request, but the
        card or payment was refused". Anything else that is not a success raises GatewayError."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        try:
            response = self.session.request(method, self.api_url + path, timeout=self.timeout, headers=headers,
                                            data=form_fields(params) if params is not None else None)
        except requests.RequestException as exc:
            raise GatewayError(f"Stripe unreachable: {exc.__class__.__name__}") from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise GatewayError(f"Stripe answered {status}")
        if status == 401:
            raise GatewayError("Stripe refused our secret key (401)")
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise GatewayError(f"Stripe answered {status} without JSON")
        if 200 <= status < 300:
            return True, answer
        if status == 402:
            return False, answer
        raise GatewayError(f"Stripe answered {status}: {_error_message(answer)}")

    # --- payments ---------------------------------------------------------------------------

    def initiate(self, request: PaymentRequest) -> GatewayResult:
        if request.method not in self.methods:
            raise ValueError(f"Stripe does not take {request.method}")
        if not request.return_url:
            raise ValueError("Stripe Checkout needs a return_url to send the buyer back to")
        separator = "&" if "?" in request.return_url else "?"
        params = {
            "mode": "payment",
            "success_url": f"{request.return_url}{separator}{urlencode({'reference': request.reference})}",
            "cancel_url": request.return_url,
            "client_reference_id": request.reference,
            # The buyer chose card; without this Checkout offers whatever the dashboard enables.
            "payment_method_types": ["card"],
            "line_items": [{
                "price_data": {
                    "currency": request.currency.lower(),
                    "unit_amount": to_minor_units(request.amount),
                    "product_data": {"name": f"Order {request.metadata.get('order_id') or request.reference}"},
                },
                "quantity": 1,
            }],
            "metadata": {"reference": request.reference},
            # On the payment intent too, for its charges' events; their payment_intent id is
            # still the dependable key, as charge metadata need not be copied from it.
            "payment_intent_data": {"metadata": {"reference": request.reference}},
        }
        if request.email:
            params["customer_email"] = request.email
        accepted, answer = self._call("POST", "/v1/checkout/sessions", params,
                                      idempotency_key=f"{request.reference}-checkout")
        if not accepted:
            return GatewayResult(outcome=Outcome.FAILED, error=_error_message(answer), raw=answer)
        return GatewayResult(outcome=Outcome.PENDING, transaction_id=answer.get("id", ""),
                             authorization_url=answer.get("url") or "", raw=answer)

    def verify(self, *, reference: str, transaction_id: str = "") -> GatewayResult:
        if not transaction_id:
            # Stripe cannot be asked by our reference, only by session id. Without one no buyer
            # ever got a Checkout URL, so nothing can have been paid: PENDING leaves closing the
            # attempt to the caller's expiry rule, as Paystack's unknown reference does.
            return GatewayResult(outcome=Outcome.PENDING)
        accepted, answer = self._call("GET", f"/v1/checkout/sessions/{quote(transaction_id, safe='')}")
        if not accepted:
            return GatewayResult(outcome=Outcome.FAILED, error=_error_message(answer), raw=answer)
        session_id = answer.get("id") or transaction_id
        if answer.get("payment_status") == "paid":
            return GatewayResult(outcome=Outcome.COMPLETED,
                                 transaction_id=_object_id(answer.get("payment_intent")) or session_id,
                                 amount=from_minor_units(answer.get("amount_total")),
                                 currency=(answer.get("currency") or "").upper(), raw=answer)
        if answer.get("status") == "expired":
            return GatewayResult(outcome=Outcome.FAILED, transaction_id=session_id,
                                 error="checkout session expired", raw=answer)
        # Open, or complete with an asynchronous payment still settling.
        return GatewayResult(outcome=Outcome.PENDING, transaction_id=session_id, raw=answer)

    def refund(self, *, transaction_id: str, reference: str, amount: Decimal, currency: str,
               reason: str, refund_reference: str = "") -> RefundResult:
        """transaction_id is the payment intent (pi_...), as verify and the webhooks give it. The
        currency is the payment's own: Stripe refunds in it and takes no currency parameter."""
        if not transaction_id:
            raise ValueError("Stripe refunds a payment intent: transaction_id is required")
        params = {
            "payment_intent": transaction_id,
            "amount": to_minor_units(amount),
            "reason": "requested_by_customer",
            "metadata": {"reason": reason[:METADATA_VALUE_LIMIT], "reference": reference},
        }
        # One key per refund of ours: its retries are paid once, a second partial refund is another.
        key = refund_reference or f"{reference}-refund"
        accepted, answer = self._call("POST", "/v1/refunds", params, idempotency_key=key)
        if not accepted:
            return RefundResult(outcome=Outcome.FAILED, error=_error_message(answer), raw=answer)
        outcome = REFUND_OUTCOMES.get(answer.get("status"), Outcome.PENDING)
        return RefundResult(outcome=outcome, refund_id=answer.get("id", ""),
                            error=(answer.get("failure_reason") or "") if outcome == Outcome.FAILED else "",
                            raw=answer)

    # --- webhooks ---------------------------------------------------------------------------

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        if not self._webhook_secret:  # an empty secret would make a signature anyone can compute
            raise InvalidWebhook("no Stripe webhook secret to verify with")
        timestamp, signatures = _signature_header(header_value(headers, "stripe-signature"))
        signed_payload = f"{timestamp}.".encode() + body
        expected = hmac.new(self._webhook_secret.encode(), signed_payload, hashlib.sha256).hexdigest().encode()
        # Several v1 signatures come while a webhook secret is being rolled: any one may match.
        if not any(hmac.compare_digest(expected, signature.encode()) for signature in signatures):
            raise InvalidWebhook("no Stripe-Signature v1 matches")
        # The timestamp is signed too: an old delivery replayed later is refused.
        if abs(self._now() - timestamp) > self.tolerance_seconds:
            raise InvalidWebhook("Stripe-Signature timestamp outside the tolerance")
        try:
            event = load_json_text(body)
            return self._event(event)
        except (ValueError, TypeError, KeyError, AttributeError):
            raise InvalidWebhook("signed, but not a Stripe event") from None

    def _event(self, event: dict) -> WebhookEvent:
        event_id, name, obj = event["id"], event["type"], event["data"]["object"]
        if not isinstance(event_id, str) or not event_id or not isinstance(obj, dict):
            raise TypeError
        common = {"event_id": event_id, "provider_type": name, "raw": event}
        if name in PAID_EVENTS | FAILED_EVENTS:
            reference = (obj.get("metadata") or {}).get("reference") or obj.get("client_reference_id") or ""
            transaction_id = _object_id(obj.get("payment_intent")) or obj.get("id", "")
            if name in FAILED_EVENTS:
                return WebhookEvent(kind=EventKind.PAYMENT_FAILED, reference=reference,
                                    transaction_id=transaction_id, **common)
            if obj.get("payment_status") == "paid":
                return WebhookEvent(kind=EventKind.PAYMENT_SUCCEEDED, reference=reference,
                                    transaction_id=transaction_id, amount=from_minor_units(obj.get("amount_total")),
                                    currency=(obj.get("currency") or "").upper(), **common)
            # Completed with an asynchronous method still settling: async_payment_* follows.
            return WebhookEvent(kind=EventKind.OTHER, reference=reference, transaction_id=transaction_id, **common)
        if name == "charge.refunded":
            # amount_refunded is the charge's running total, not this one refund's amount.
            return WebhookEvent(kind=EventKind.REFUND_SUCCEEDED,
                                reference=(obj.get("metadata") or {}).get("reference", ""),
                                transaction_id=_object_id(obj.get("payment_intent")),
                                amount=from_minor_units(obj.get("amount_refunded")),
                                currency=(obj.get("currency") or "").upper(), **common)
        return WebhookEvent(kind=EventKind.OTHER, **common)


def _signature_header(header: str) -> tuple[int, list[str]]:
    """`t=<unix time>,v1=<hex>[,v1=<hex>...]` as (t, the v1 signatures); other schemes ignored."""
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise InvalidWebhook("Stripe-Signature timestamp is not a number") from None
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise InvalidWebhook("missing or incomplete Stripe-Signature")
    return timestamp, signatures


def _error_message(answer: dict) -> str:
    error = answer.get("error")
    return (error.get("message") or error.get("code") or "") if isinstance(error, dict) else ""
