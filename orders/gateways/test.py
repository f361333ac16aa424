"""The test gateway, for development and tests: every payment ends as PAYMENT_TEST_OUTCOME says
(success, decline or pending), deterministically, with no network. Its webhooks are signed like
a real provider's (HMAC-SHA256 of the body, `X-Test-Signature`) so the webhook path can be
exercised end to end."""

import hashlib
import hmac
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.conf import settings
from django.utils.crypto import salted_hmac

from orders.gateways.base import (
    EventKind,
    GatewayResult,
    InvalidWebhook,
    Outcome,
    PaymentRequest,
    RefundResult,
    WebhookEvent,
    header_value,
)
from sellflow.parsers import load_json_text

DECLINE_MESSAGE = "Declined by the test gateway (PAYMENT_TEST_OUTCOME=decline)."


def test_webhook_secret() -> str:
    """Derived from SECRET_KEY: unknown outside this deployment, stable across restarts."""
    return salted_hmac("orders.gateways.test.webhook", "secret").hexdigest()


def sign_test_webhook(body: bytes) -> str:
    return hmac.new(test_webhook_secret().encode(), body, hashlib.sha256).hexdigest()


class TestGateway:
    name = "test"
    label = "The test gateway"
    methods = frozenset({"card", "mobile_money", "bank_transfer", "paypal"})
    enabled_by = "PAYMENT_TEST_GATEWAY"
    webhook_secret_setting = "SECRET_KEY"  # its webhook secret is derived from it
    needs_email = False
    __test__ = False  # not a pytest test class

    def _outcome(self) -> Outcome:
        return {"success": Outcome.COMPLETED, "decline": Outcome.FAILED}.get(settings.PAYMENT_TEST_OUTCOME,
                                                                           Outcome.PENDING)

    def initiate(self, request: PaymentRequest) -> GatewayResult:
        outcome = self._outcome()
        raw = {"gateway": "test", "reference": request.reference, "outcome": outcome.value}
        if outcome == Outcome.COMPLETED:
            return GatewayResult(outcome, transaction_id=f"TXN-{request.reference}", amount=request.amount,
                                 currency=request.currency, raw=raw)
        if outcome == Outcome.FAILED:
            return GatewayResult(outcome, error=DECLINE_MESSAGE, raw=raw)
        if request.method == "mobile_money":
            return GatewayResult(outcome, transaction_id=f"TXN-{request.reference}", raw=raw, next_action={
                "type": "approve_on_phone", "message": "Approve the payment on your phone to complete it.",
            })
        separator = "&" if "?" in request.return_url else "?"
        url = f"{request.return_url}{separator}{urlencode({'reference': request.reference})}"
        return GatewayResult(outcome, transaction_id=f"TXN-{request.reference}", authorization_url=url, raw=raw)

    def verify(self, *, reference: str, transaction_id: str = "") -> GatewayResult:
        from orders.models import Payment, PaymentAttempt

        outcome = self._outcome()
        # A real provider remembers what it was asked to charge; the test gateway reads it back.
        payment = (Payment.objects.filter(reference=reference).first()
                   or getattr(PaymentAttempt.objects.filter(reference=reference).select_related("payment").first(),
                              "payment", None))
        paid = outcome == Outcome.COMPLETED and payment is not None
        return GatewayResult(outcome, transaction_id=transaction_id or f"TXN-{reference}",
                             amount=payment.amount if paid else None, currency=payment.currency if paid else "",
                             error=DECLINE_MESSAGE if outcome == Outcome.FAILED else "",
                             raw={"gateway": "test", "reference": reference, "outcome": outcome.value})

    def refund(self, *, transaction_id: str, reference: str, amount: Decimal, currency: str, reason: str,
               refund_reference: str = "") -> RefundResult:
        refund_id = f"RF-{refund_reference or reference}"
        return RefundResult(Outcome.COMPLETED, refund_id=refund_id,
                            raw={"gateway": "test", "refund_id": refund_id, "amount": str(amount)})

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        signature = header_value(headers, "x-test-signature")
        if not signature or not hmac.compare_digest(sign_test_webhook(body).encode(), signature.encode()):
            raise InvalidWebhook("bad or missing X-Test-Signature")
        try:
            event = load_json_text(body)
            amount = Decimal(str(event["amount"])) if event.get("amount") is not None else None
            kind = EventKind(event.get("type", "other")) if event.get("type") in set(EventKind) else EventKind.OTHER
            return WebhookEvent(event_id=str(event["id"]), kind=kind, provider_type=str(event.get("type", "")),
                                reference=str(event.get("reference", "")),
                                transaction_id=str(event.get("transaction_id", "")), amount=amount,
                                currency=str(event.get("currency", "")).upper(), raw=event)
        except (ValueError, KeyError, TypeError, InvalidOperation, AttributeError) as error:
            raise InvalidWebhook("the body is not a test gateway event") from error
