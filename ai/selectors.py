from datetime import timedelta

from django.db.models import Avg, Count, Q, Sum

from accounts.models import User
from ai.models import AIUsage
from ai.providers import provider_name
from ai.quota import QUOTA_WINDOW, quota_status, user_today


def usage_report(*, user: User, days: int) -> dict:
    """The user's AI calls summed per day and feature (newest first), with the quota's state."""
    today = user_today(user)
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
    quota = quota_status(user)
    return {
        "provider": provider_name(),
        "quota": {"limit": quota.limit, "window_hours": int(QUOTA_WINDOW.total_seconds() // 3600),
                  "used": quota.used, "remaining": quota.remaining, "frees_up_at": quota.frees_up_at},
        "days": report,
        "totals": totals,
    }
