from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"
    verbose_name = "Catalog"

    def ready(self):
        from django.db.backends.signals import connection_created

        from products.search.vocabulary import set_trigram_threshold

        connection_created.connect(set_trigram_threshold, dispatch_uid="products.search.trigram_threshold")
        from products import metrics  # noqa: F401  (registers the sellers' catalog figures)
        from products.catalog_import import tasks  # noqa: F401  (Celery's autodiscovery finds products.tasks only)
