"""The payment attempt log: every call made to a gateway (initiate, verify, refund) is recorded as
a PaymentAttempt, whatever came of it, so operators can read what each provider was asked and said."""

from orders.gateways.base import GatewayResult
from orders.models import Payment, PaymentAttempt


def record_attempt(payment: Payment, gateway: str, action: str, reference: str, outcome: str, *,
                   error: str = "", result: GatewayResult | None = None,
                   response: dict | None = None) -> PaymentAttempt:
    """Record one call to `gateway`. A GatewayResult is stored as its raw answer and what the
    buyer was sent on to; any other answer is stored as given."""
    answer = response if response is not None else {}
    if result is not None:
        answer = {"raw": result.raw, "authorization_url": result.authorization_url, "next_action": result.next_action}
    return PaymentAttempt.objects.create(payment=payment, gateway=gateway, action=action, reference=reference,
                                         outcome=outcome, error=error[:500], response=answer)
