"""The daily digest and the pruning of old notifications, on a fake clock."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from accounts.models import User
from notifications import tasks
from notifications.models import Notification
from notifications.services import digests_due, notifications_prune, preferences_for
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def digest_user(tz="Africa/Accra", **preference):
    user = UserFactory(timezone=tz)
    pref = preferences_for(user)
    pref.email_daily_digest = True
    for field, value in preference.items():
        setattr(pref, field, value)
    pref.save()
    return user


def at(hour_utc: int, day: int = 21) -> datetime:
    return datetime(2026, 11, day, hour_utc, 5, tzinfo=UTC)


def test_digests_are_due_at_each_users_local_morning():
    accra = digest_user("Africa/Accra")  # UTC+0
    lagos = digest_user("Africa/Lagos")  # UTC+1
    digest_user("Africa/Accra", email_enabled=False)
    UserFactory()  # never asked for one

    assert digests_due(now=at(7)) == [lagos.pk]
    assert digests_due(now=at(8)) == [accra.pk]
    assert digests_due(now=at(8)) == []  # claimed: a second beat sends nothing
    assert digests_due(now=at(8, day=22)) == [accra.pk]  # the next morning


def test_no_digest_is_due_without_an_email_address():
    without_email = digest_user()
    User.objects.filter(pk=without_email.pk).update(email="")

    assert digests_due(now=at(8)) == []
    assert preferences_for(without_email).last_digest_at is None  # nothing claimed either


def test_the_digest_sums_up_unread_notifications():
    user = digest_user(first_name="Ama")
    Notification.objects.create(user=user, type="order", title="New order SF1", body="Kente stole")
    Notification.objects.create(user=user, type="chat", title="Message from Kofi")
    Notification.objects.create(user=user, type="chat", title="Old news", is_read=True)

    tasks.send_digest.delay(user.pk)

    (message,) = mail.outbox
    assert message.subject == "2 unread notifications on SellFlow"
    assert "New order SF1: Kente stole" in message.body and "Message from Kofi" in message.body
    assert "Old news" not in message.body
    assert "<b>2</b>" in message.alternatives[0][0]


def test_no_digest_without_unread_notifications():
    user = digest_user()

    tasks.send_digest.delay(user.pk)

    assert mail.outbox == []


def test_the_beat_task_sends_the_due_digests(monkeypatch):
    user = digest_user()
    Notification.objects.create(user=user, type="system", title="Welcome")
    monkeypatch.setattr(tasks.timezone, "now", lambda: at(8))

    assert tasks.send_daily_digests.delay().get() == 1
    assert len(mail.outbox) == 1


def test_old_read_notifications_are_pruned(settings):
    settings.NOTIFICATION_RETENTION_DAYS = 30
    user = UserFactory()
    old_read = Notification.objects.create(user=user, type="order", title="old read", is_read=True)
    old_unread = Notification.objects.create(user=user, type="order", title="old unread")
    recent_read = Notification.objects.create(user=user, type="order", title="recent read", is_read=True)
    Notification.objects.filter(pk__in=[old_read.pk, old_unread.pk]).update(created_at=at(8) - timedelta(days=31))
    Notification.objects.filter(pk=recent_read.pk).update(created_at=at(8) - timedelta(days=2))

    assert notifications_prune(now=at(8)) == 1
    assert set(Notification.objects.values_list("title", flat=True)) == {"old unread", "recent read"}
