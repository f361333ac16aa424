"""Generation numbers of sellers' public profiles (name, company, city, avatar), bumped on
every change, so that caches holding a profile (the public catalog) know it is stale: one per
seller, for what shows one seller, and one for all, for what shows many."""

from django.core.cache import cache

ANY_SELLER_KEY = "accounts:seller-public:any"


def _key(seller_id: int) -> str:
    return f"accounts:seller-public:{seller_id}"


def seller_public_generation(seller_id: int) -> int:
    return cache.get(_key(seller_id)) or 0


def seller_public_changed(seller_id: int) -> None:
    for key in (_key(seller_id), ANY_SELLER_KEY):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=None)
