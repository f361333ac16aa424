"""The payment gateway interface: what the order code asks of any provider, and the plain values
that cross it. Amounts are Decimal in major units; each gateway converts to what its API wants."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


class Outcome(StrEnum):
    COMPLETED = "completed"  # the money is captured
    PENDING = "pending"  # waiting on the buyer (redirect, phone prompt) or the provider
    FAILED = "failed"  # declined, abandoned, expired


@dataclass(frozen=True)
class PaymentRequest:
    reference: str  # ours, unique per payment; the provider is asked to use it as its reference
    amount: Decimal
    currency: str  # ISO 4217
    method: str  # card | mobile_money | bank_transfer | paypal
    email: str  # the buyer's, for receipts the provider sends (a guest order's contact email: may be blank,
    # and then only a gateway that does not need it is sent the payment: PaymentGateway.needs_email)
    phone: str = ""  # E.164 wallet number, mobile money only
    mobile_provider: str = ""  # mtn | telecel | airteltigo
    return_url: str = ""  # where a redirected buyer comes back to
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class GatewayResult:
    outcome: Outcome
    transaction_id: str = ""  # the provider's id of the charge
    authorization_url: str = ""  # redirect the buyer here
    next_action: dict | None = None  # e.g. {"type": "approve_on_phone", "message": "..."}
    amount: Decimal | None = None  # what the provider says was paid, when it says
    currency: str = ""
    error: str = ""  # the provider's reason for a failure, in its words
    raw: dict = field(default_factory=dict)  # the provider's answer, for the attempt log


@dataclass(frozen=True)
class RefundResult:
    outcome: Outcome
    refund_id: str = ""
    error: str = ""
    raw: dict = field(default_factory=dict)


class EventKind(StrEnum):
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FAILED = "payment.failed"
    REFUND_SUCCEEDED = "refund.succeeded"
    OTHER = "other"  # stored, acknowledged, otherwise ignored


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str  # the provider's id of this event: each is applied once
    kind: EventKind
    provider_type: str  # the provider's own event name, e.g. "charge.success"
    reference: str = ""  # our payment reference, when the event is about a payment
    transaction_id: str = ""
    amount: Decimal | None = None
    currency: str = ""
    raw: dict = field(default_factory=dict)


class GatewayError(Exception):
    """The provider could not be reached or answered with an error: nothing is known to have
    happened, the caller may retry (answered as 502 provider_error)."""


class InvalidWebhook(Exception):
    """A webhook whose signature (or timestamp) does not verify: rejected before anything is read."""


class PaymentGateway(Protocol):
    name: str
    label: str  # the provider's name as a seller reads it ("Paystack")
    methods: frozenset[str]  # the payment methods this gateway can take
    # The setting that switches the gateway on, and the one holding the secret its webhooks are
    # signed with. Switched on without that secret, it refuses every webhook and the system
    # check fails (orders.checks): a gateway added later is held to the same rule.
    enabled_by: str
    webhook_secret_setting: str
    # The provider refuses a payment without the payer's email (Paystack, for every method): a
    # guest order with none is refused before it is placed, and before it is sent.
    needs_email: bool

    def initiate(self, request: PaymentRequest) -> GatewayResult: ...

    def verify(self, *, reference: str, transaction_id: str = "") -> GatewayResult:
        """Ask the provider what became of the payment (used to reconcile before expiring)."""

    def refund(self, *, transaction_id: str, reference: str, amount: Decimal, currency: str,
               reason: str, refund_reference: str = "") -> RefundResult: ...

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        """Verify the signature over the raw body first (InvalidWebhook if it fails), then read it."""


def to_minor_units(amount: Decimal) -> int:
    """Major units as the exact integer of minor units (pesewas, kobo, cents) providers take.
    Every currency we sell in (GHS, NGN, USD, EUR...) has two decimals; zero-decimal ones (JPY,
    KRW...) would need their own rule. Rounding money is the caller's decision, so an amount with
    more than two decimal places is refused, not rounded."""
    if isinstance(amount, float) or not isinstance(amount, Decimal | int):
        raise TypeError("amounts are Decimal, never float")
    amount = Decimal(amount)
    if not amount.is_finite() or amount <= 0:
        raise ValueError(f"{amount} is not a positive amount")
    minor = amount * 100
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} has more than two decimal places")
    return int(minor)


def from_minor_units(value) -> Decimal | None:
    return None if value is None else Decimal(int(value)).scaleb(-2)


def header_value(headers: Mapping[str, str], name: str) -> str:
    """A header by name in any case: a plain dict from a test or a queue, or Django's headers."""
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""
