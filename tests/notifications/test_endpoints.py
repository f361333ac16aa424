from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import services
from notifications.models import Device, Notification, NotificationPreference
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client

pytestmark = pytest.mark.django_db

LIST = "/api/notifications/"


def make(user, n=1, **fields):
    kind = fields.get("type", "order")
    return [Notification.objects.create(user=user, type=kind, title=f"{kind} {i}",
                                        is_read=fields.get("is_read", False)) for i in range(n)]


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def client(owner):
    return authenticated_client(owner)


def test_list_newest_first_with_filters(client, owner):
    older, newer = make(owner, 2, type="order")
    (chat,) = make(owner, 1, type="chat", is_read=True)
    make(UserFactory(), 3)
    # Times that disagree with the ids: the list follows the time.
    now = timezone.now()
    for note, age in [(chat, 2), (older, 1), (newer, 3)]:
        Notification.objects.filter(pk=note.pk).update(created_at=now - timedelta(hours=age))

    everything = client.get(LIST)
    assert everything.status_code == 200
    assert everything["X-Total-Count"] == "3"
    assert [n["title"] for n in everything.json()] == ["order 0", "chat 0", "order 1"]
    assert len(client.get(LIST, {"is_read": "false"}).json()) == 2
    assert [n["type"] for n in client.get(LIST, {"type": "chat"}).json()] == ["chat"]
    assert client.get(LIST, {"type": "spam"}).status_code == 400


@pytest.mark.parametrize("page_size", [1, 100])
def test_list_query_count_is_fixed(client, owner, page_size, django_assert_max_num_queries):
    make(owner, 30)

    with django_assert_max_num_queries(3):  # user, count, page
        response = client.get(LIST, {"page_size": page_size})

    assert len(response.json()) == min(page_size, 30)


def test_detail_read_and_delete(client, owner, django_capture_on_commit_callbacks):
    (note,) = make(owner)

    assert client.get(f"{LIST}{note.pk}/").json()["is_read"] is False
    read = client.post(f"{LIST}{note.pk}/mark_as_read/")
    assert read.status_code == 200 and read.json()["is_read"] is True and read.json()["read_at"]
    assert client.post(f"{LIST}{note.pk}/mark_read/").status_code == 200  # alias, idempotent
    assert client.delete(f"{LIST}{note.pk}/").status_code == 204
    assert not Notification.objects.exists()


@pytest.mark.parametrize("method, path", [("get", ""), ("post", "mark_as_read/"), ("post", "mark_read/"),
                                          ("delete", "")])
def test_another_users_notification_is_404(client, method, path):
    (theirs,) = make(UserFactory())

    response = getattr(client, method)(f"{LIST}{theirs.pk}/{path}")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_read is False


def test_mark_all_read_and_count(client, owner):
    make(owner, 2, type="order")
    make(owner, 1, type="chat")
    make(owner, 1, type="chat", is_read=True)
    make(UserFactory(), 2)

    count = client.get(f"{LIST}count/").json()
    assert count["unread"] == 3
    assert count["by_type"]["order"] == 2 and count["by_type"]["chat"] == 1 and count["by_type"]["system"] == 0

    assert client.post(f"{LIST}mark_all_read/").json() == {"marked": 3}
    assert client.get(f"{LIST}count/").json()["unread"] == 0
    assert Notification.objects.filter(is_read=False).count() == 2  # the other user's


def test_preferences_created_on_first_read_and_updated(client, owner):
    first = client.get(f"{LIST}preferences/").json()
    assert first["in_app_enabled"] is True and first["email_daily_digest"] is False

    document_body = {"in_app_enabled": True, "order_notifications": True, "chat_notifications": False,
                     "email_enabled": True, "email_daily_digest": True}
    put = client.put(f"{LIST}preferences/", document_body, format="json")
    assert put.status_code == 200
    assert put.json()["chat_notifications"] is False and put.json()["email_daily_digest"] is True

    patch = client.patch(f"{LIST}preferences/", {"quiet_hours_start": "22:00", "quiet_hours_end": "07:00"},
                         format="json")
    assert patch.json()["quiet_hours_start"] == "22:00"
    assert client.patch(f"{LIST}preferences/", {"quiet_hours_start": None}, format="json").status_code == 400
    assert client.patch(f"{LIST}preferences/", {"email_enabled": "often"}, format="json").status_code == 400
    assert client.patch(f"{LIST}preferences/", {"quiet_hours_end": "25:00"}, format="json").status_code == 400


@pytest.mark.django_db(transaction=True)  # so the after-commit work runs inside the request, as served
def test_a_read_state_change_answers_done_with_the_sockets_down(client, owner, channel_layer_down):
    first, second, third = make(owner, 3)

    assert client.post(f"{LIST}{first.pk}/mark_as_read/").status_code == 200
    assert client.delete(f"{LIST}{second.pk}/").status_code == 204
    assert client.post(f"{LIST}mark_all_read/").json() == {"marked": 1}
    assert set(Notification.objects.values_list("pk", "is_read")) == {(first.pk, True), (third.pk, True)}


def test_a_preferences_change_keeps_what_it_did_not_name(client, owner, monkeypatch):
    services.preferences_for(owner)
    claimed_at = timezone.now().replace(microsecond=0)
    save = NotificationPreference.save

    def save_after_a_concurrent_change(preference, *args, **kwargs):
        # Between the request's read and its write: the morning digest claims its send, and
        # another tab turns chat notifications off.
        NotificationPreference.objects.filter(pk=preference.pk).update(last_digest_at=claimed_at,
                                                                       chat_notifications=False)
        save(preference, *args, **kwargs)

    monkeypatch.setattr(NotificationPreference, "save", save_after_a_concurrent_change)

    response = client.patch(f"{LIST}preferences/", {"quiet_hours_start": "22:00", "quiet_hours_end": "07:00"},
                            format="json")

    assert response.status_code == 200
    preference = NotificationPreference.objects.get(user=owner)
    assert preference.last_digest_at == claimed_at  # no second digest this morning
    assert preference.chat_notifications is False
    assert preference.quiet_hours_start.hour == 22


def test_devices(client, owner):
    device = {"platform": "android", "token": "fcm-token-1:APA91b-0123456789"}
    response = client.post(f"{LIST}devices/", device, format="json")
    assert response.status_code == 201
    assert "token" not in response.json()
    # The same token registered again (even by another account on the device) is one device.
    other_client = authenticated_client(UserFactory())
    other_client.post(f"{LIST}devices/", device, format="json")
    assert Device.objects.count() == 1
    device = Device.objects.get()
    assert client.delete(f"{LIST}devices/{device.pk}/").status_code == 404  # it is the other account's now
    assert other_client.delete(f"{LIST}devices/{device.pk}/").status_code == 204
    assert client.post(f"{LIST}devices/", {"platform": "blackberry", "token": "x"}, format="json").status_code == 400


def test_needs_login(api_client):
    assert api_client.get(LIST).status_code == 401
