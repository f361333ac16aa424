from django.conf import settings
from django.core.checks import Error, Warning

from orders.gateways import gateways_missing_webhook_secret


def money_less_payments(app_configs, **kwargs):
    """`check --deploy`: a production server must not confirm orders through the test gateway."""
    if settings.PAYMENT_TEST_GATEWAY and not settings.DEBUG:
        return [Warning(
            "PAYMENT_TEST_GATEWAY is on: payments succeed without any money being taken.",
            hint="Unset PAYMENT_TEST_GATEWAY and set PAYMENT_GATEWAY_<METHOD> to paystack or stripe.",
            id="orders.W001",
        )]
    return []


def webhook_secrets(app_configs, **kwargs):
    """Every start (runserver, migrate, check): a gateway switched on without its webhook secret
    refuses all its webhooks, so paid orders would never be confirmed. Refuse to start instead."""
    return [Error(
        f"{gateway.enabled_by} is set but {gateway.webhook_secret_setting} is not: every {gateway.name} "
        "webhook is refused, so payments made there are never applied.",
        hint=f"Set {gateway.webhook_secret_setting} (the signing secret of the {gateway.name} webhook endpoint), "
             f"or unset {gateway.enabled_by}.",
        id="orders.E001",
    ) for gateway in gateways_missing_webhook_secret()]
