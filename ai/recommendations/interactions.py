"""Collaborative evidence: who bought and who looked at what, the co-purchases and co-views of
a product, and the buyer and viewer counts they are normalised by."""

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from ai.recommendations.scope import is_purchase
from orders.models import OrderItem
from products.models import ProductView

# Co-purchase evidence of one buyer for a pair: bought in the same order, or only by the same buyer.
SAME_ORDER, SAME_BUYER = 1.0, 0.5
# Cosine of co-occurrence counts, shrunk by count / (count + SHRINK): one shared buyer is a hint, not proof.
SHRINK = 1.0
# Bounds that keep one product's refresh cheap whatever the traffic: the most recent users of
# the product, the most recent products of each user, the strongest raw candidates.
MAX_USERS = 1000
MAX_BASKET = 100
MAX_CANDIDATES = 200


@dataclass
class Interactions:
    """Who bought and who looked at what. Each user keeps their MAX_BASKET most recent products;
    the counts (distinct buyers and viewers of a product) are over everything."""

    bought: dict[int, dict[int, set[int]]] = field(default_factory=dict)  # buyer → product → its orders
    viewed: dict[int, set[int]] = field(default_factory=dict)  # user → products
    buyers_of: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    viewers_of: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add_purchases(self, rows: Iterable[tuple[int, int, int]]) -> None:
        """(buyer, order, product) rows, each buyer's newest first."""
        for buyer_id, order_id, product_id in rows:
            basket = self.bought.setdefault(buyer_id, {})
            if product_id in basket:
                basket[product_id].add(order_id)
            elif len(basket) < MAX_BASKET:
                basket[product_id] = {order_id}
                self.buyers_of[product_id].append(buyer_id)

    def add_views(self, rows: Iterable[tuple[int, int]]) -> None:
        """(user, product) rows, each user's newest first."""
        for user_id, product_id in rows:
            seen = self.viewed.setdefault(user_id, set())
            if len(seen) < MAX_BASKET and product_id not in seen:
                seen.add(product_id)
                self.viewers_of[product_id].append(user_id)

    def co_purchases(self, product_id: int) -> dict[int, float]:
        together: dict[int, float] = defaultdict(float)
        for buyer_id in self.buyers_of.get(product_id, ()):
            basket = self.bought[buyer_id]
            orders = basket[product_id]
            for other, other_orders in basket.items():
                if other != product_id:
                    together[other] += SAME_ORDER if orders & other_orders else SAME_BUYER
        return together

    def co_views(self, product_id: int) -> dict[int, float]:
        together: dict[int, float] = defaultdict(float)
        for user_id in self.viewers_of.get(product_id, ()):
            for other in self.viewed[user_id]:
                if other != product_id:
                    together[other] += 1.0
        return together


def strongest_candidates(together: dict[int, float], allowed: set[int]) -> dict[int, float]:
    candidates = ((other, count) for other, count in together.items() if other in allowed)
    return dict(heapq.nlargest(MAX_CANDIDATES, candidates, key=lambda item: (item[1], -item[0])))


def shrunk_cosine(together: dict[int, float], counts: dict[int, int], product_id: int) -> dict[int, float]:
    own = max(counts.get(product_id, 0), 1)
    return {
        other: min(count / math.sqrt(own * max(counts.get(other, 0), 1)), 1.0) * count / (count + SHRINK)
        for other, count in together.items()
    }


def buyer_counts(product_ids: Iterable[int] | None = None) -> dict[int, int]:
    rows = OrderItem.objects.filter(is_purchase())
    if product_ids is not None:
        rows = rows.filter(product_id__in=list(product_ids))
    return dict(rows.order_by().values("product_id").annotate(n=Count("order__buyer_id", distinct=True))
                .values_list("product_id", "n"))


def viewer_counts(product_ids: Iterable[int] | None = None) -> dict[int, int]:
    rows = ProductView.objects.all()
    if product_ids is not None:
        rows = rows.filter(product_id__in=list(product_ids))
    return dict(rows.order_by().values("product_id").annotate(n=Count("id")).values_list("product_id", "n"))


def purchase_rows(buyer_ids: list[int] | None = None) -> QuerySet:
    # A guest order (no buyer account) is no one's basket: it would join every other guest's.
    rows = OrderItem.objects.filter(is_purchase(), order__buyer__isnull=False)
    if buyer_ids is not None:
        rows = rows.filter(order__buyer_id__in=buyer_ids)
    return rows.order_by("order__buyer_id", "-order__created_at", "-order_id").values_list(
        "order__buyer_id", "order_id", "product_id")


def view_rows(user_ids: list[int] | None = None) -> QuerySet:
    rows = ProductView.objects.all()
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    return rows.order_by("user_id", "-last_viewed_at", "-id").values_list("user_id", "product_id")


def interactions_around(product_id: int) -> Interactions:
    """The purchases and views of the product's most recent buyers and viewers."""
    buyer_ids = (OrderItem.objects.filter(is_purchase(), product_id=product_id, order__buyer__isnull=False)
                 .order_by("-order__created_at").values_list("order__buyer_id", flat=True)[:MAX_USERS])
    viewer_ids = (ProductView.objects.filter(product_id=product_id).order_by("-last_viewed_at")
                  .values_list("user_id", flat=True)[:MAX_USERS])
    interactions = Interactions()
    if buyer_ids := list(dict.fromkeys(buyer_ids)):
        interactions.add_purchases(purchase_rows(buyer_ids))
    if viewer_ids := list(viewer_ids):
        interactions.add_views(view_rows(viewer_ids))
    return interactions
