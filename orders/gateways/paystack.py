"""Paystack behind the PaymentGateway interface: cards and bank transfer through its hosted page,
Ghana mobile money through a direct charge, refunds, and its HMAC-SHA512 signed webhooks."""

import hashlib
import hmac
from collections.abc import Mapping
from decimal import Decimal
from urllib.parse import quote

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

# Our network names (orders.models.MobileMoneyProvider) as Paystack's charge API names them:
# Telecel kept Vodafone's code.
MOBILE_PROVIDERS = {"mtn": "mtn", "telecel": "vod", "airteltigo": "atl"}
APPROVE_ON_PHONE = "Approve the payment on your phone to complete it."

# Statuses of a charge or transaction that may still end either way.
PENDING_STATUSES = {"ongoing", "pending", "processing", "queued", "send_otp", "pay_offline"}
FAILED_STATUSES = {"failed", "abandoned", "reversed"}
REFUND_OUTCOMES = {
    "processed": Outcome.COMPLETED,
    "pending": Outcome.PENDING,
    "processing": Outcome.PENDING,
    "needs-attention": Outcome.PENDING,
    "failed": Outcome.FAILED,
}





def ghana_national_number(phone: str) -> str:
    """+233241234567 -> 0241234567, the form Paystack's Ghana mobile money takes. Other numbers
    go as given: Paystack is the one that knows which it accepts, and declines the rest."""
    phone = phone.replace(" ", "")
    if phone.startswith("+233"):
        return "0" + phone[4:]
    return phone


class PaystackGateway:
    name = "paystack"
    label = "Paystack"
    methods = frozenset({"card", "mobile_money", "bank_transfer"})
    enabled_by = "PAYSTACK_SECRET_KEY"
    webhook_secret_setting = "PAYSTACK_SECRET_KEY"  # Paystack signs its webhooks with the API key
    needs_email = True  # /transaction/initialize and /charge both refuse a payment without one

    def __init__(self, *, secret_key: str, api_url: str = "https://api.paystack.co", timeout: float = 15.0):
        self._secret_key = secret_key
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        # A payment API that redirects elsewhere is refused rather than followed with our key.
        self.session.max_redirects = 0
        self.session.headers["Authorization"] = f"Bearer {secret_key}"

    def __repr__(self) -> str:
        return f"PaystackGateway(api_url={self.api_url!r})"  # never the key

    def _call(self, method: str, path: str, body: dict | None = None) -> tuple[bool, dict]:
        """(accepted, answer): accepted is False when Paystack refused the request itself with its
        {"status": false, "message": ...} (a decline, a validation error, an unknown reference).
        Anything that leaves the outcome unknown raises GatewayError."""
        try:
            response = self.session.request(method, self.api_url + path, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise GatewayError(f"Paystack unreachable: {exc.__class__.__name__}") from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise GatewayError(f"Paystack answered {status}")
        if status in (401, 403):
            raise GatewayError(f"Paystack refused our secret key ({status})")
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise GatewayError(f"Paystack answered {status} without JSON")
        if 200 <= status < 300 and answer.get("status") is not False and isinstance(answer.get("data"), dict):
            return True, answer
        if status in (200, 400, 404, 422) and answer.get("status") is False:
            return False, answer
        raise GatewayError(f"Paystack answered {status}: {answer.get('message', '')}")

    # --- payments ---------------------------------------------------------------------------

    def initiate(self, request: PaymentRequest) -> GatewayResult:
        if request.method not in self.methods:
            raise ValueError(f"Paystack does not take {request.method}")
        if not request.email:  # the callers check first (needs_email); never send Paystack a blank one
            raise ValueError("Paystack needs the payer's email")
        body = {
            "email": request.email,
            "amount": to_minor_units(request.amount),
            "currency": request.currency,
            "reference": request.reference,
            "metadata": request.metadata,
        }
        if request.method == "mobile_money":
            return self._charge_mobile_money(request, body)
        if request.return_url:
            body["callback_url"] = request.return_url
        body["channels"] = [request.method]  # card | bank_transfer: Paystack's channel names
        accepted, answer = self._call("POST", "/transaction/initialize", body)
        if not accepted:
            return GatewayResult(outcome=Outcome.FAILED, error=answer.get("message", ""), raw=answer)
        data = answer["data"]
        # The reference stays the key we verify by; the access code only names the hosted page.
        return GatewayResult(outcome=Outcome.PENDING, transaction_id=data.get("access_code") or "",
                             authorization_url=data.get("authorization_url", ""), raw=answer)

    def _charge_mobile_money(self, request: PaymentRequest, body: dict) -> GatewayResult:
        if request.mobile_provider not in MOBILE_PROVIDERS:
            raise ValueError(f"unknown mobile money provider {request.mobile_provider!r}")
        body["mobile_money"] = {"phone": ghana_national_number(request.phone),
                                "provider": MOBILE_PROVIDERS[request.mobile_provider]}
        accepted, answer = self._call("POST", "/charge", body)
        if not accepted:  # the wallet or number was refused: the buyer's to fix
            return GatewayResult(outcome=Outcome.FAILED, error=answer.get("message", ""), raw=answer)
        data = answer["data"]
        result = self._transaction_result(data, answer)
        if result.outcome == Outcome.PENDING:
            next_action = {"type": "approve_on_phone", "message": data.get("display_text") or APPROVE_ON_PHONE}
            return GatewayResult(outcome=Outcome.PENDING, transaction_id=result.transaction_id,
                                 next_action=next_action, raw=answer)
        return result

    def verify(self, *, reference: str, transaction_id: str = "") -> GatewayResult:
        if not reference:
            raise ValueError("Paystack verifies by our reference")
        accepted, answer = self._call("GET", f"/transaction/verify/{quote(reference, safe='')}")
        if not accepted:
            # Paystack records a transaction as soon as an initiate reaches it, so an unknown
            # reference means no money moved. It is PENDING, not FAILED: an initiate that timed
            # out may still land, and a FAILED here would contradict the charge.success that
            # follows. Closing a stale attempt is the caller's expiry rule, not this answer's.
            return GatewayResult(outcome=Outcome.PENDING, raw=answer)
        return self._transaction_result(answer["data"], answer)

    def _transaction_result(self, data: dict, answer: dict) -> GatewayResult:
        status = data.get("status")
        transaction_id = str(data["id"]) if data.get("id") is not None else ""
        if status == "success":
            try:
                amount = from_minor_units(data.get("amount"))
            except (TypeError, ValueError):
                raise GatewayError("Paystack answered an unreadable amount") from None
            return GatewayResult(outcome=Outcome.COMPLETED, transaction_id=transaction_id, amount=amount,
                                 currency=data.get("currency", ""), raw=answer)
        if status in FAILED_STATUSES:
            error = data.get("gateway_response") or data.get("message") or answer.get("message") or status
            return GatewayResult(outcome=Outcome.FAILED, transaction_id=transaction_id, error=error, raw=answer)
        # The listed pending statuses, and any new one: neither paid nor failed until Paystack says so.
        return GatewayResult(outcome=Outcome.PENDING, transaction_id=transaction_id, raw=answer)

    def refund(self, *, transaction_id: str, reference: str, amount: Decimal, currency: str,
               reason: str, refund_reference: str = "") -> RefundResult:
        # The paid transaction's own id: a retried payment had several references, one of them paid.
        paid = transaction_id if transaction_id.isdigit() else reference
        body = {"transaction": paid, "amount": to_minor_units(amount), "currency": currency,
                "merchant_note": reason}
        accepted, answer = self._call("POST", "/refund", body)
        if not accepted:  # e.g. already fully refunded, more than was paid: refused for good
            return RefundResult(outcome=Outcome.FAILED, error=answer.get("message", ""), raw=answer)
        data = answer["data"]
        return RefundResult(outcome=REFUND_OUTCOMES.get(data.get("status"), Outcome.PENDING),
                            refund_id=str(data.get("id", "")), raw=answer)

    # --- webhooks ---------------------------------------------------------------------------

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        if not self._secret_key:  # an empty key would make a signature anyone can compute
            raise InvalidWebhook("no Paystack secret key to verify with")
        signature = header_value(headers, "x-paystack-signature").strip()
        expected = hmac.new(self._secret_key.encode(), body, hashlib.sha512).hexdigest()
        if not signature or not hmac.compare_digest(expected.encode(), signature.encode()):
            raise InvalidWebhook("bad or missing x-paystack-signature")
        try:
            event = load_json_text(body)
            return self._event(event, body)
        except (ValueError, TypeError, KeyError, AttributeError):
            raise InvalidWebhook("signed, but not a Paystack event") from None

    def _event(self, event: dict, body: bytes) -> WebhookEvent:
        name, data = event["event"], event["data"]
        if not isinstance(name, str) or not isinstance(data, dict):
            raise TypeError
        # Paystack events carry no id of their own: the event name and its object's id make one,
        # the same on every redelivery.
        object_id = data.get("id") or data.get("refund_reference")
        event_id = f"{name}:{object_id}" if object_id else f"{name}:sha256:{hashlib.sha256(body).hexdigest()}"
        common = {"event_id": event_id, "provider_type": name, "raw": event}
        if name in ("charge.success", "charge.failed"):
            kind = EventKind.PAYMENT_SUCCEEDED if name == "charge.success" else EventKind.PAYMENT_FAILED
            return WebhookEvent(kind=kind, reference=data.get("reference", ""), transaction_id=str(data["id"]),
                                amount=from_minor_units(data.get("amount")), currency=data.get("currency", ""),
                                **common)
        if name == "refund.processed":
            return WebhookEvent(kind=EventKind.REFUND_SUCCEEDED, reference=data.get("transaction_reference", ""),
                                amount=from_minor_units(data.get("amount")), currency=data.get("currency", ""),
                                **common)
        return WebhookEvent(kind=EventKind.OTHER, **common)
