"""Payment gateways by name, and which one takes each payment method (settings)."""

from django.conf import settings

from orders.gateways.base import PaymentGateway

GATEWAY_NAMES = ("test", "paystack", "stripe")


class GatewayNotConfigured(Exception):
    pass


def gateway_named(name: str) -> PaymentGateway:
    if name == "test" and settings.PAYMENT_TEST_GATEWAY:
        from orders.gateways.test import TestGateway

        return TestGateway()
    if name == "paystack" and settings.PAYSTACK_SECRET_KEY:
        from orders.gateways.paystack import PaystackGateway

        return PaystackGateway(secret_key=settings.PAYSTACK_SECRET_KEY, api_url=settings.PAYSTACK_API_URL,
                               timeout=settings.PAYMENT_HTTP_TIMEOUT)
    if name == "stripe" and settings.STRIPE_SECRET_KEY:
        from orders.gateways.stripe import StripeGateway

        return StripeGateway(secret_key=settings.STRIPE_SECRET_KEY, webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
                             api_url=settings.STRIPE_API_URL, timeout=settings.PAYMENT_HTTP_TIMEOUT,
                             tolerance_seconds=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS)
    raise GatewayNotConfigured(name)


def gateway_for_method(method: str) -> PaymentGateway:
    """The gateway settings assign to a payment method (PAYMENT_GATEWAY_CARD, ...)."""
    name = getattr(settings, f"PAYMENT_GATEWAY_{method.upper()}", "")
    gateway = gateway_named(name)
    if method not in gateway.methods:
        raise GatewayNotConfigured(f"{name} does not take {method}")
    return gateway
