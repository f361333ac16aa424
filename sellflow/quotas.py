"""Daily quotas of costly work per user (image uploads, catalog imports...), counted per UTC day:
a time zone change cannot reset them, and the answer when spent is the same everywhere
(429 `quota_exceeded` with Retry-After until the next UTC midnight)."""

from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone
from rest_framework import status

from sellflow.exceptions import ApplicationError


class QuotaExceeded(ApplicationError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "quota_exceeded"
    message = "You have used today's quota for this."


def utc_day_start() -> datetime:
    return timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)  # now() is in UTC


def quota_refusal(*, kind: str, quota: int, used: int, message: str) -> QuotaExceeded:
    wait = max(int((utc_day_start() + timedelta(days=1) - timezone.now()).total_seconds()) + 1, 1)
    return QuotaExceeded(message, details={"kind": kind, "quota": quota, "used": used, "retry_after": wait},
                         headers={"Retry-After": str(wait)})


def daily_counter_take(*, kind: str, user_id: int, amount: int, quota: int, message: str) -> None:
    """Count `amount` against today's `quota` in the cache, or refuse (counting nothing) when it
    would go past it. One atomic increment: parallel requests cannot all slip under the limit.
    For work whose rows do not last (deleted images give nothing back)."""
    if not quota:
        return
    key = f"quota:{kind}:{user_id}:{utc_day_start():%Y%m%d}"
    cache.add(key, 0, timeout=2 * 24 * 3600)
    try:
        used = cache.incr(key, amount)
    except ValueError:  # evicted between the two calls
        cache.add(key, 0, timeout=2 * 24 * 3600)
        used = cache.incr(key, amount)
    if used > quota:
        cache.decr(key, amount)
        raise quota_refusal(kind=kind, quota=quota, used=used - amount, message=message)
