"""Rebuild the full-text GIN index (PostgreSQL only): the search expression now includes the
SKU, so that SKU searches use the index too."""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from products.migrations._search_v1 import SEARCH_INDEX_NAME, product_search_vector


def rebuild_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{SEARCH_INDEX_NAME}"')
    schema_editor.add_index(apps.get_model("products", "Product"), GinIndex(product_search_vector(), name=SEARCH_INDEX_NAME))


class Migration(migrations.Migration):
    dependencies = [("products", "0004_public_listing_index")]

    operations = [migrations.RunPython(rebuild_index, migrations.RunPython.noop)]
