from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"
    verbose_name = "Catalog"

    def ready(self):
        from products import metrics  # noqa: F401  (registers the sellers' catalog figures)
        from products.catalog_import import tasks  # noqa: F401  (Celery's autodiscovery finds products.tasks only)
