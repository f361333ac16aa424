"""Refreshing the ProductRecommendation table: every list hourly, one product's lists (and its
place in its neighbours' lists) when it changes; only lists that changed are written."""

import math
from collections import defaultdict
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet

from ai.models import ProductRecommendation
from ai.recommendations.catalog import Catalog
from ai.recommendations.content import CORPUS
from ai.recommendations.interactions import (
    Interactions,
    buyer_counts,
    interactions_around,
    purchase_rows,
    view_rows,
    viewer_counts,
)
from ai.recommendations.popularity import POPULAR_CACHE_KEY, POPULAR_SIZE, POPULAR_TTL, Popularity, popular_for_product
from ai.recommendations.scope import KINDS, TOP_K
from ai.recommendations.scoring import Ranked, product_signals, top_neighbours
from products.models import Product


def _rows(product_id: int, kind: str, ranked: Ranked) -> list[ProductRecommendation]:
    return [ProductRecommendation(product_id=product_id, kind=kind, recommended_id=other, score=score, rank=rank)
            for rank, (other, score) in enumerate(ranked, start=1)]


def _replace(lists: dict[tuple[int, str], Ranked]) -> None:
    """Write whole lists, keyed by (product, kind), in one transaction."""
    if not lists:
        return
    with transaction.atomic():
        for kind in KINDS:
            product_ids = [pk for pk, list_kind in lists if list_kind == kind]
            if product_ids:
                ProductRecommendation.objects.filter(kind=kind, product_id__in=product_ids).delete()
        ProductRecommendation.objects.bulk_create(
            [row for (pk, kind), ranked in lists.items() for row in _rows(pk, kind, ranked)], batch_size=1000)


def _stored(rows: QuerySet) -> dict[tuple[int, str], Ranked]:
    lists: dict[tuple[int, str], Ranked] = defaultdict(list)
    for owner, kind, other, score in rows.order_by("product_id", "kind", "rank").values_list(
            "product_id", "kind", "recommended_id", "score"):
        lists[owner, kind].append((other, score))
    return lists


def _same(ranked: Ranked, stored: Ranked) -> bool:
    return len(ranked) == len(stored) and all(
        other == stored_other and math.isclose(score, stored_score, rel_tol=1e-9, abs_tol=1e-12)
        for (other, score), (stored_other, stored_score) in zip(ranked, stored, strict=True))


def recommendations_refresh_all() -> int:
    """Recompute every public product's lists (the hourly job); only lists that changed are
    written. Returns how many products were computed."""
    with CORPUS.lock:
        catalog = Catalog.load()
        interactions = Interactions()
        interactions.add_purchases(purchase_rows().iterator(chunk_size=5000))
        interactions.add_views(view_rows().iterator(chunk_size=5000))
        buyers, viewers = buyer_counts(), viewer_counts()
        popularity = Popularity(catalog, buyers)

        product_ids = sorted(catalog.category_of)
        for start in range(0, len(product_ids), 500):
            chunk = product_ids[start:start + 500]
            stored = _stored(ProductRecommendation.objects.filter(product_id__in=chunk))
            changed = {}
            for product_id in chunk:
                signals = product_signals(product_id, catalog, interactions, lambda ids: buyers, lambda ids: viewers)
                scores = signals.blend()
                padding = popularity.for_product(product_id)
                for kind in KINDS:
                    # The product's padding, bound to it (top_neighbours reads it at once).
                    ranked = top_neighbours(product_id, scores[kind], lambda padding=padding: padding)
                    if not _same(ranked, stored.get((product_id, kind), [])):
                        changed[product_id, kind] = ranked
            _replace(changed)
    ProductRecommendation.objects.exclude(product__in=Product.objects.public()).delete()
    cache.set(POPULAR_CACHE_KEY, popularity.ranked[:POPULAR_SIZE], POPULAR_TTL)
    return len(product_ids)


def recommendations_refresh_product(*, product_id: int) -> None:
    """Recompute one product's lists, and keep its place in its neighbours' lists (a new or
    renamed product shows up beside its neighbours at once, not at the next hourly run)."""
    recommendations_refresh_products(product_ids=[product_id])


def recommendations_refresh_products(*, product_ids: Iterable[int]) -> None:
    """recommendations_refresh_product() for several products at once (a bulk edit, an import):
    the catalog is read once for all of them."""
    with CORPUS.lock:
        catalog = Catalog.load()
        for product_id in dict.fromkeys(product_ids):
            _refresh_one(product_id, catalog)


def _refresh_one(product_id: int, catalog: Catalog) -> None:
    if product_id not in catalog.category_of:  # gone from the shop: nothing to recommend beside it
        ProductRecommendation.objects.filter(product_id=product_id).delete()
        return
    signals = product_signals(product_id, catalog, interactions_around(product_id), buyer_counts, viewer_counts)
    scores = signals.blend()
    popular: list[int] = []

    def padding() -> list[int]:
        if not popular:
            popular.extend(popular_for_product(catalog, product_id))
        return popular

    lists = {(product_id, kind): top_neighbours(product_id, scores[kind], padding) for kind in KINDS}
    neighbours = {other for ranked in lists.values() for other, score in ranked if score > 0}
    listing = ProductRecommendation.objects.filter(recommended_id=product_id).values("product_id")
    beside = _stored(ProductRecommendation.objects.filter(Q(product_id__in=listing) | Q(product_id__in=neighbours))
                     .exclude(product_id=product_id))
    for owner, _ in beside:  # lists it is in: their owners' scores are needed too
        if owner in catalog.recommendable and owner not in signals.content:
            signals.content[owner] = catalog.index.cosine(product_id, owner)
    lists |= _lists_beside(product_id, lists, signals.blend(), beside, catalog)
    _replace(lists)


def _lists_beside(product_id: int, own: dict[tuple[int, str], Ranked], scores: dict[str, dict[int, float]],
                  stored: dict[tuple[int, str], Ranked], catalog: Catalog) -> dict[tuple[int, str], Ranked]:
    """The lists of other products changed by this one (its scores are symmetric): it enters
    (or moves in) the lists of its best neighbours, and leaves those it no longer belongs to.
    Lists of products that cannot be recommended themselves wait for the hourly run."""
    recommendable = product_id in catalog.recommendable
    best = {kind: {other for other, score in own[product_id, kind] if score > 0} for kind in KINDS}
    changed = {}
    for (owner, kind), ranked in stored.items():
        if owner not in catalog.recommendable:
            continue
        listed = dict(ranked)
        score = scores[kind].get(owner, 0.0) if recommendable else 0.0
        if score > 0 and (owner in best[kind] or product_id in listed):
            updated = [(other, s) for other, s in ranked if other != product_id] + [(product_id, score)]
            updated = sorted(updated, key=lambda item: -item[1])[:TOP_K]  # stable: the padding keeps its order
        elif listed.get(product_id, 0.0) > 0 and recommendable:
            updated = [(other, s) for other, s in ranked if other != product_id]  # no longer a neighbour
        else:
            continue  # unchanged; an unavailable product is hidden when read, and back when it is
        if not _same(updated, ranked):
            changed[owner, kind] = updated
    return changed
