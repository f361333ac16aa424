"""Rebuild the full-text GIN index (PostgreSQL only) on the new search expression, where
hyphens, slashes and dots separate words."""

from django.db import migrations

from products.migrations._search_v1 import SEARCH_INDEX_NAME, product_search_vector


def rebuild_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.contrib.postgres.indexes import GinIndex

    schema_editor.execute(f'DROP INDEX IF EXISTS "{SEARCH_INDEX_NAME}"')
    schema_editor.add_index(apps.get_model("products", "Product"), GinIndex(product_search_vector(), name=SEARCH_INDEX_NAME))


class Migration(migrations.Migration):
    dependencies = [("products", "0006_catalog_import")]

    operations = [migrations.RunPython(rebuild_index, migrations.RunPython.noop)]
