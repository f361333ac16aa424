"""The notifications socket, through the served ASGI application and the configured channel
layer (in-memory here, Redis in CI's second run)."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.services import tokens_for_user
from notifications.models import Notification
from notifications.realtime import send_to_user
from notifications.services import notifications_mark_all_read, notify
from sellflow.asgi import application
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_socket_receives_counts_notifications_and_job_events():
    user = UserFactory()
    Notification.objects.create(user=user, type="chat", title="Earlier")
    stranger = UserFactory()
    token = tokens_for_user(user)["access"]

    async def scenario():
        socket = WebsocketCommunicator(application, f"/ws/notifications/?token={token}")
        connected, _ = await socket.connect()
        assert connected
        assert await socket.receive_json_from(timeout=2) == {"type": "unread_count", "unread": 1}

        await database_sync_to_async(notify)(user=user, type="order", title="New order", body="2 items",
                                             data={"order_id": 9})
        event = await socket.receive_json_from(timeout=2)
        assert event["type"] == "notification"
        assert (event["notification"]["title"], event["notification"]["type"], event["notification"]["data"]) == (
            "New order", "order", {"order_id": 9})
        assert await socket.receive_json_from(timeout=2) == {"type": "unread_count", "unread": 2}

        # Another user's notification never reaches this socket.
        await database_sync_to_async(notify)(user=stranger, type="order", title="Not yours")
        await database_sync_to_async(notifications_mark_all_read)(user=user)
        assert await socket.receive_json_from(timeout=2) == {"type": "unread_count", "unread": 0}

        # Other apps reuse the socket for job results.
        await database_sync_to_async(send_to_user)(user.pk, {"type": "job", "id": 4, "status": "done"})
        assert await socket.receive_json_from(timeout=2) == {"type": "job", "id": 4, "status": "done"}

        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_json_from(timeout=2) == {"type": "pong"}
        assert await socket.receive_nothing(timeout=0.2)
        await socket.disconnect()

    async_to_sync(scenario)()


def test_a_bad_token_is_refused():
    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/notifications/?token=nope")
        connected, _ = await socket.connect()
        output = await socket.receive_output(timeout=2)
        return output.get("code")

    assert async_to_sync(scenario)() == 4401


def test_events_are_json_serialisable():
    user = UserFactory()
    notification = notify(user=user, type="system", title="Welcome", data={"path": "/welcome"})

    from notifications.services import notification_event

    assert json.loads(json.dumps(notification_event(notification)))["notification"]["title"] == "Welcome"


def test_a_frames_notification_is_the_rest_lists_item(api_client):
    """The socket and the REST list say the same thing with the same names: `type` is the
    notification's kind inside the frame, as in GET /api/notifications/."""
    user = UserFactory()
    token = tokens_for_user(user)["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    async def scenario():
        socket = WebsocketCommunicator(application, f"/ws/notifications/?token={token}")
        assert (await socket.connect())[0]
        await socket.receive_json_from(timeout=2)  # the unread count
        await database_sync_to_async(notify)(user=user, type="payment", title="Payment received", body="GHS 179.98",
                                             data={"order_id": 3})
        frame = await socket.receive_json_from(timeout=2)
        await socket.disconnect()
        return frame

    frame = async_to_sync(scenario)()

    listed = api_client.get("/api/notifications/").json()
    assert frame == {"type": "notification", "notification": listed[0]}
    assert listed[0]["type"] == "payment" and "notification_type" not in frame["notification"]


def test_a_background_import_reports_on_the_socket():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from products.catalog_import.services import catalog_import_start

    seller = UserFactory()
    token = tokens_for_user(seller)["access"]
    upload = SimpleUploadedFile("c.csv", b"sku,name,price\nA-1,Stole,10.00\n")

    async def scenario():
        socket = WebsocketCommunicator(application, f"/ws/notifications/?token={token}")
        await socket.connect()
        await socket.receive_json_from(timeout=2)  # the unread count on connect
        # Committed at once here, so the (eager) import task runs right away.
        job = await database_sync_to_async(catalog_import_start)(seller=seller, upload=upload, dry_run=False)
        event = await socket.receive_json_from(timeout=2)
        await socket.disconnect()
        return job, event

    job, event = async_to_sync(scenario)()
    assert event["type"] == "job" and event["kind"] == "catalog_import"
    assert (event["id"], event["status"], event["created"]) == (job.pk, "done", 1)


def test_an_idle_socket_on_the_redis_layer_stays_open_and_receives(settings):
    """The layer's blocking read waits 5 s on Redis; a connection timing out at the same moment
    crashed every idle socket (1011). One slow test, on CI's Redis run only."""
    if "RedisChannelLayer" not in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
        pytest.skip("the in-memory channel layer has no Redis connection to time out")
    user = UserFactory()
    token = tokens_for_user(user)["access"]

    async def scenario():
        socket = WebsocketCommunicator(application, f"/ws/notifications/?token={token}")
        connected, _ = await socket.connect()
        assert connected
        await socket.receive_json_from(timeout=2)  # the unread count on connect
        assert await socket.receive_nothing(timeout=11, interval=0.5)

        await database_sync_to_async(notify)(user=user, type="order", title="After a quiet spell")
        event = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return event

    assert async_to_sync(scenario)()["notification"]["title"] == "After a quiet spell"
