"""Caching of the public catalog (listings, details, category tree).

Keys carry generations instead of being hunted down: a product change bumps the catalog
generation (every cached listing becomes unreachable at once) and deletes that product's
detail; a seller's public profile change bumps that seller's generation, which every cached
detail of theirs records and is checked against on read, and the all-sellers generation that
listing keys carry. Stale entries just expire.
"""

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache

from accounts.cache import ANY_SELLER_KEY, seller_public_generation

CATALOG_GENERATION_KEY = "catalog:generation"
CATEGORY_TREE_KEY = "catalog:categories"


def _timeout() -> int:
    return settings.PUBLIC_CATALOG_CACHE_SECONDS


def enabled() -> bool:
    return settings.PUBLIC_CATALOG_CACHE_SECONDS > 0


def catalog_generation() -> int:
    generation = cache.get(CATALOG_GENERATION_KEY)
    if generation is None:
        cache.add(CATALOG_GENERATION_KEY, 1, timeout=None)
        generation = cache.get(CATALOG_GENERATION_KEY) or 1
    return generation


def catalog_changed(*product_ids: int) -> None:
    """A product (its fields, images, variants or stock) changed: no buyer may see the old one."""
    try:
        cache.incr(CATALOG_GENERATION_KEY)
    except ValueError:
        cache.add(CATALOG_GENERATION_KEY, 2, timeout=None)
    if product_ids:
        cache.delete_many([_detail_key(product_id) for product_id in product_ids])


def categories_changed() -> None:
    cache.delete(CATEGORY_TREE_KEY)
    catalog_changed()


def cached_listing(query_string: str, build: Callable[[], Any]) -> Any:
    if not enabled():
        return build()
    digest = hashlib.sha256(query_string.encode()).hexdigest()[:32]
    # Both generations in one round trip: this runs on every public listing request.
    generations = cache.get_many([CATALOG_GENERATION_KEY, ANY_SELLER_KEY])
    catalog = generations.get(CATALOG_GENERATION_KEY) or catalog_generation()
    key = f"catalog:list:{catalog}:{generations.get(ANY_SELLER_KEY, 0)}:{digest}"
    listing = cache.get(key)
    if listing is None:
        listing = build()
        cache.set(key, listing, _timeout())
    return listing


def _detail_key(product_id: int) -> str:
    return f"catalog:product:{product_id}"


def cached_detail(product_id: int, build: Callable[[], tuple[int, Any] | None]) -> Any:
    """`build()` returns (seller_id, body) or None for a product that is not public."""
    if not enabled():
        built = build()
        return built[1] if built else None
    entry = cache.get(_detail_key(product_id))
    if entry is not None:
        seller_id, generation, body = entry
        if generation == seller_public_generation(seller_id):
            return body
    built = build()
    if built is None:
        return None
    seller_id, body = built
    cache.set(_detail_key(product_id), (seller_id, seller_public_generation(seller_id), body), _timeout())
    return body


def cached_category_tree(build: Callable[[], Any]) -> Any:
    if not enabled():
        return build()
    tree = cache.get(CATEGORY_TREE_KEY)
    if tree is None:
        tree = build()
        cache.set(CATEGORY_TREE_KEY, tree, _timeout())
    return tree
