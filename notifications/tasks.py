from celery import shared_task
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from notifications.emails import send_templated_email
from notifications.models import Device, Notification
from notifications.push import PushMessage

DIGEST_MAX_ITEMS = 30


@shared_task
def send_notification_email(user_id: int, template_key: str, notification: dict) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    path = (notification.get("data") or {}).get("path")
    link = f"{settings.FRONTEND_URL}{path}" if isinstance(path, str) and path.startswith("/") else None
    send_templated_email(to=user.email, key=template_key,
                         context={"user": user, "notification": notification, "link": link})


@shared_task
def send_push(user_id: int, message: dict) -> int:
    """Fan a push out to each of the user's devices, one task per device so that one slow or
    failing provider retries on its own."""
    device_ids = list(Device.objects.filter(user_id=user_id, user__is_active=True).values_list("pk", flat=True))
    for device_id in device_ids:
        deliver_push.delay(device_id, message)
    return len(device_ids)


@shared_task
def deliver_push(device_id: int, message: dict) -> str:
    from notifications.services import push_deliver

    device = Device.objects.filter(pk=device_id).first()
    if device is None:
        return "gone"  # unregistered, or deleted by an earlier attempt
    return push_deliver(device=device, message=PushMessage(**message))


@shared_task
def send_daily_digests() -> int:
    """Hourly: queue the digest of each user whose local morning it is."""
    from notifications.services import digests_due

    due = digests_due(now=timezone.now())
    for user_id in due:
        send_digest.delay(user_id)
    return len(due)


@shared_task
def send_digest(user_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    unread = list(Notification.objects.filter(user=user, is_read=False).order_by("-created_at")[: DIGEST_MAX_ITEMS + 1])
    if not unread:
        return  # nothing to sum up: no email
    total = Notification.objects.filter(user=user, is_read=False).count()
    send_templated_email(to=user.email, key="daily_digest", context={
        "user": user, "notifications": unread[:DIGEST_MAX_ITEMS], "total": total,
        "more": max(total - DIGEST_MAX_ITEMS, 0), "link": f"{settings.FRONTEND_URL}/notifications",
    })


@shared_task
def prune_read_notifications() -> int:
    from notifications.services import notifications_prune

    return notifications_prune(now=timezone.now())
