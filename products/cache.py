"""Caching of the public catalog (listings, details, category tree).

Every entry records the generation numbers it was built under, read *before* the database:
the catalog's (bumped by any product change), the product's own (for details) and the sellers'
public profiles' (accounts.cache). A reader uses an entry only if all still match, so a page
built from rows that changed meanwhile is never served, and a buyer never sees a stale price, a
deleted product or an old seller name. Generations restart from the clock if evicted.

Stock shown is on hand minus the orders' holds: holds coming and going bump the generations
(orders.services.stock), and an entry is not served past the moment the first hold it counted
lapses (`valid_until`), so a lapsed hold never keeps a product looking sold out.
"""

import hashlib
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from accounts.cache import SELLERS_GENERATION_KEY, bump_generation, read_generation

CATALOG_GENERATION_KEY = "catalog:generation"
# Categories and tags: their names appear in every product page.
TAXONOMY_GENERATION_KEY = "catalog:taxonomy-generation"
CATEGORY_TREE_KEY = "catalog:categories"


def enabled() -> bool:
    return settings.PUBLIC_CATALOG_CACHE_SECONDS > 0


def _product_generation_key(product_id: int) -> str:
    return f"catalog:product-generation:{product_id}"


def _generations(*keys: str) -> tuple:
    """Current values of generation counters, in one round trip when they all exist."""
    found = cache.get_many(keys)
    return tuple(found[key] if key in found else read_generation(key) for key in keys)


def catalog_cache_bump(*product_ids: int) -> None:
    """Products (fields, images, variants, stock, status) changed: bump the generations that
    cached pages of them were built under, so none is served again. Call after commit."""
    bump_generation(CATALOG_GENERATION_KEY)
    for product_id in product_ids:
        bump_generation(_product_generation_key(product_id))


def categories_changed() -> None:
    """Categories or tags were renamed, moved, hidden or removed: call after commit."""
    cache.delete(CATEGORY_TREE_KEY)
    bump_generation(TAXONOMY_GENERATION_KEY)
    bump_generation(CATALOG_GENERATION_KEY)


ValidUntil = Callable[[], datetime | None]


def _no_limit() -> None:
    return None


def _usable(entry, generations: tuple) -> bool:
    # (generations, value, valid_until); an entry of another shape was written by an older release.
    return (isinstance(entry, tuple) and len(entry) == 3 and entry[0] == generations
            and (entry[2] is None or timezone.now() < entry[2]))


def _store(key: str, generations: tuple, value: Any, valid_until: datetime | None, *,
           seconds: int | None = None) -> None:
    timeout = settings.PUBLIC_CATALOG_CACHE_SECONDS if seconds is None else seconds
    if valid_until is not None:
        timeout = min(timeout, max(1, math.ceil((valid_until - timezone.now()).total_seconds())))
    cache.set(key, (generations, value, valid_until), timeout)


def _cached(key: str, generations: tuple, build: Callable[[], Any], valid_until: ValidUntil) -> Any:
    entry = cache.get(key)
    if _usable(entry, generations):
        return entry[1]
    value = build()
    _store(key, generations, value, valid_until())
    return value


def cached_listing(request_key: str, build: Callable[[], Any], *, valid_until: ValidUntil = _no_limit) -> Any:
    """`valid_until()`, asked after `build()`, says until when what it built stays true (null: no limit)."""
    if not enabled():
        return build()
    generations = _generations(CATALOG_GENERATION_KEY, SELLERS_GENERATION_KEY)
    digest = hashlib.sha256(request_key.encode()).hexdigest()[:32]
    return _cached(f"catalog:list:{digest}", generations, build, valid_until)


def cached_counts(filters: str, count: Callable[[], tuple], *,
                  valid_until: Callable[[tuple], datetime | None]) -> tuple:
    """The counts of the public listing for a filter set (`filters`, the query without the page), as
    `count()` returns them (a plain tuple): what X-Total-Count shows. Kept under the generations a
    cached page is, so exact after any change, and kept even when pages are not cached: counting
    the catalog is the costly part of a cold page. The generations and the entry are one round trip.
    `valid_until(counts)` says until when they stay true."""
    seconds = settings.PUBLIC_CATALOG_COUNT_CACHE_SECONDS
    if seconds <= 0:
        return count()
    key = f"catalog:count:{hashlib.sha256(filters.encode()).hexdigest()[:32]}"
    generation_keys = (CATALOG_GENERATION_KEY, SELLERS_GENERATION_KEY)
    found = cache.get_many([*generation_keys, key])
    generations = tuple(found[k] if k in found else read_generation(k) for k in generation_keys)
    entry = found.get(key)
    if _usable(entry, generations):
        return entry[1]
    counts = count()
    _store(key, generations, counts, valid_until(counts), seconds=seconds)
    return counts


def cached_detail(product_id: int, origin: str, build: Callable[[], Any], *,
                  valid_until: ValidUntil = _no_limit) -> Any:
    """`build()` returns the body, or None for a product that is not public (not cached).
    `origin` (scheme and host) is part of the key: bodies hold absolute media URLs."""
    if not enabled():
        return build()
    generations = _generations(
        _product_generation_key(product_id), SELLERS_GENERATION_KEY, TAXONOMY_GENERATION_KEY
    )
    key = f"catalog:product:{product_id}:{hashlib.sha256(origin.encode()).hexdigest()[:16]}"
    entry = cache.get(key)
    if _usable(entry, generations):
        return entry[1]
    body = build()
    if body is not None:
        _store(key, generations, body, valid_until())
    return body


def cached_category_tree(build: Callable[[], Any]) -> Any:
    if not enabled():
        return build()
    return _cached(CATEGORY_TREE_KEY, (read_generation(CATALOG_GENERATION_KEY),), build, _no_limit)


def cached_suggestions(text: str, build: Callable[[], Any]) -> Any:
    """Type-ahead suggestions for what was typed so far: rebuilt when products, categories, sellers'
    public profiles (a deactivated seller's products leave) or synonyms (they bump the catalog's) change."""
    if not enabled():
        return build()
    generations = _generations(CATALOG_GENERATION_KEY, TAXONOMY_GENERATION_KEY, SELLERS_GENERATION_KEY)
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    return _cached(f"catalog:suggest:{digest}", generations, build, _no_limit)
