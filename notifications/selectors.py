from django.db.models import Count

from notifications.models import Notification, NotificationType


def unread_counts(user_id: int) -> dict:
    rows = (
        Notification.objects.filter(user_id=user_id, is_read=False)
        .values("type").annotate(count=Count("id")).order_by()
    )
    by_type = {choice: 0 for choice in NotificationType.values}
    for row in rows:
        by_type[row["type"]] = row["count"]
    return {"unread": sum(by_type.values()), "by_type": by_type}
