from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders and payments"

    def ready(self):
        from django.core import checks

        from orders import metrics  # noqa: F401  (registers the sellers' order figures)
        from orders.availability import active_holds
        from orders.checks import money_less_payments, webhook_secrets
        from products.holds import register_active_holds

        checks.register(money_less_payments, checks.Tags.security, deploy=True)
        checks.register(webhook_secrets, checks.Tags.security)
        # The public catalog shows on hand minus these: what buyers can still take.
        register_active_holds(active_holds)
