"""Quotas of costly work per user (product images, decoded pixels, catalog imports; later marketing
sends, AI...), counted per period aligned on the UTC clock (a minute, an hour, a UTC day): a time
zone change cannot reset them, and the answer when one is spent is the same everywhere (429 with
Retry-After until its period ends).

Counts live in the database (QuotaUsage), not the cache: a cache forgets entries when it is full
or restarts, and a forgotten count is a quota given back."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rest_framework import status

from sellflow.exceptions import ApplicationError
from sellflow.models import QuotaUsage

MINUTE, HOUR, DAY = 60, 3600, 86400
# Kept past their period for the operator's eye, then pruned (the longest period is a day).
USAGE_RETENTION = timedelta(days=2)


class QuotaExceeded(ApplicationError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "quota_exceeded"
    message = "You have used today's quota for this."


@dataclass(frozen=True)
class Charge:
    """`amount` of `scope` counted against `quota` per period of `seconds` (0: no quota; a scope
    may have several periods). When it is spent the request is refused with `message` and `code`."""

    scope: str
    amount: int
    quota: int
    seconds: int
    message: str
    code: str = QuotaExceeded.code


def period_start(seconds: int, now: datetime | None = None) -> datetime:
    """The start of the period of `seconds` that holds `now`, aligned on the UTC clock (a day
    starts at UTC midnight)."""
    moment = int((now or timezone.now()).timestamp())
    return datetime.fromtimestamp(moment - moment % seconds, tz=UTC)


def utc_day_start() -> datetime:
    return period_start(DAY)


def seconds_left(seconds: int, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return max(int((period_start(seconds, now) + timedelta(seconds=seconds) - now).total_seconds()) + 1, 1)


def quota_refusal(*, kind: str, quota: int, used: int, message: str, seconds: int = DAY,
                  code: str = QuotaExceeded.code, requested: int | None = None) -> QuotaExceeded:
    wait = seconds_left(seconds)
    details = {"kind": kind, "period_seconds": seconds, "quota": quota, "used": used, "retry_after": wait}
    if requested is not None:
        details["requested"] = requested
    return QuotaExceeded(message, code=code, details=details, headers={"Retry-After": str(wait)})


def quotas_take(*, user_id: int, charges: list[Charge]) -> None:
    """Count every charge against its quota, all or none: the first one that would go past its
    quota raises (QuotaExceeded, 429) and nothing is counted. Each count is one conditional
    UPDATE, so parallel requests cannot all slip under a limit; the rows are taken in one order
    everywhere, so two requests of one user never deadlock. Work counted stays counted (deleting
    what it made gives nothing back)."""
    now = timezone.now()
    with transaction.atomic():
        for charge in sorted(charges, key=lambda charge: (charge.scope, charge.seconds)):
            if not charge.quota or charge.amount <= 0:
                continue
            start = period_start(charge.seconds, now)
            period = {"user_id": user_id, "scope": charge.scope, "period_seconds": charge.seconds,
                      "period_start": start}
            QuotaUsage.objects.bulk_create([QuotaUsage(**period)], ignore_conflicts=True)
            usage = QuotaUsage.objects.filter(**period)
            if not usage.filter(used__lte=charge.quota - charge.amount).update(used=F("used") + charge.amount):
                used = usage.values_list("used", flat=True).first() or 0
                raise quota_refusal(kind=charge.scope, quota=charge.quota, used=used, message=charge.message,
                                    seconds=charge.seconds, code=charge.code, requested=charge.amount)


def quota_usage_prune() -> int:
    """Delete the counts of periods long over."""
    deleted, _ = QuotaUsage.objects.filter(period_start__lt=timezone.now() - USAGE_RETENTION).delete()
    return deleted
