"""The one way apps tell a user something: `notify()`. It honours the user's preferences,
stores the in-app notification, and after the surrounding transaction commits pushes it to the
user's sockets and queues its email. Also the reads-state changes and device registrations."""

import hashlib
from datetime import timedelta
from functools import partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from notifications import tasks
from notifications.models import Device, Notification, NotificationPreference
from notifications.realtime import send_to_user
from notifications.selectors import unread_counts

DEDUPE_WITHOUT_ROW_SECONDS = 30 * 24 * 3600


def preferences_for(user) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    return preference


def notification_event(notification: Notification) -> dict:
    return {
        "type": "notification",
        "id": notification.pk,
        "notification_type": notification.type,
        "title": notification.title,
        "body": notification.body,
        "data": notification.data,
        "is_read": notification.is_read,
        "created_at": notification.created_at.isoformat().replace("+00:00", "Z"),
    }


def _push_unread_count(user_id: int) -> None:
    send_to_user(user_id, {"type": "unread_count", "unread": unread_counts(user_id)["unread"]})


def notify(*, user, type: str, title: str, body: str = "", data: dict | None = None, dedupe_key: str = "",
           email_template: str = "notification") -> Notification | None:
    """Tell `user` something. Returns the stored notification, or None when the user's
    preferences turn this type off, in-app delivery is off, or the event was already told."""
    preference = preferences_for(user)
    if not preference.allows(type):
        return None
    data = data or {}

    with transaction.atomic():
        notification = None
        if preference.in_app_enabled:
            try:
                with transaction.atomic():
                    notification = Notification.objects.create(
                        user=user, type=type, title=title[:200], body=body[:2000], data=data, dedupe_key=dedupe_key[:200]
                    )
            except IntegrityError:
                return None  # this event was already told (same dedupe key)
        elif dedupe_key:
            digest = hashlib.sha256(dedupe_key.encode()).hexdigest()
            if not cache.add(f"notifications:told:{user.pk}:{digest}", 1, DEDUPE_WITHOUT_ROW_SECONDS):
                return None

        if notification is not None:
            transaction.on_commit(partial(send_to_user, user.pk, notification_event(notification)))
            transaction.on_commit(partial(_push_unread_count, user.pk))
        if preference.email_enabled and user.email:
            transaction.on_commit(partial(
                tasks.send_notification_email.delay, user.pk, email_template,
                {"type": type, "title": title[:200], "body": body[:2000], "data": data},
            ))
    return notification


def notification_mark_read(*, notification: Notification) -> Notification:
    updated = Notification.objects.filter(pk=notification.pk, is_read=False).update(is_read=True, read_at=timezone.now())
    notification.refresh_from_db()
    if updated:
        transaction.on_commit(partial(_push_unread_count, notification.user_id))
    return notification


def notifications_mark_all_read(*, user) -> int:
    count = Notification.objects.filter(user=user, is_read=False).update(is_read=True, read_at=timezone.now())
    if count:
        transaction.on_commit(partial(_push_unread_count, user.pk))
    return count


def notification_delete(*, notification: Notification) -> None:
    was_unread = not notification.is_read
    notification.delete()
    if was_unread:
        transaction.on_commit(partial(_push_unread_count, notification.user_id))


def preferences_update(*, user, data: dict) -> NotificationPreference:
    preference = preferences_for(user)
    for field, value in data.items():
        setattr(preference, field, value)
    preference.save()
    return preference


def device_register(*, user, platform: str, token: str) -> Device:
    """Register (or move to this user) a push token; the same token is one device."""
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    device, _ = Device.objects.update_or_create(
        token_hash=token_hash, defaults={"user": user, "platform": platform, "token": token}
    )
    return device


# --- Jobs -------------------------------------------------------------------------------------

def digests_due(*, now) -> list[int]:
    """Claim today's digest for every user whose local morning hour it is now. Each user is
    claimed with one conditional UPDATE, so two beats (or a retried task) send it once."""
    due = []
    candidates = NotificationPreference.objects.filter(
        email_daily_digest=True, email_enabled=True, user__is_active=True
    ).select_related("user")
    for preference in candidates.iterator(chunk_size=500):
        try:
            local = now.astimezone(ZoneInfo(preference.user.timezone))
        except (ZoneInfoNotFoundError, ValueError):
            continue
        if local.hour != settings.NOTIFICATION_DIGEST_HOUR:
            continue
        morning = local.replace(hour=settings.NOTIFICATION_DIGEST_HOUR, minute=0, second=0, microsecond=0)
        claimed = NotificationPreference.objects.filter(
            Q(last_digest_at__isnull=True) | Q(last_digest_at__lt=morning), pk=preference.pk
        ).update(last_digest_at=now)
        if claimed:
            due.append(preference.user_id)
    return due


def notifications_prune(*, now) -> int:
    cutoff = now - timedelta(days=settings.NOTIFICATION_RETENTION_DAYS)
    deleted, _ = Notification.objects.filter(is_read=True, created_at__lt=cutoff).delete()
    return deleted
