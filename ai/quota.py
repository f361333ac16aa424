"""The AI quota: AI_DAILY_QUOTA generations in any 24 hours, counted from the usage rows. A
rolling window, not calendar days: a day ends when the user's time zone says so, and switching
zones would start a fresh one."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from ai.models import AIUsage

QUOTA_WINDOW = timedelta(hours=24)


def user_today(user: User | None) -> date:
    """The user's calendar day, in their own time zone: what the usage report groups by."""
    zone = ZoneInfo(user.timezone) if user and user.timezone else timezone.get_current_timezone()
    return timezone.localtime(timezone=zone).date()


def counted_calls(user: User | None, *, now: datetime) -> QuerySet[AIUsage]:
    # Calls in flight hold their place; a failed call gives it back unless the provider wrote
    # (and billed) an answer that was then rejected.
    return AIUsage.objects.filter(Q(success=True) | Q(error="") | Q(completion_tokens__gt=0), user=user,
                                  created_at__gt=now - QUOTA_WINDOW)


@dataclass(frozen=True)
class QuotaStatus:
    limit: int | None  # None: no quota
    used: int  # counted calls in the last 24 hours
    frees_up_at: datetime | None  # when the oldest of them leaves the window

    @property
    def remaining(self) -> int | None:
        return max(self.limit - self.used, 0) if self.limit else None


def quota_status(user: User, *, now: datetime | None = None) -> QuotaStatus:
    now = now or timezone.now()
    window = counted_calls(user, now=now).aggregate(used=Count("id"), oldest=Min("created_at"))
    oldest = window["oldest"]
    return QuotaStatus(limit=settings.AI_DAILY_QUOTA or None, used=window["used"],
                       frees_up_at=oldest + QUOTA_WINDOW if oldest else None)


def seconds_until_a_call_frees_up(user: User, *, limit: int, used: int, now: datetime) -> int:
    """With `used` calls counted against `limit`, how long until one more may run: until the
    call that brings the count below the limit leaves the window."""
    leaving = counted_calls(user, now=now).order_by("created_at").values_list("created_at", flat=True)[used - limit]
    return max(int((leaving + QUOTA_WINDOW - now).total_seconds()) + 1, 1)
