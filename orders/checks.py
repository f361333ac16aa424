from django.conf import settings
from django.core.checks import Warning


def money_less_payments(app_configs, **kwargs):
    """`check --deploy`: a production server must not confirm orders through the test gateway."""
    if settings.PAYMENT_TEST_GATEWAY and not settings.DEBUG:
        return [Warning(
            "PAYMENT_TEST_GATEWAY is on: payments succeed without any money being taken.",
            hint="Unset PAYMENT_TEST_GATEWAY and set PAYMENT_GATEWAY_<METHOD> to paystack or stripe.",
            id="orders.W001",
        )]
    return []
