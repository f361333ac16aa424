"""The notifications app's Celery tasks: each takes ids, re-fetches, and calls a service imported in its body."""

from celery import shared_task
from django.utils import timezone

from accounts.models import User
from notifications.models import Device
from notifications.push import PushMessage


@shared_task
def send_notification_email(user_id: int, template_key: str, notification: dict) -> None:
    from notifications.services import notification_email_send

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    notification_email_send(user=user, template_key=template_key, notification=notification)


@shared_task
def send_push(user_id: int, message: dict) -> int:
    """Fan a push out to each of the user's devices, one task per device so that one slow or
    failing provider retries on its own."""
    from notifications.services import push_fan_out

    return push_fan_out(user_id=user_id, message=message)


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
    from notifications.services import digests_queue_due

    return digests_queue_due(now=timezone.now())


@shared_task
def send_digest(user_id: int) -> None:
    from notifications.services import digest_send

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    digest_send(user=user)


@shared_task
def prune_read_notifications() -> int:
    from notifications.services import notifications_prune

    return notifications_prune(now=timezone.now())
