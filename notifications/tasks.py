from celery import shared_task

from accounts.models import User
from notifications.emails import send_templated_email


@shared_task
def send_notification_email(user_id: int, template_key: str, notification: dict) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    from django.conf import settings

    path = (notification.get("data") or {}).get("path")
    link = f"{settings.FRONTEND_URL}{path}" if isinstance(path, str) and path.startswith("/") else None
    send_templated_email(to=user.email, key=template_key,
                         context={"user": user, "notification": notification, "link": link})
