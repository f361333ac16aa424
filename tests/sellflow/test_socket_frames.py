"""Frames on a signed-in socket (sellflow.consumers.SessionConsumer, here /ws/notifications/) go
through the same JSON checks as request bodies: a frame that is not JSON a handler can take is
answered with an error frame, and the socket stays open for the next one."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from accounts.services import tokens_for_user
from sellflow.asgi import application
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def exchange(frame: dict) -> tuple[dict, dict]:
    """Sends one frame on a fresh notifications socket; returns the answer, then the answer to a ping."""
    token = tokens_for_user(UserFactory())["access"]

    async def scenario():
        socket = WebsocketCommunicator(application, f"/ws/notifications/?token={token}")
        connected, _ = await socket.connect()
        assert connected
        assert (await socket.receive_json_from(timeout=2))["type"] == "unread_count"
        await socket.send_input({"type": "websocket.receive", **frame})
        answer = await socket.receive_json_from(timeout=2)
        await socket.send_json_to({"type": "ping"})
        pong = await socket.receive_json_from(timeout=2)
        await socket.disconnect()
        return answer, pong

    return async_to_sync(scenario)()


@pytest.mark.parametrize(("frame", "error"), [
    pytest.param({"text": "{"}, "The frame is not valid JSON", id="not JSON"),
    pytest.param({"text": ""}, "The frame is not valid JSON", id="empty"),
    pytest.param({"text": "[" * 100_000 + "]" * 100_000}, "nested more than 64 levels", id="deep"),
    pytest.param({"text": '{"type": "\\ud800"}'}, "not valid Unicode", id="lone surrogate"),
    pytest.param({"text": '{"type": "ping", "note\\u0000": 1}'}, "NUL character", id="NUL in a key"),
    pytest.param({"text": '{"type": NaN}'}, "The frame is not valid JSON", id="NaN"),
    pytest.param({"bytes": b'{"type": "ping"}'}, "Frames are JSON text", id="binary"),
])
def test_a_frame_that_is_not_usable_json_gets_an_error_and_the_socket_stays_open(frame, error):
    answer, pong = exchange(frame)

    assert answer["type"] == "error"
    assert answer["code"] == "invalid"
    assert error in answer["error"]
    assert pong == {"type": "pong"}


def test_a_valid_frame_still_reaches_the_handler():
    answer, pong = exchange({"text": '{"type": "ping", "note": "\\ud83d\\ude00"}'})

    assert answer == pong == {"type": "pong"}
