from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"
    verbose_name = "Catalog"

    def ready(self):
        from products import metrics  # noqa: F401  (registers the sellers' catalog figures)
