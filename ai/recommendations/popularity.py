"""Popularity: page views plus paying buyers, overall, per category and per category family;
the padding of lists that lack evidence, and the cached list of the most popular products."""

from collections import defaultdict

from django.core.cache import cache
from django.db.models import Case, Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from ai.recommendations.catalog import Catalog
from ai.recommendations.scope import TOP_K, is_purchase, is_recommendable
from orders.models import OrderItem
from products.models import Product

# Popularity: page views plus this many views' worth per paying buyer.
BUYER_POPULARITY = 10
POPULAR_CACHE_KEY = "ai:recommendations:popular"
POPULAR_SIZE = 100
POPULAR_TTL = 15 * 60


class Popularity:
    """Recommendable products by popularity: overall, per category and per category family,
    each list as long as a product's padding can need."""

    def __init__(self, catalog: Catalog, buyer_counts: dict[int, int]):
        length = 2 * TOP_K + 1
        self.ranked = sorted(catalog.recommendable, key=lambda pk: (
            -(catalog.view_count[pk] + BUYER_POPULARITY * buyer_counts.get(pk, 0)), -pk))
        self.by_category: dict[int, list[int]] = defaultdict(list)
        self.by_family: dict[int, list[int]] = defaultdict(list)
        self.catalog = catalog
        for pk in self.ranked:
            category_id = catalog.category_of[pk]
            if category_id is None:
                continue
            if len(self.by_category[category_id]) < length:
                self.by_category[category_id].append(pk)
            head = catalog.family_head(category_id)
            if len(self.by_family[head]) < length:
                self.by_family[head].append(pk)
        self.overall = self.ranked[:length]

    def for_product(self, product_id: int) -> list[int]:
        category_id = self.catalog.category_of.get(product_id)
        if category_id is None:
            return self.overall
        head = self.catalog.family_head(category_id)
        return [*self.by_category[category_id], *self.by_family[head], *self.overall]


def with_popularity(products: QuerySet) -> QuerySet:
    buyers = (OrderItem.objects.filter(is_purchase(), product=OuterRef("pk")).order_by().values("product")
              .annotate(n=Count("order__buyer", distinct=True)).values("n"))
    return products.annotate(
        popularity=F("view_count") + BUYER_POPULARITY * Coalesce(Subquery(buyers, output_field=IntegerField()), 0))


def popular_for_product(catalog: Catalog, product_id: int) -> list[int]:
    """The same ranking as Popularity.for_product, asked of the database for one product."""
    category_id = catalog.category_of.get(product_id)
    tier = Value(0)
    if category_id is not None:
        tier = Case(When(category_id=category_id, then=Value(0)),
                    When(category_id__in=catalog.family(category_id), then=Value(1)),
                    default=Value(2), output_field=IntegerField())
    rows = (with_popularity(Product.objects.filter(is_recommendable()).exclude(pk=product_id))
            .annotate(tier=tier).order_by("tier", "-popularity", "-id").values_list("pk", flat=True))
    return list(rows[:2 * TOP_K + 1])


def popular_product_ids() -> list[int]:
    """The most popular recommendable products, best first (cached; the hourly refresh renews it)."""
    ids = cache.get(POPULAR_CACHE_KEY)
    if ids is None:
        ranked = with_popularity(Product.objects.filter(is_recommendable())).order_by("-popularity", "-id")
        ids = list(ranked.values_list("pk", flat=True)[:POPULAR_SIZE])
        cache.set(POPULAR_CACHE_KEY, ids, POPULAR_TTL)
    return ids
