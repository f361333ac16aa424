from django.apps import AppConfig


class CustomersConfig(AppConfig):
    """A seller's customers: one contact per person, whoever they are and wherever they wrote from."""

    name = "customers"
    verbose_name = "Customers"

    def ready(self):
        from customers import receivers  # noqa: F401  (connects them)
