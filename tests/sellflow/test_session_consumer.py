"""sellflow.consumers.SessionConsumer, the base of every signed-in socket: it closes with 4401
when its access token expires, and a session ended while the socket was opening cannot slip
through between the handshake's check and the socket joining its sessions group."""

import time
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from accounts.services import session_logout, tokens_for_user
from notifications.consumers import NotificationConsumer
from sellflow.asgi import application
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_socket_closes_when_its_access_token_expires(monkeypatch):
    monkeypatch.setattr(AccessToken, "lifetime", timedelta(seconds=2))
    access = tokens_for_user(UserFactory())["access"]
    expires_at = AccessToken(access)["exp"]

    async def scenario():
        socket = WebsocketCommunicator(application, f"/ws/notifications/?token={access}")
        connected, _ = await socket.connect()
        assert connected
        assert (await socket.receive_json_from(timeout=2))["type"] == "unread_count"
        closed = await socket.receive_output(timeout=5)
        closed_at = time.time()
        await socket.disconnect()
        return closed, closed_at

    closed, closed_at = async_to_sync(scenario)()
    assert closed == {"type": "websocket.close", "code": 4401}
    assert expires_at <= closed_at < expires_at + 2


@pytest.mark.parametrize("access_sent", [True, False], ids=["with-access-token", "refresh-token-only"])
def test_a_session_ended_while_the_socket_was_opening_closes_it(access_sent):
    user = UserFactory()
    tokens = tokens_for_user(user)
    # The handshake's check passed a moment before this logout committed.
    checked_token = AccessToken(tokens["access"])
    session_logout(user=user, refresh=tokens["refresh"],
                   access_token=AccessToken(tokens["access"]) if access_sent else None)

    async def scenario():
        socket = WebsocketCommunicator(NotificationConsumer.as_asgi(), "/ws/notifications/")
        socket.scope.update(user=user, access_token=checked_token)
        connected, _ = await socket.connect()
        closed = await socket.receive_output(timeout=2)
        await socket.disconnect()
        return connected, closed

    connected, closed = async_to_sync(scenario)()
    assert connected
    # Closed before the feed sent anything, the unread count included.
    assert closed == {"type": "websocket.close", "code": 4401}
