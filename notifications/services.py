"""The one way apps tell a user something: `notify()`. It honours the user's preferences,
stores the in-app notification, and after the surrounding transaction commits pushes it to the
user's sockets and queues its email and push. Also the read-state changes, device registrations,
push fan-out and delivery to one device, the notification emails and the daily digest."""

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.models import User
from notifications.emails import send_templated_email
from notifications.errors import DeviceRegisteredElsewhere
from notifications.models import Device, DevicePlatform, Notification, NotificationPreference, NotificationType
from notifications.push import (
    PushError,
    PushMessage,
    PushTemporaryError,
    TokenGone,
    parse_web_subscription,
    sender_for,
)
from notifications.realtime import send_to_user
from notifications.selectors import unread_counts
from notifications.serializers import NotificationSerializer
from notifications.tasks import deliver_push as deliver_push_task
from notifications.tasks import send_digest as send_digest_task
from notifications.tasks import send_notification_email as send_notification_email_task
from notifications.tasks import send_push as send_push_task
from sellflow.celery import TransientError
from sellflow.transactions import after_commit

logger = logging.getLogger(__name__)

DEDUPE_WITHOUT_ROW_SECONDS = 30 * 24 * 3600
DIGEST_MAX_ITEMS = 30


def preferences_for(user: User) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    return preference


def notification_event(notification: Notification) -> dict:
    """The socket frame: its `type` says what the frame is, as every frame's does; the notification
    inside is exactly what the REST list answers for it, its own `type` included."""
    return {"type": "notification", "notification": NotificationSerializer(notification).data}


def _push_unread_count(user_id: int) -> None:
    send_to_user(user_id, {"type": "unread_count", "unread": unread_counts(user_id)["unread"]})


def in_quiet_hours(preference: NotificationPreference, *, timezone_name: str, now: datetime) -> bool:
    """Whether `now` falls in the user's quiet hours, read in their own time zone. The window
    may wrap midnight (22:00 to 07:00)."""
    start, end = preference.quiet_hours_start, preference.quiet_hours_end
    if start is None or end is None or start == end:
        return False
    try:
        local = now.astimezone(ZoneInfo(timezone_name)).time()
    except (ZoneInfoNotFoundError, ValueError):
        local = now.time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


def notify(*, user: User, type: str, title: str, body: str = "", data: dict | None = None, dedupe_key: str = "",
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
                        user=user, type=type, title=title[:200], body=body[:2000], data=data,
                        dedupe_key=dedupe_key[:200],
                    )
            except IntegrityError:
                return None  # this event was already told (same dedupe key)

        # Nothing after commit may turn the committed change into an error: a channel layer or
        # broker hiccup is logged, and the notification stays readable in the list.
        if notification is not None:
            after_commit(send_to_user, user.pk, notification_event(notification))
            after_commit(_push_unread_count, user.pk)
        deliveries = []
        # The digest sums up the in-app list each morning instead of an email each time; a system
        # notice does not wait, and with in-app delivery off there is no list to sum up.
        digested = preference.email_daily_digest and notification is not None and type != NotificationType.SYSTEM
        if preference.email_enabled and user.email and not digested:
            deliveries.append(partial(
                send_notification_email_task.delay, user.pk, email_template,
                {"type": type, "title": title[:200], "body": body[:2000], "data": data},
            ))
        if preference.push_enabled and not in_quiet_hours(preference, timezone_name=user.timezone, now=timezone.now()):
            message = PushMessage(notification_id=notification.pk if notification else None, type=type,
                                  title=title[:200], body=body[:2000], data=data)
            deliveries.append(partial(send_push_task.delay, user.pk, message.as_dict()))
        if notification is None and dedupe_key:
            after_commit(_deliver_once, user.pk, dedupe_key, deliveries)
        else:
            for deliver in deliveries:
                after_commit(deliver)
    return notification


def _deliver_once(user_id: int, dedupe_key: str, deliveries: list[Callable[[], object]]) -> None:
    """With in-app delivery off no row holds the dedupe key, so a cache marker does. It is set
    after commit: a rolled-back attempt must not silence the retry that follows it."""
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()
    try:
        if not cache.add(f"notifications:told:{user_id}:{digest}", 1, DEDUPE_WITHOUT_ROW_SECONDS):
            return  # this event was already told
    except Exception:
        # Better a rare duplicate than a lost notice.
        logger.exception("dedupe marker of a notification to user %s not set; delivering anyway", user_id)
    for deliver in deliveries:
        try:
            deliver()
        except Exception:
            logger.exception("queueing a notification delivery to user %s failed", user_id)


def notify_operators(*, title: str, body: str = "", data: dict | None = None, dedupe_key: str = "") -> None:
    """Tell every active operator (staff) something that needs a person: a system notification."""
    for operator in User.objects.filter(is_staff=True, is_active=True):
        notify(user=operator, type=NotificationType.SYSTEM, title=title, body=body, data=data,
               dedupe_key=dedupe_key)


def notification_mark_read(*, notification: Notification) -> Notification:
    unread = Notification.objects.filter(pk=notification.pk, is_read=False)
    updated = unread.update(is_read=True, read_at=timezone.now())
    notification.refresh_from_db()
    if updated:
        after_commit(_push_unread_count, notification.user_id)
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    count = Notification.objects.filter(user=user, is_read=False).update(is_read=True, read_at=timezone.now())
    if count:
        after_commit(_push_unread_count, user.pk)
    return count


def notification_delete(*, notification: Notification) -> None:
    was_unread = not notification.is_read
    notification.delete()
    if was_unread:
        after_commit(_push_unread_count, notification.user_id)


def preferences_update(*, user: User, data: dict[str, Any]) -> NotificationPreference:
    preference = preferences_for(user)
    for field, value in data.items():
        setattr(preference, field, value)
    # Only the fields asked for: a concurrent change of the others, and the digest's claim on
    # last_digest_at, are kept.
    preference.save(update_fields=[*data, "updated_at"])
    return preference


@transaction.atomic
def device_register(*, user: User, platform: str, token: str) -> Device:
    """Register a push token for this user; the same token is one device. A token another
    account holds changes hands only as device_hand_over allows. A user keeps at most
    PUSH_MAX_DEVICES_PER_USER devices: registering one more forgets the longest unseen."""
    identity = token
    if platform == DevicePlatform.WEB:
        # A browser subscription is its endpoint: a re-subscription with new keys replaces them.
        subscription = parse_web_subscription(token)
        token = json.dumps(subscription, sort_keys=True, separators=(",", ":"))
        identity = subscription["endpoint"]
    token_hash = hashlib.sha256(identity.encode()).hexdigest()
    device = Device.objects.select_for_update().select_related("user").filter(token_hash=token_hash).first()
    if device is None:
        try:
            with transaction.atomic():
                device = Device.objects.create(user=user, platform=platform, token=token, token_hash=token_hash)
        except IntegrityError:
            # Registered a moment ago by a concurrent request: it goes through the owner check.
            device = Device.objects.select_for_update().select_related("user").get(token_hash=token_hash)
    if device.user_id != user.pk:
        device_hand_over(device=device, token=token)
    device.user, device.platform, device.token = user, platform, token
    device.save()
    stale = Device.objects.filter(user=user).order_by("-last_seen", "-pk").values_list("pk", flat=True)[
        settings.PUSH_MAX_DEVICES_PER_USER:
    ]
    Device.objects.filter(pk__in=list(stale)).delete()
    return device


def device_hand_over(*, device: Device, token: str) -> None:
    """Let a device registered to another account go to whoever posted `token`, or refuse.

    A Web Push endpoint is a URL that can leak (logs, error reports), but the subscription's keys
    (p256dh, auth) stay in the browser: only the same full subscription proves the browser, so
    anything less is refused and the owner keeps their pushes. An FCM token is all the app has:
    whoever posts it holds the device, so it moves, and the previous owner is told."""
    if device.platform == DevicePlatform.WEB and not constant_time_compare(device.token, token):
        raise DeviceRegisteredElsewhere()
    notify(user=device.user, type=NotificationType.SYSTEM, title="A device of yours was registered to another account",
           body=f"Your {device.get_platform_display()} device now gets the push notifications of another SellFlow "
                "account, and no longer yours. If that was not you, sign in on that device again and change your "
                "password.",
           data={"platform": device.platform})


def notification_email_send(*, user: User, template_key: str, notification: dict) -> None:
    """Email one notification (as notify() stored it) with its template; its path, when it has
    one, becomes a link into the app."""
    path = (notification.get("data") or {}).get("path")
    link = f"{settings.FRONTEND_URL}{path}" if isinstance(path, str) and path.startswith("/") else None
    send_templated_email(to=user.email, key=template_key,
                         context={"user": user, "notification": notification, "link": link})


def push_fan_out(*, user_id: int, message: dict) -> int:
    """Queue a push to each of the user's devices, one task per device so that one slow or
    failing provider retries on its own. Returns how many were queued."""
    device_ids = list(Device.objects.filter(user_id=user_id, user__is_active=True).values_list("pk", flat=True))
    for device_id in device_ids:
        deliver_push_task.delay(device_id, message)
    return len(device_ids)


def push_deliver(*, device: Device, message: PushMessage) -> str:
    """Send one push to one device: "sent", "skipped" (provider not configured), "deleted" (the
    provider says the token is gone) or "failed" (refused for good). Transient failures raise
    TransientError so the task retries with backoff."""
    sender = sender_for(device.platform)
    if sender is None:
        return "skipped"
    try:
        sender.send(device.token, message)
    except TokenGone as exc:
        # The provider's word is on the token (for Web Push, the endpoint) itself. Registering it
        # again, by any account, updates this same row (update_or_create on token_hash) rather
        # than adding one, so the row goes whoever holds it now.
        Device.objects.filter(pk=device.pk).delete()
        logger.info("push token of device %s is gone (%s): device deleted", device.pk, exc)
        return "deleted"
    except PushTemporaryError as exc:
        raise TransientError(str(exc)) from exc
    except PushError as exc:
        logger.warning("push to device %s refused: %s", device.pk, exc)
        return "failed"
    return "sent"


# --- Jobs -------------------------------------------------------------------------------------

def digests_due(*, now: datetime) -> list[int]:
    """Claim today's digest for every user whose local morning hour it is now. Each user is
    claimed with one conditional UPDATE, so two beats (or a retried task) send it once."""
    due = []
    candidates = NotificationPreference.objects.filter(
        email_daily_digest=True, email_enabled=True, user__is_active=True
    ).exclude(user__email="").select_related("user")
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


def digests_queue_due(*, now: datetime) -> int:
    """Queue the digest of each user whose local morning it is (digests_due claims them);
    returns how many."""
    due = digests_due(now=now)
    for user_id in due:
        send_digest_task.delay(user_id)
    return len(due)


def digest_send(*, user: User) -> None:
    """Email the user a summary of their unread notifications, newest first (at most
    DIGEST_MAX_ITEMS listed, with how many more); nothing unread, no email."""
    unread = list(Notification.objects.filter(user=user, is_read=False).order_by("-created_at")[: DIGEST_MAX_ITEMS + 1])
    if not unread:
        return  # nothing to sum up: no email
    total = Notification.objects.filter(user=user, is_read=False).count()
    send_templated_email(to=user.email, key="daily_digest", context={
        "user": user, "notifications": unread[:DIGEST_MAX_ITEMS], "total": total,
        "more": max(total - DIGEST_MAX_ITEMS, 0), "link": f"{settings.FRONTEND_URL}/notifications",
    })


def notifications_prune(*, now: datetime) -> int:
    cutoff = now - timedelta(days=settings.NOTIFICATION_RETENTION_DAYS)
    deleted, _ = Notification.objects.filter(is_read=True, created_at__lt=cutoff).delete()
    return deleted
