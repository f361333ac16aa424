"""Counters anyone can bump (product views and shares, later link clicks...): each client counts
once per thing within a window, so a script replaying a request cannot inflate them; and pending
counts, buffered in the cache and written to the database by a periodic flush."""

import hashlib
import threading
import time
from collections import Counter, defaultdict

from django.core.cache import cache, caches
from rest_framework.throttling import BaseThrottle

from sellflow.cache_backends import SharedPoolRedisCache


def client_key(request) -> str:
    """The signed-in user, else the client address exactly as the throttles take it (the last
    NUM_PROXIES hops of X-Forwarded-For, else the socket's address), hashed."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    address = BaseThrottle().get_ident(request) or ""
    return "ip:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def first_in_window(key: str, *, seconds: int) -> bool:
    """True the first time `key` is seen in `seconds` (0: every time). One add-if-absent in the
    cache, so two requests at once cannot both be first."""
    if seconds <= 0:
        return True
    return cache.add(f"once:{key}", 1, timeout=seconds)


# --- Pending counts: bumped per event in the cache, written to the database by a periodic flush --
#
# A hot counter column (a popular product's view_count) updated once per event makes every event
# wait on that row's lock. Instead, each event adds one to a per-member tally kept in one place per
# counter `name` (so the members with something pending are known without scanning keys), and a
# flush takes the whole tally out in one atomic step and writes it in one pass:
#   - take = read and reset together (one Lua script on Redis, one lock in process), so an event
#     arriving during a flush lands in a fresh tally and is written by the next flush: none lost,
#     none taken twice;
#   - the flush writes its batch in one transaction; if that fails, the batch is added back.
#     (A worker killed between the take and the commit loses that batch, a minute of counts at
#     most: keeping it until the commit instead could count it twice.)
# On Redis (SharedPoolRedisCache) the tally is a hash, HINCRBY per event, shared by every process.
# Any other cache (the embedded default's local memory) has it kept in this process, under a lock,
# beside the cache rather than in it: a cache may evict a key, and a pending count must never be.

# Reads the whole hash and deletes it, atomically: Redis runs a script alone.
TAKE_HASH = "local tally = redis.call('hgetall', KEYS[1]) redis.call('del', KEYS[1]) return tally"
# first_in_window and pending_add in one round trip: adds ARGV[3] to member ARGV[2] of the tally
# only if the window key was absent (then set for ARGV[1] seconds). Returns nil when it was there.
ADD_ONCE = ("if redis.call('set', KEYS[1], 1, 'NX', 'EX', ARGV[1]) then "
            "return redis.call('hincrby', KEYS[2], ARGV[2], ARGV[3]) end return nil")

_local_tallies: dict[str, Counter] = defaultdict(Counter)
_local_taken_at: dict[str, float] = {}
_local_lock = threading.Lock()


def _redis_client_and_key(name: str):
    """The raw Redis client and the hash's full key, or (None, None) on a cache that is not Redis."""
    backend = caches["default"]
    if not isinstance(backend, SharedPoolRedisCache):
        return None, None
    key = backend.make_and_validate_key(f"pending:{name}")
    return backend.redis_client(key), key


def pending_add(name: str, member: int, amount: int = 1) -> None:
    client, key = _redis_client_and_key(name)
    if client is not None:
        client.hincrby(key, str(member), amount)
        return
    with _local_lock:
        _local_tallies[name][member] += amount


def pending_add_once(name: str, member: int, *, once_key: str, seconds: int, amount: int = 1) -> bool:
    """pending_add, if `once_key` is first_in_window: True if counted. On Redis, one round trip."""
    client, key = _redis_client_and_key(name)
    if client is None or seconds <= 0:
        if not first_in_window(once_key, seconds=seconds):
            return False
        pending_add(name, member, amount)
        return True
    once = caches["default"].make_and_validate_key(f"once:{once_key}")
    return client.eval(ADD_ONCE, 2, once, key, seconds, str(member), amount) is not None


def pending_take(name: str) -> dict[int, int]:
    """Everything pending for `name`, which is reset in the same atomic step."""
    client, key = _redis_client_and_key(name)
    if client is not None:
        flat = client.eval(TAKE_HASH, 1, key)
        return {int(member): int(amount) for member, amount in zip(flat[::2], flat[1::2], strict=True)}
    with _local_lock:
        _local_taken_at[name] = time.monotonic()
        return dict(_local_tallies.pop(name, Counter()))


def pending_give_back(name: str, tally: dict[int, int]) -> None:
    """Return a batch that could not be written, to be taken again by the next flush."""
    client, key = _redis_client_and_key(name)
    if client is not None:
        pipeline = client.pipeline(transaction=True)
        for member, amount in tally.items():
            pipeline.hincrby(key, str(member), amount)
        pipeline.execute()
        return
    with _local_lock:
        _local_tallies[name].update(tally)


def pending_flush_due(name: str, *, seconds: int) -> bool:
    """For a tally kept in this process (no Redis, so no shared tally and no beat to flush it): True
    once `seconds` have passed since it was last taken, to one caller only. Always False on Redis,
    where the beat flushes."""
    if isinstance(caches["default"], SharedPoolRedisCache):
        return False
    with _local_lock:
        now = time.monotonic()
        last = _local_taken_at.setdefault(name, now)
        if now - last < seconds:
            return False
        _local_taken_at[name] = now
        return True


def pending_reset() -> None:
    """Forget this process's tallies (tests: nothing pending leaks from one test to the next)."""
    with _local_lock:
        _local_tallies.clear()
        _local_taken_at.clear()
