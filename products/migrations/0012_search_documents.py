"""Search documents, the vocabulary and synonyms (products.search). On PostgreSQL: pg_trgm, a
GIN index on the documents' tokens (a text[] there: products.fields.SearchTokensField), a GIN
trigram index on the vocabulary, and the old full-text index dropped. Existing products are
indexed here, and the shipped synonyms loaded."""

from django.contrib.postgres.operations import TrigramExtension

import django.db.models.deletion
from django.db import migrations, models

import products.fields


TOKENS_INDEX = "products_search_tokens"
TRIGRAM_INDEX = "products_searchword_trigram"


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('DROP INDEX IF EXISTS "products_search_gin"')
    schema_editor.execute(f'CREATE INDEX "{TOKENS_INDEX}" ON "products_searchdocument" USING gin ("tokens")')
    # On lower(word), the expression products.search.vocabulary.NearSpelling compares: an index on the
    # column itself would also answer `word = ANY(...)`, and the planner prefers it there to the
    # unique btree, at a hundred times the cost.
    schema_editor.execute(f'CREATE INDEX "{TRIGRAM_INDEX}" ON "products_searchword" '
                          'USING gin (lower("word") gin_trgm_ops)')


def set_trigram_threshold(apps, schema_editor):
    """Every session of the database asks `%` for the similarity near spellings need
    (products.search.vocabulary.TRIGRAM_THRESHOLD), sessions a pooler hands out included. A role
    that may not alter the database leaves it to the application, which sets it per connection."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from django.db import DatabaseError, transaction

    from products.search.vocabulary import TRIGRAM_THRESHOLD

    name = connection.ops.quote_name(connection.settings_dict["NAME"])
    try:
        with transaction.atomic(using=connection.alias):
            schema_editor.execute(f"ALTER DATABASE {name} SET pg_trgm.similarity_threshold = {TRIGRAM_THRESHOLD}")
    except DatabaseError as error:
        print(f"\n  pg_trgm.similarity_threshold not set on the database ({error}); set per connection instead.")


def unset_trigram_threshold(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        schema_editor.execute(f"ALTER DATABASE {name} RESET pg_trgm.similarity_threshold")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.contrib.postgres.indexes import GinIndex

    from products.migrations._search_v1 import SEARCH_INDEX_NAME, product_search_vector

    schema_editor.execute(f'DROP INDEX IF EXISTS "{TOKENS_INDEX}"')
    schema_editor.execute(f'DROP INDEX IF EXISTS "{TRIGRAM_INDEX}"')
    schema_editor.add_index(apps.get_model("products", "Product"), GinIndex(product_search_vector(), name=SEARCH_INDEX_NAME))


def index_products(apps, schema_editor):
    from products.search.index import Models, rebuild

    rebuild(Models(product=apps.get_model("products", "Product"), document=apps.get_model("products", "SearchDocument"),
                   word=apps.get_model("products", "SearchWord"), variant=apps.get_model("products", "Variant")),
            announce=False)


def load_synonyms(apps, schema_editor):
    from products.search.synonyms import SHIPPED_SYNONYMS

    SearchSynonym = apps.get_model("products", "SearchSynonym")
    SearchSynonym.objects.bulk_create([SearchSynonym(terms=terms) for terms in SHIPPED_SYNONYMS], ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ('products', '0011_one_active_import_per_seller'),
    ]

    operations = [
        TrigramExtension(),
        migrations.CreateModel(
            name='SearchDocument',
            fields=[
                ('product', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search_document', serialize=False, to='products.product')),
                ('tokens', products.fields.SearchTokensField(default=list)),
            ],
        ),
        migrations.CreateModel(
            name='SearchSynonym',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('terms', models.CharField(help_text='Comma-separated words or phrases that mean the same, e.g. "handbag, purse, sac à main"; or "baskets => sneakers" where the words on the left also find those on the right, not back.', max_length=500, unique=True)),
                ('is_active', models.BooleanField(default=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'ordering': ['terms'],
            },
        ),
        migrations.CreateModel(
            name='SearchWord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('word', models.CharField(max_length=40, unique=True)),
                ('stem_en', models.CharField(max_length=40)),
                ('stem_fr', models.CharField(max_length=40)),
                ('length', models.PositiveSmallIntegerField()),
            ],
            options={
                'indexes': [models.Index(fields=['stem_en'], name='products_searchword_stem_en'), models.Index(fields=['stem_fr'], name='products_searchword_stem_fr'), models.Index(fields=['length'], name='products_searchword_length')],
            },
        ),
        migrations.RunPython(add_indexes, drop_indexes),
        migrations.RunPython(set_trigram_threshold, unset_trigram_threshold),
        migrations.RunPython(index_products, migrations.RunPython.noop),
        migrations.RunPython(load_synonyms, migrations.RunPython.noop),
    ]
