"""Product search, the same API on both databases: PostgreSQL full-text search (name weighted
above tags above description, GIN-indexed, ranked) or, on SQLite, a portable fallback where
every word must appear in the name, tags, description or SKU, name matches first."""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

# 'simple': no stemming, so English, French and Twi product names are matched alike.
SEARCH_CONFIG = "simple"
SEARCH_INDEX_NAME = "products_search_gin"


def product_search_vector() -> SearchVector:
    """The indexed expression; queries must use exactly this one for the GIN index to apply."""
    return (
        SearchVector("name", weight="A", config=SEARCH_CONFIG)
        + SearchVector("tags_text", weight="B", config=SEARCH_CONFIG)
        + SearchVector("description", weight="C", config=SEARCH_CONFIG)
    )


def search_products(queryset: QuerySet, text: str, *, order_by_rank: bool = True) -> QuerySet:
    text = " ".join(text.split())[:200]
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        return _postgres_search(queryset, text, order_by_rank)
    return _portable_search(queryset, text, order_by_rank)


def _postgres_search(queryset: QuerySet, text: str, order_by_rank: bool) -> QuerySet:
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    vector = product_search_vector()
    matched = queryset.annotate(search=vector).filter(Q(search=query) | Q(sku__iexact=text))
    if order_by_rank:
        matched = matched.annotate(search_rank=SearchRank(vector, query)).order_by("-search_rank", "-id")
    return matched


def _portable_search(queryset: QuerySet, text: str, order_by_rank: bool) -> QuerySet:
    condition = Q()
    for word in text.split()[:10]:
        condition &= (
            Q(name__icontains=word) | Q(tags_text__icontains=word) | Q(description__icontains=word)
            | Q(sku__iexact=word)
        )
    matched = queryset.filter(condition)
    if order_by_rank:
        matched = matched.annotate(
            search_rank=Case(
                When(name__icontains=text, then=Value(3)),
                When(tags_text__icontains=text, then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by("-search_rank", "-id")
    return matched
