from datetime import timedelta

from django.conf import settings
from django.db.models import Avg, Count, Q, Sum

from ai.models import AIUsage
from ai.providers import provider_name
from ai.services import spent_today, user_today


def usage_report(*, user, days: int) -> dict:
    """The user's AI calls summed per day and feature (newest first), with today's quota."""
    today, midnight = user_today(user)
    rows = (
        AIUsage.objects.filter(user=user, day__gt=today - timedelta(days=days))
        .values("day", "feature")
        .annotate(requests=Count("id"), succeeded=Count("id", filter=Q(success=True)),
                  failed=Count("id", filter=Q(success=False) & ~Q(error="")),
                  prompt_tokens=Sum("prompt_tokens"), completion_tokens=Sum("completion_tokens"),
                  average_latency_ms=Avg("latency_ms", filter=Q(success=True)))
        .order_by("-day", "feature")
    )
    report = [
        {"date": row["day"], "feature": row["feature"], "requests": row["requests"], "succeeded": row["succeeded"],
         "failed": row["failed"], "prompt_tokens": row["prompt_tokens"] or 0,
         "completion_tokens": row["completion_tokens"] or 0,
         "average_latency_ms": round(row["average_latency_ms"]) if row["average_latency_ms"] is not None else None}
        for row in rows
    ]
    totals = {key: sum(row[key] for row in report)
              for key in ("requests", "succeeded", "failed", "prompt_tokens", "completion_tokens")}
    quota = settings.AI_DAILY_QUOTA or None
    used = spent_today(user, today)
    return {
        "provider": provider_name(),
        "quota": {"limit": quota, "used_today": used, "remaining": max(quota - used, 0) if quota else None,
                  "resets_at": midnight},
        "days": report,
        "totals": totals,
    }
