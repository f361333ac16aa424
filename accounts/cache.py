"""A generation number of sellers' public profiles (name, company, city, avatar, active),
bumped whenever one of them changes, so caches that hold such profiles (the public catalog)
know they are stale. Profile edits are rare next to catalog reads, so one number for all
sellers keeps readers to a single extra key."""

import time

from django.core.cache import cache

SELLERS_GENERATION_KEY = "accounts:sellers-public:generation"

# What buyers see of a seller (display_name is made of the names and account type, never the
# email): a change to any of these makes cached catalog pages stale.
PUBLIC_PROFILE_FIELDS = frozenset(
    {"first_name", "last_name", "company_name", "city", "country", "bio", "avatar", "account_type", "is_active"}
)


def bump_generation(key: str) -> None:
    """Advance a generation counter. A counter lost to eviction restarts from the clock, above
    every value it had, so entries cached under an old number can never match again."""
    try:
        cache.incr(key)
    except ValueError:
        cache.add(key, time.time_ns(), timeout=None) or cache.incr(key)


def read_generation(key: str) -> int:
    value = cache.get(key)
    if value is None:
        cache.add(key, time.time_ns(), timeout=None)
        value = cache.get(key)
    return value


def sellers_public_changed() -> None:
    bump_generation(SELLERS_GENERATION_KEY)
