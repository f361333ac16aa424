"""The JWT query-string middleware in front of every WebSocket route."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import path
from rest_framework_simplejwt.tokens import AccessToken

from accounts.services import session_logout, tokens_for_user
from sellflow.asgi import application
from sellflow.ws_auth import JWTQueryStringAuthMiddleware
from tests.accounts.factories import UserFactory

# Consumers run in other threads: they must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


class WhoAmIConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        await self.accept()
        await self.send_json({"user_id": self.scope["user"].pk})


protected = JWTQueryStringAuthMiddleware(URLRouter([path("ws/whoami/", WhoAmIConsumer.as_asgi())]))


def open_socket(app, url: str) -> dict:
    """Connect, then report what the server did: its first message, or the close code."""

    async def scenario():
        communicator = WebsocketCommunicator(app, url)
        connected, close_code = await communicator.connect()
        outcome = {"connected": connected, "close_code": close_code, "message": None}
        if connected:
            output = await communicator.receive_output(timeout=2)
            if output["type"] == "websocket.close":
                outcome["close_code"] = output.get("code")
            else:
                outcome["message"] = output.get("text")
                await communicator.disconnect()
        return outcome

    return async_to_sync(scenario)()


def test_a_valid_token_reaches_the_consumer_as_its_user():
    user = UserFactory()
    access = tokens_for_user(user)["access"]

    outcome = open_socket(protected, f"/ws/whoami/?token={access}")

    assert outcome["close_code"] is None
    assert outcome["message"] == f'{{"user_id": {user.pk}}}'


@pytest.mark.parametrize("query", ["", "?token=", "?token=garbage", "?other=1"])
def test_missing_or_malformed_tokens_close_4401(query):
    outcome = open_socket(protected, f"/ws/whoami/{query}")

    assert outcome["close_code"] == 4401
    assert outcome["message"] is None


def test_expired_token_closes_4401():
    token = AccessToken.for_user(UserFactory())
    token.set_exp(lifetime=-timedelta(seconds=1))

    assert open_socket(protected, f"/ws/whoami/?token={token}")["close_code"] == 4401


def test_refresh_token_is_not_an_access_token():
    refresh = tokens_for_user(UserFactory())["refresh"]

    assert open_socket(protected, f"/ws/whoami/?token={refresh}")["close_code"] == 4401


def test_token_of_a_logged_out_session_closes_4401():
    user = UserFactory()
    tokens = tokens_for_user(user)
    session_logout(user=user, refresh=tokens["refresh"], access_token=AccessToken(tokens["access"]))

    assert open_socket(protected, f"/ws/whoami/?token={tokens['access']}")["close_code"] == 4401


def test_token_from_before_a_password_change_closes_4401():
    user = UserFactory()
    access = tokens_for_user(user)["access"]
    user.set_password("A-completely-new-one-9")
    user.save()

    assert open_socket(protected, f"/ws/whoami/?token={access}")["close_code"] == 4401


def test_inactive_user_closes_4401():
    user = UserFactory()
    access = tokens_for_user(user)["access"]
    user.is_active = False
    user.save()

    assert open_socket(protected, f"/ws/whoami/?token={access}")["close_code"] == 4401


def test_the_served_application_checks_tokens_before_routing():
    assert open_socket(application, "/ws/anything/?token=bad")["close_code"] == 4401


def test_unknown_socket_path_closes_4404_for_a_signed_in_user():
    access = tokens_for_user(UserFactory())["access"]

    assert open_socket(application, f"/ws/no-such-socket/?token={access}")["close_code"] == 4404
