"""Reading the stored lists: a product's similar and bought-together products, a shopper's
history and the scores of what lies beside it, popular products. Reads only: computing what the
table does not hold yet is serve.py's business (it calls refresh)."""

import heapq
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, QuerySet
from django.utils import timezone

from accounts.models import User
from ai.models import ProductRecommendation
from ai.recommendations.popularity import popular_product_ids
from ai.recommendations.scope import KINDS, is_buyable, is_public, is_purchase
from orders.models import OrderItem
from products.holds import buyable
from products.models import Favorite, Product, ProductImage, ProductView
from products.selectors import public_products

# Buyer recommendations: how much each kind of history counts, and how much of it is read.
SEED_WEIGHTS = {"order": 3.0, "favorite": 2.0, "view": 1.0}
HISTORY = 50
BOUGHT_HISTORY = 200


def _available_rows(product_ids: Iterable[int]) -> QuerySet:
    """Precomputed rows whose recommended product can still be bought, with what a public row
    shows joined and prefetched (no query per row)."""
    images = ProductImage.objects.order_by("-is_primary", "position", "id")
    return (ProductRecommendation.objects.filter(is_buyable("recommended__"), product_id__in=list(product_ids))
            .select_related("recommended__seller", "recommended__category")
            .prefetch_related(Prefetch("recommended__images", queryset=images)))


def stored_lists(product_id: int, limit: int) -> dict[str, list[Product]]:
    lists: dict[str, list[Product]] = {kind: [] for kind in KINDS}
    for row in _available_rows([product_id]).order_by("kind", "rank"):
        if len(lists[row.kind]) < limit:
            lists[row.kind].append(row.recommended)
    return lists


def buyer_history(user: User) -> tuple[dict[int, float], set[int]]:
    """The buyer's recent products, weighted (order > favourite > view), and what they have
    already bought or saved (never recommended back)."""
    seeds: dict[int, float] = defaultdict(float)
    for product_id in (ProductView.objects.filter(is_public("product__"), user=user).order_by("-last_viewed_at")
                       .values_list("product_id", flat=True)[:HISTORY]):
        seeds[product_id] += SEED_WEIGHTS["view"]
    favourites = list(Favorite.objects.filter(is_public("product__"), user=user).order_by("-created_at")
                      .values_list("product_id", flat=True)[:HISTORY])
    for product_id in favourites:
        seeds[product_id] += SEED_WEIGHTS["favorite"]
    purchases = (OrderItem.objects.filter(is_purchase(), order__buyer=user).order_by("-order__created_at", "-id")
                 .values_list("product_id", ExpressionWrapper(is_public("product__"), output_field=BooleanField())))
    bought: dict[int, bool] = {}  # product → still on sale, newest purchase first
    for product_id, on_sale in purchases[:BOUGHT_HISTORY]:
        bought.setdefault(product_id, on_sale)
    for product_id in [pk for pk, on_sale in bought.items() if on_sale][:HISTORY]:
        seeds[product_id] += SEED_WEIGHTS["order"]
    return dict(seeds), set(bought) | set(favourites)


def personal_scores(seeds: dict[int, float], exclude: set[int]) -> dict[int, float] | None:
    """Each product's weighted sum of its best score beside each seed; None when nothing
    available is stored beside any seed (not even the popular padding)."""
    rows = list(ProductRecommendation.objects.filter(is_buyable("recommended__"), product_id__in=list(seeds))
                .exclude(recommended_id__in=list(exclude)).order_by()  # no sort (nor join) for the model's ordering
                .values_list("product_id", "recommended_id", "score"))
    if not rows:
        return None
    strongest: dict[tuple[int, int], float] = {}
    for seed, other, score in rows:  # a pair may be listed under both kinds: its better score counts
        if score > 0:
            strongest[seed, other] = max(score, strongest.get((seed, other), 0.0))
    scores: dict[int, float] = defaultdict(float)
    for (seed, other), score in strongest.items():
        scores[other] += seeds[seed] * score
    return scores


def products_in_order(ids: list[int]) -> list[Product]:
    chosen = public_products().filter(buyable(timezone.now()), pk__in=ids).order_by()  # in the order of `ids`
    found = {product.pk: product for product in chosen}
    return [found[pk] for pk in ids if pk in found]


def popular_products(*, limit: int, exclude: set[int] | frozenset[int] = frozenset()) -> list[Product]:
    # Twice the limit: a popular product may have sold out (or be held in full) since the list was cached.
    return products_in_order([pk for pk in popular_product_ids() if pk not in exclude][:2 * limit])[:limit]


def personal_products(scores: dict[int, float], *, exclude: set[int], popular: list[int],
                      limit: int) -> tuple[list[Product], str]:
    """The best-scored products, topped up with popular ones: "personal" when any was scored,
    else "popular"."""
    personal = [pk for pk, _ in heapq.nlargest(limit, scores.items(), key=lambda item: (item[1], -item[0]))]
    chosen = set(personal) | exclude
    # Twice what is missing: a popular product may have sold out (or be held) since the list was cached.
    ids = personal + [pk for pk in popular if pk not in chosen][:2 * (limit - len(personal))]
    return products_in_order(ids)[:limit], "personal" if personal else "popular"
