"""Payment gateways by name, and which one takes each payment method (settings)."""

from django.conf import settings
from django.utils.module_loading import import_string

from orders.gateways.base import PaymentGateway

# Every gateway this code knows, by name. Each class declares the setting that switches it on
# and the one holding its webhook secret, which the system check and the webhook endpoint read.
GATEWAY_CLASSES = {
    "test": "orders.gateways.test.TestGateway",
    "paystack": "orders.gateways.paystack.PaystackGateway",
    "stripe": "orders.gateways.stripe.StripeGateway",
}
GATEWAY_NAMES = tuple(GATEWAY_CLASSES)


class GatewayNotConfigured(Exception):
    pass


def gateway_class(name: str) -> type[PaymentGateway]:
    return import_string(GATEWAY_CLASSES[name])


def has_webhook_secret(gateway: PaymentGateway | type[PaymentGateway]) -> bool:
    return bool(getattr(settings, gateway.webhook_secret_setting, ""))


def gateways_missing_webhook_secret() -> list[type[PaymentGateway]]:
    """The gateways switched on whose webhooks cannot be verified: they have no secret to verify with."""
    classes = [gateway_class(name) for name in GATEWAY_NAMES]
    return [cls for cls in classes if getattr(settings, cls.enabled_by, None) and not has_webhook_secret(cls)]


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


def methods_without_email(methods: list[str]) -> list[str]:
    """Of these online payment methods, the ones a gateway here takes without the payer's email."""
    payable = []
    for method in methods:
        try:
            if not gateway_for_method(method).needs_email:
                payable.append(method)
        except GatewayNotConfigured:
            continue
    return payable
