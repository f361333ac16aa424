"""The GIN index of full-text search, on PostgreSQL only (SQLite searches without it). The
expression is products.search.product_search_vector(), the one the queries use."""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from products.migrations._search_v1 import SEARCH_INDEX_NAME, product_search_vector


def _index():
    return GinIndex(product_search_vector(), name=SEARCH_INDEX_NAME)


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("products", "Product"), _index())


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("products", "Product"), _index())


class Migration(migrations.Migration):
    dependencies = [("products", "0002_default_categories")]

    operations = [migrations.RunPython(add_index, remove_index)]
