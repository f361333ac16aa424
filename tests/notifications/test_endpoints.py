import pytest

from notifications.models import Device, Notification
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client

pytestmark = pytest.mark.django_db

LIST = "/api/notifications/"


def make(user, n=1, **fields):
    return [Notification.objects.create(user=user, type=fields.get("type", "order"), title=f"Note {i}",
                                        is_read=fields.get("is_read", False)) for i in range(n)]


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def client(owner):
    return authenticated_client(owner)


def test_list_newest_first_with_filters(client, owner):
    make(owner, 2, type="order")
    make(owner, 1, type="chat", is_read=True)
    make(UserFactory(), 3)

    everything = client.get(LIST)
    assert everything.status_code == 200
    assert everything["X-Total-Count"] == "3"
    assert [n["title"] for n in everything.json()][0] == "Note 0"  # the chat note, created last
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


def test_devices(client, owner):
    response = client.post(f"{LIST}devices/", {"platform": "android", "token": "fcm-token-1:APA91b-0123456789"}, format="json")
    assert response.status_code == 201
    assert "token" not in response.json()
    # The same token registered again (even by another account on the device) is one device.
    other_client = authenticated_client(UserFactory())
    other_client.post(f"{LIST}devices/", {"platform": "android", "token": "fcm-token-1:APA91b-0123456789"}, format="json")
    assert Device.objects.count() == 1
    device = Device.objects.get()
    assert client.delete(f"{LIST}devices/{device.pk}/").status_code == 404  # it is the other account's now
    assert other_client.delete(f"{LIST}devices/{device.pk}/").status_code == 204
    assert client.post(f"{LIST}devices/", {"platform": "blackberry", "token": "x"}, format="json").status_code == 400


def test_needs_login(api_client):
    assert api_client.get(LIST).status_code == 401
