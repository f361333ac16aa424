"""The notify() service: preferences, dedupe, after-commit delivery, email rendering."""

import pytest
from django.core import mail
from django.db import transaction

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


def test_a_rolled_back_transaction_never_notifies(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                tell(user)
                raise RuntimeError("the order failed")
        except RuntimeError:
            pass

    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


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
