"""Messages sent over the chat socket are sends like REST's: they count in the user's one send
bucket (ChatSendThrottle), and keep the AI suggestion flag for the stats."""

import pytest
from asgiref.sync import async_to_sync

from chat.models import Message
from tests.chat.conftest import send
from tests.chat.test_socket import open_chat, rest, stored

pytestmark = pytest.mark.django_db(transaction=True)


def test_socket_and_rest_sends_share_the_users_bucket(seller, buyer, buyer_client, conversation, throttle_rates):
    throttle_rates(chat_send="2/minute")

    async def scenario():
        socket = await open_chat(buyer)
        assert (await rest(send, buyer_client, conversation["id"], "Over REST")).status_code == 201
        delivered = [await socket.receive_json_from(timeout=2)]
        for content in ("Over the socket", "One too many"):
            await socket.send_json_to({"type": "chat_message", "conversation_id": conversation["id"],
                                       "content": content})
            delivered.append(await socket.receive_json_from(timeout=2))
        refused_over_rest = await rest(send, buyer_client, conversation["id"], "Still too many")
        await socket.send_json_to({"type": "typing", "conversation_id": conversation["id"], "is_typing": False})
        assert await socket.receive_nothing(timeout=0.2)  # still open, nothing else spent
        await socket.disconnect()
        return delivered, refused_over_rest

    (rest_frame, socket_frame, refused), refused_over_rest = async_to_sync(scenario)()
    assert (rest_frame["content"], socket_frame["content"]) == ("Over REST", "Over the socket")
    assert (refused["type"], refused["code"], refused["frame"]) == ("error", "throttled", "chat_message")
    assert 0 < refused["details"]["retry_after"] <= 60
    assert refused_over_rest.status_code == 429 and refused_over_rest.json()["code"] == "throttled"
    assert stored(conversation["id"]) == [(1, "Over REST"), (2, "Over the socket")]


def test_the_bucket_is_per_user(seller, buyer, conversation, throttle_rates):
    throttle_rates(chat_send="1/minute")

    async def scenario():
        received = []
        for user, content in ((buyer, "From the buyer"), (seller, "From the seller")):
            socket = await open_chat(user)
            await socket.send_json_to({"type": "chat_message", "conversation_id": conversation["id"],
                                       "content": content})
            received.append(await socket.receive_json_from(timeout=2))
            await socket.disconnect()
        return received

    assert [frame["type"] for frame in async_to_sync(scenario)()] == ["chat_message", "chat_message"]


@pytest.mark.parametrize(("metadata", "kept"), [({"ai_suggestion": True}, {"ai_suggestion": True}),
                                                ({"ai_suggestion": False}, {}), (None, {})])
def test_a_socket_send_keeps_the_ai_suggestion_flag_as_rest_does(metadata, kept, seller, seller_client, buyer_client,
                                                                  conversation):
    send(buyer_client, conversation["id"], "Which colours?")
    frame = {"type": "chat_message", "conversation_id": conversation["id"], "content": "Brown and black."}
    if metadata is not None:
        frame["metadata"] = metadata

    async def scenario():
        socket = await open_chat(seller)
        await socket.send_json_to(frame)
        answer = await socket.receive_json_from(timeout=2)
        await socket.disconnect()
        return answer

    answer = async_to_sync(scenario)()
    assert (answer["type"], answer["metadata"]) == ("chat_message", kept)
    assert Message.objects.get(sequence=2).metadata == kept
    used = seller_client.get("/api/chat/stats/").json()["ai_suggestions"]["used"]
    assert used == (1 if kept else 0)


def test_an_invalid_metadata_flag_is_refused(seller, conversation):
    async def scenario():
        socket = await open_chat(seller)
        await socket.send_json_to({"type": "chat_message", "conversation_id": conversation["id"], "content": "Hi",
                                   "metadata": {"ai_suggestion": "maybe"}})
        answer = await socket.receive_json_from(timeout=2)
        await socket.disconnect()
        return answer

    answer = async_to_sync(scenario)()
    assert (answer["type"], answer["code"]) == ("error", "invalid") and "metadata" in answer["details"]
    assert not Message.objects.exists()


def test_socket_read_marks_count_in_the_bucket(seller, buyer, buyer_client, conversation, throttle_rates):
    throttle_rates(chat_send="1/minute")

    async def scenario():
        socket = await open_chat(seller)
        frames = []
        for _ in range(2):
            await socket.send_json_to({"type": "read", "conversation_id": conversation["id"]})
            frames.append(await socket.receive_json_from(timeout=2))
        await socket.disconnect()
        return frames

    read, refused = async_to_sync(scenario)()
    assert read["type"] == "read"
    assert (refused["type"], refused["code"], refused["frame"]) == ("error", "throttled", "read")
