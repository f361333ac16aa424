"""The notify() service: preferences, dedupe, after-commit delivery, email rendering."""

import logging

import pytest
from django.core import mail
from django.db import transaction

from notifications import services, tasks
from notifications.models import Notification, NotificationTemplate
from notifications.services import notify, preferences_for
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(email="ama@example.com", first_name="Ama")


def tell(user, **extra):
    fields = {"type": "order", "title": "New order SF12345678", "body": "Kente stole x 2",
              "data": {"order_id": 7, "path": "/orders/7"}}
    return notify(user=user, **{**fields, **extra})


@pytest.fixture
def told(monkeypatch):
    """What reached the user's sockets and the push queue."""
    calls = {"socket": [], "push": []}
    monkeypatch.setattr(services, "send_to_user", lambda user_id, event: calls["socket"].append(event))
    monkeypatch.setattr(tasks.send_push, "delay", lambda user_id, message: calls["push"].append(message))
    return calls


def off(user, switch):
    preference = preferences_for(user)
    setattr(preference, switch, False)
    preference.save()


def digest_reader(user):
    preference = preferences_for(user)
    preference.email_daily_digest = True
    preference.save()


def test_stores_and_emails_after_commit(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = tell(user)

    assert Notification.objects.get() == notification
    assert notification.data == {"order_id": 7, "path": "/orders/7"}
    assert len(callbacks) == 4  # socket event, unread count, email, push
    message = mail.outbox[0]
    assert message.subject == "New order SF12345678"
    assert "Kente stole x 2" in message.body
    assert "http://localhost:3000/orders/7" in message.body
    html = message.alternatives[0][0]
    assert "SellFlow" in html and "Kente stole x 2" in html and "Change them" in html


@pytest.mark.parametrize("in_app", [True, False])
def test_a_rolled_back_transaction_never_notifies(user, in_app, told, django_capture_on_commit_callbacks):
    if not in_app:
        off(user, "in_app_enabled")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                tell(user, dedupe_key="order:7:placed")
                raise RuntimeError("the order failed")
        except RuntimeError:
            pass

    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []
    assert told == {"socket": [], "push": []}


def test_with_in_app_off_a_retry_after_a_rollback_is_told(user, told, django_capture_on_commit_callbacks):
    off(user, "in_app_enabled")
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                tell(user, dedupe_key="order:7:placed")
                raise RuntimeError("the order failed")
        except RuntimeError:
            pass

    with django_capture_on_commit_callbacks(execute=True):
        tell(user, dedupe_key="order:7:placed")  # the task's retry, which commits
    with django_capture_on_commit_callbacks(execute=True):
        tell(user, dedupe_key="order:7:placed")  # a second retry: already told

    assert len(mail.outbox) == 1
    assert len(told["push"]) == 1


def test_with_in_app_off_a_cache_outage_still_tells(user, told, monkeypatch, caplog,
                                                    django_capture_on_commit_callbacks):
    class CacheDown:
        def add(self, *args, **kwargs):
            raise ConnectionError("cache unreachable")

    off(user, "in_app_enabled")
    monkeypatch.setattr(services, "cache", CacheDown())

    with django_capture_on_commit_callbacks(execute=True), caplog.at_level(logging.ERROR):
        assert tell(user, dedupe_key="order:7:placed") is None  # no error for the caller's transaction

    assert len(mail.outbox) == 1
    assert len(told["push"]) == 1
    assert "delivering anyway" in caplog.text


def test_a_channel_layer_outage_after_commit_is_not_the_callers_error(user, channel_layer_down,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = tell(user)

    assert Notification.objects.get() == notification  # still in the list
    assert len(mail.outbox) == 1  # and the email still went


def test_a_digest_reader_gets_no_instant_email(user, told, django_capture_on_commit_callbacks):
    digest_reader(user)

    with django_capture_on_commit_callbacks(execute=True):
        notification = tell(user)

    assert notification is not None and len(told["push"]) == 1  # in the list and on the phone
    assert mail.outbox == []  # tomorrow morning, in the digest


def test_a_digest_reader_still_gets_system_notices_by_email(user, django_capture_on_commit_callbacks):
    digest_reader(user)

    with django_capture_on_commit_callbacks(execute=True):
        tell(user, type="system", title="Your password was changed")

    assert [m.subject for m in mail.outbox] == ["Your password was changed"]


def test_a_digest_reader_without_in_app_notifications_gets_instant_emails(user, django_capture_on_commit_callbacks):
    digest_reader(user)
    off(user, "in_app_enabled")

    with django_capture_on_commit_callbacks(execute=True):
        tell(user)

    assert len(mail.outbox) == 1  # the digest sums up the in-app list, which is empty


def test_a_dedupe_key_notifies_once(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = tell(user, dedupe_key="payment:evt_123")
        again = tell(user, dedupe_key="payment:evt_123")
        other = tell(user, dedupe_key="payment:evt_124")

    assert first is not None and again is None and other is not None
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 2


def test_the_same_key_for_two_users_is_two_events(user):
    assert tell(user, dedupe_key="k") and tell(UserFactory(), dedupe_key="k")


@pytest.mark.parametrize("switch, kind", [
    ("order_notifications", "order"), ("payment_notifications", "payment"), ("chat_notifications", "chat"),
    ("product_notifications", "product"), ("social_notifications", "social"),
    ("campaign_notifications", "campaign"),
])
def test_each_type_can_be_switched_off(user, switch, kind, django_capture_on_commit_callbacks):
    preference = preferences_for(user)
    setattr(preference, switch, False)
    preference.save()

    with django_capture_on_commit_callbacks(execute=True):
        assert tell(user, type=kind) is None

    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_system_notifications_cannot_be_switched_off(user):
    assert tell(user, type="system") is not None


def test_in_app_off_still_emails_and_still_dedupes(user, django_capture_on_commit_callbacks):
    preference = preferences_for(user)
    preference.in_app_enabled = False
    preference.save()

    with django_capture_on_commit_callbacks(execute=True):
        assert tell(user, dedupe_key="once") is None
        tell(user, dedupe_key="once")

    assert not Notification.objects.exists()
    assert len(mail.outbox) == 1


def test_email_off(user, django_capture_on_commit_callbacks):
    preference = preferences_for(user)
    preference.email_enabled = False
    preference.save()

    with django_capture_on_commit_callbacks(execute=True):
        tell(user)

    assert Notification.objects.count() == 1
    assert mail.outbox == []


def test_an_operator_template_rewords_the_email(user, django_capture_on_commit_callbacks):
    NotificationTemplate.objects.create(
        key="notification", subject="[Shop] {{ notification.title }}",
        text_body="Akwaaba {{ user.first_name }}! {{ notification.body }}",
        html_body="<p>Akwaaba <b>{{ user.first_name }}</b></p>",
    )

    with django_capture_on_commit_callbacks(execute=True):
        tell(user)

    message = mail.outbox[0]
    assert message.subject == "[Shop] New order SF12345678"
    assert message.body == "Akwaaba Ama! Kente stole x 2"
    assert "<b>Ama</b>" in message.alternatives[0][0]


def test_a_broken_template_falls_back_to_the_shipped_default(user, django_capture_on_commit_callbacks):
    NotificationTemplate.objects.create(key="notification", subject="{% if %}", text_body="x")

    with django_capture_on_commit_callbacks(execute=True):
        tell(user)

    assert mail.outbox[0].subject == "New order SF12345678"


TRICKY = {"title": "Kofi's order & co <3 — Ɔdɔ", "body": "2 × \"Kente\" & <b>stole</b>\nPaid ₵89.99"}


def test_plain_text_is_sent_as_written_and_html_escaped(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tell(user, **TRICKY)

    message = mail.outbox[0]
    assert message.subject == "Kofi's order & co <3 — Ɔdɔ"
    assert "Kofi's order & co <3 — Ɔdɔ" in message.body
    assert '2 × "Kente" & <b>stole</b>\nPaid ₵89.99' in message.body
    html = message.alternatives[0][0]
    assert "Kofi&#x27;s order &amp; co &lt;3 — Ɔdɔ" in html
    assert "&lt;b&gt;stole&lt;/b&gt;<br>Paid ₵89.99" in html


def test_an_operator_template_sends_plain_text_as_written_too(user, django_capture_on_commit_callbacks):
    NotificationTemplate.objects.create(
        key="notification", subject="[Shop] {{ notification.title }}", text_body="{{ notification.body }}",
        html_body="<p>{{ notification.title }}</p>",
    )

    with django_capture_on_commit_callbacks(execute=True):
        tell(user, **TRICKY)

    message = mail.outbox[0]
    assert message.subject == "[Shop] Kofi's order & co <3 — Ɔdɔ"
    assert message.body == '2 × "Kente" & <b>stole</b>\nPaid ₵89.99'
    assert "<p>Kofi&#x27;s order &amp; co &lt;3 — Ɔdɔ</p>" in message.alternatives[0][0]


def test_a_template_without_html_sends_its_text_as_html(user, django_capture_on_commit_callbacks):
    NotificationTemplate.objects.create(
        key="notification", subject="{{ notification.title }}",
        text_body="Akwaaba {{ user.first_name }}!\n\n{{ notification.body }}", html_body="",
    )

    with django_capture_on_commit_callbacks(execute=True):
        tell(user, **TRICKY)

    html = mail.outbox[0].alternatives[0][0]
    assert "<p>Akwaaba Ama!</p>" in html
    assert "<p>2 × &quot;Kente&quot; &amp; &lt;b&gt;stole&lt;/b&gt;<br>Paid ₵89.99</p>" in html


def test_an_unknown_template_sends_the_generic_email(user, caplog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), caplog.at_level(logging.WARNING):
        tell(user, email_template="order_shipped")  # no row, no shipped default

    message = mail.outbox[0]
    assert message.subject == "New order SF12345678"
    assert "Kente stole x 2" in message.body
    assert "order_shipped" in caplog.text
