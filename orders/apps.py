from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders and payments"

    def ready(self):
        from orders import metrics  # noqa: F401  (registers the sellers' order figures)
