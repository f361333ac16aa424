"""Django's Redis cache with connection pools shared by the whole process.

Django keeps one cache backend per request context, and its Redis client one connection pool
per backend: under an ASGI server every request would open new TCP connections to Redis.
Here every backend configured alike draws from the same pool."""

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedPoolRedisCacheClient(RedisCacheClient):
    _shared_pools: dict = {}
    _shared_pools_lock = threading.Lock()

    def _get_connection_pool(self, write):
        server = self._servers[self._get_connection_pool_index(write)]
        key = (server, tuple(sorted((name, repr(value)) for name, value in self._pool_options.items())))
        pool = self._shared_pools.get(key)
        if pool is None:
            with self._shared_pools_lock:
                pool = self._shared_pools.get(key)
                if pool is None:
                    pool = self._shared_pools[key] = self._pool_class.from_url(server, **self._pool_options)
        return pool


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient
