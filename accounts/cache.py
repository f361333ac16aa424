"""A generation number per seller's public profile (name, company, city, avatar), bumped on
every change, so that caches holding that profile (the public catalog) know it is stale."""

from django.core.cache import cache


def _key(seller_id: int) -> str:
    return f"accounts:seller-public:{seller_id}"


def seller_public_generation(seller_id: int) -> int:
    return cache.get(_key(seller_id)) or 0


def seller_public_changed(seller_id: int) -> None:
    try:
        cache.incr(_key(seller_id))
    except ValueError:
        cache.set(_key(seller_id), 1, timeout=None)
