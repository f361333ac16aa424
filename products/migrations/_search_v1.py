"""The full-text expression of migrations 0003 to 0007 (the GIN index of the first catalog
search), frozen here so that those migrations keep running after the search moved to
products.search (a module name starting with "_" is not a migration)."""

from django.contrib.postgres.search import SearchVector
from django.db.models import F, TextField, Value
from django.db.models.functions import Replace

SEARCH_CONFIG = "simple"
SEARCH_INDEX_NAME = "products_search_gin"


def _words_of(field: str):
    expression = F(field)
    for mark in ("-", "/", "."):
        expression = Replace(expression, Value(mark), Value(" "), output_field=TextField())
    return expression


def product_search_vector() -> SearchVector:
    return (
        SearchVector(_words_of("name"), weight="A", config=SEARCH_CONFIG)
        + SearchVector(_words_of("sku"), weight="A", config=SEARCH_CONFIG)
        + SearchVector(_words_of("tags_text"), weight="B", config=SEARCH_CONFIG)
        + SearchVector(_words_of("description"), weight="C", config=SEARCH_CONFIG)
    )
