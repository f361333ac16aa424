"""Product search, the same behaviour on both databases: every word typed must start a word of
the product's name, SKU, tags or description ("head" finds "Headphones"), and name matches
rank above tag matches above description matches. PostgreSQL runs it as GIN-indexed full-text
search; SQLite, the embedded default, as a portable fallback."""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Replace

# 'simple': no stemming, so English, French and Twi product names are matched alike.
SEARCH_CONFIG = "simple"
SEARCH_INDEX_NAME = "products_search_gin"
# What may stand before a word in a name, SKU or tag list, for the portable search.
WORD_SEPARATORS = (" ", ",", "-", "/", "(", ".", "'", "\n", "\t", "\r")


def _words_of(field: str):
    """The column with hyphens, slashes and dots turned into spaces: PostgreSQL's parser would
    read "WH-001" as "wh" and the number "-001", "M/L" and "1.5m" as single tokens; as words
    they are found the way the portable search finds them."""
    expression = F(field)
    for mark in ("-", "/", "."):
        expression = Replace(expression, Value(mark), Value(" "), output_field=TextField())
    return expression


def product_search_vector() -> SearchVector:
    """The indexed expression; queries must use exactly this one for the GIN index to apply."""
    return (
        SearchVector(_words_of("name"), weight="A", config=SEARCH_CONFIG)
        + SearchVector(_words_of("sku"), weight="A", config=SEARCH_CONFIG)
        + SearchVector(_words_of("tags_text"), weight="B", config=SEARCH_CONFIG)
        + SearchVector(_words_of("description"), weight="C", config=SEARCH_CONFIG)
    )


def search_words(text: str) -> list[str]:
    """The words of a query, lower-cased, letters and digits only (so they are safe in a
    tsquery), at most ten."""
    return re.findall(r"\w+", text.lower())[:10]


def search_products(queryset: QuerySet, text: str, *, rank_ordering: tuple = ("-search_rank",)) -> QuerySet:
    """Products matching every word of `text`, annotated with `search_rank` and ordered by
    `rank_ordering` (empty: leave the order to the caller)."""
    words = search_words(text)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        matched = _postgres_search(queryset, words)
    else:
        matched = _portable_search(queryset, words)
    return matched.order_by(*rank_ordering, "-id") if rank_ordering else matched


def _postgres_search(queryset: QuerySet, words: list[str]) -> QuerySet:
    query = SearchQuery(" & ".join(f"{word}:*" for word in words), search_type="raw", config=SEARCH_CONFIG)
    vector = product_search_vector()
    return queryset.annotate(search=vector).filter(search=query).annotate(search_rank=SearchRank(vector, query))


def _portable_search(queryset: QuerySet, words: list[str]) -> QuerySet:
    def starts_a_word(field: str, word: str) -> Q:
        condition = Q(**{f"{field}__istartswith": word})
        for separator in WORD_SEPARATORS:
            condition |= Q(**{f"{field}__icontains": f"{separator}{word}"})
        return condition

    condition = Q()
    for word in words:
        condition &= (
            starts_a_word("name", word) | starts_a_word("sku", word) | starts_a_word("tags_text", word)
            | starts_a_word("description", word)
        )
    first = words[0]
    rank = Case(
        When(starts_a_word("name", first) | starts_a_word("sku", first), then=Value(3)),
        When(starts_a_word("tags_text", first), then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return queryset.filter(condition).annotate(search_rank=rank)
