"""Django's Redis cache with connection pools shared by the whole process, and counters that
cannot outlive their expiry.

Django keeps one cache backend per request context, and its Redis client one connection pool
per backend: under an ASGI server every request would open new TCP connections to Redis.
Here every backend configured alike draws from the same pool, through one redis-py client per
pool: Django builds a new client for every cache call, and each new client copies redis-py's table
of ~170 response callbacks (five cache calls a catalog request made that a third of its Redis
time). A client over a pool is safe to share between threads.

Django's incr/decr ask EXISTS, then INCRBY: a key that expires between the two comes back as a
counter with no expiry, and a throttle built on it never opens again (or, given back, goes
negative for good). Here both steps are one script, which Redis runs atomically."""

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

# Adds to an existing key only; nil (None) when there is none.
INCR_EXISTING = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('incrby', KEYS[1], ARGV[1]) end"


class SharedPoolRedisCacheClient(RedisCacheClient):
    _shared_pools: dict = {}
    _shared_clients: dict = {}
    _shared_pools_lock = threading.Lock()

    def get_client(self, key=None, *, write=False):
        pool_key = self._pool_key(write)
        client = self._shared_clients.get(pool_key)
        if client is None:
            pool = self._get_connection_pool(write)
            with self._shared_pools_lock:
                client = self._shared_clients.setdefault(pool_key, self._client(connection_pool=pool))
        return client

    def _pool_key(self, write):
        server = self._servers[self._get_connection_pool_index(write)]
        return server, tuple(sorted((name, repr(value)) for name, value in self._pool_options.items()))

    def incr(self, key, delta):
        value = self.get_client(key, write=True).eval(INCR_EXISTING, 1, key, delta)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value

    def _get_connection_pool(self, write):
        key = self._pool_key(write)
        pool = self._shared_pools.get(key)
        if pool is None:
            with self._shared_pools_lock:
                pool = self._shared_pools.get(key)
                if pool is None:
                    pool = self._shared_pools[key] = self._pool_class.from_url(key[0], **self._pool_options)
        return pool


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient

    def redis_client(self, key):
        """The redis-py client serving `key` (a full key: make_and_validate_key), for what the cache
        API lacks (hashes, scripts)."""
        return self._cache.get_client(key, write=True)
