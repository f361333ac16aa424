"""Counters in the production cache (Redis) never outlive their expiry: a throttle's counter
that lost its expiry would keep its client at 429 for good, or, given back, below zero."""

import pytest
import redis
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from sellflow.throttling import count_use


@pytest.fixture(autouse=True)
def _on_redis():
    if not isinstance(caches["default"], RedisCache):
        pytest.skip("the production cache is Redis (CI's second run)")


def redis_client():
    return cache._cache.get_client(None, write=True)


def test_a_counter_expiring_while_it_is_counted_is_not_brought_back_without_expiry(monkeypatch):
    count_use("race", seconds=60)
    key = cache.make_key("race")
    real_exists = redis.Redis.exists

    def exists_then_expire(client, *names):
        answer = real_exists(client, *names)
        client.delete(*names)  # the key's time runs out right after the question
        return answer

    monkeypatch.setattr(redis.Redis, "exists", exists_then_expire)

    count_use("race", seconds=60)

    assert 0 < redis_client().ttl(key) <= 60  # whichever window it counted in, it ends


def test_giving_back_to_a_counter_that_is_gone_creates_nothing():
    with pytest.raises(ValueError):
        cache.decr("gone")

    assert redis_client().exists(cache.make_key("gone")) == 0


def test_counting_keeps_the_windows_expiry():
    count_use("window", seconds=30)
    count_use("window", seconds=30)
    cache.decr("window")

    assert cache.get("window") == 1
    assert 0 < redis_client().ttl(cache.make_key("window")) <= 30
