"""The chat socket, /ws/chat/, through the served ASGI application and the configured channel layer
(in-memory here, Redis in CI's second run): the inbox's frames, sending, typing, reading and
syncing over it, membership on every frame, its limits, and its end with the session."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from accounts.services import tokens_for_user, user_revoke_all_sessions
from chat.models import Message
from sellflow.asgi import application
from tests.accounts.factories import UserFactory
from tests.chat.conftest import messages_url, send

pytestmark = pytest.mark.django_db(transaction=True)


def access_of(user) -> str:
    return tokens_for_user(user)["access"]


async def open_chat(user_or_access) -> WebsocketCommunicator:
    """A connected chat socket of the user (a new session), or of an access token."""
    access = user_or_access if isinstance(user_or_access, str) else await database_sync_to_async(access_of)(
        user_or_access)
    socket = WebsocketCommunicator(application, f"/ws/chat/?token={access}")
    connected, _ = await socket.connect()
    assert connected
    return socket


async def close_code(socket: WebsocketCommunicator) -> int:
    output = await socket.receive_output(timeout=2)
    assert output["type"] == "websocket.close", output
    return output["code"]


async def rest(call, *args, **kwargs):
    return await database_sync_to_async(call)(*args, **kwargs)


def stored(conversation_id: int) -> list[tuple[int, str]]:
    return list(Message.objects.filter(conversation_id=conversation_id).order_by("sequence")
                .values_list("sequence", "content"))


@pytest.mark.parametrize("query", ["", "?token=nope"])
def test_a_missing_or_bad_token_is_refused(query):
    async def scenario():
        socket = WebsocketCommunicator(application, f"/ws/chat/{query}")
        await socket.connect()
        return await close_code(socket)

    assert async_to_sync(scenario)() == 4401


def test_a_message_sent_over_rest_reaches_both_members_sockets(seller, buyer, buyer_client, conversation):
    async def scenario():
        seller_socket, buyer_socket = await open_chat(seller), await open_chat(buyer)
        response = await rest(send, buyer_client, conversation["id"], "Is it still available?")
        assert response.status_code == 201
        frames = [await seller_socket.receive_json_from(timeout=2), await buyer_socket.receive_json_from(timeout=2)]
        await seller_socket.disconnect()
        await buyer_socket.disconnect()
        return response.json(), frames

    sent, frames = async_to_sync(scenario)()
    for frame in frames:
        assert frame["type"] == "chat_message"
        assert (frame["conversation_id"], frame["content"], frame["sender_id"], frame["id"], frame["sequence"]) == (
            conversation["id"], "Is it still available?", sent["sender"], sent["id"], sent["sequence"])


def test_a_message_sent_over_the_socket_is_stored_next_and_reaches_rest_and_the_other_socket(
        seller, buyer, buyer_client, seller_client, conversation):
    send(buyer_client, conversation["id"], "Hello")

    async def scenario():
        seller_socket, buyer_socket = await open_chat(seller), await open_chat(buyer)
        await seller_socket.send_json_to({"type": "chat_message", "conversation_id": conversation["id"],
                                          "content": "  Yes, in brown and black.  "})
        frames = [await buyer_socket.receive_json_from(timeout=2), await seller_socket.receive_json_from(timeout=2)]
        assert await seller_socket.receive_nothing(timeout=0.2)  # no other answer than the message itself
        await seller_socket.disconnect()
        await buyer_socket.disconnect()
        return frames

    frames = async_to_sync(scenario)()
    assert stored(conversation["id"]) == [(1, "Hello"), (2, "Yes, in brown and black.")]
    listed = buyer_client.get(messages_url(conversation["id"])).json()
    assert [(m["sequence"], m["sender"], m["content"]) for m in listed] == [
        (1, buyer.pk, "Hello"), (2, seller.pk, "Yes, in brown and black.")]
    for frame in frames:
        assert (frame["type"], frame["sequence"], frame["sender_id"], frame["id"]) == (
            "chat_message", 2, seller.pk, listed[1]["id"])
    assert seller_client.get(f"/api/chat/conversations/{conversation['id']}/").json()["buyer_unread"] == 1


def test_a_product_card_can_be_sent_over_the_socket(seller, buyer, conversation, product):
    async def scenario():
        socket = await open_chat(seller)
        await socket.send_json_to({"type": "chat_message", "conversation_id": conversation["id"],
                                   "message_type": "product", "product": product.pk})
        frame = await socket.receive_json_from(timeout=2)
        await socket.disconnect()
        return frame

    frame = async_to_sync(scenario)()
    assert (frame["message_type"], frame["product"]["id"]) == ("product", product.pk)


def test_typing_reaches_only_the_other_member(seller, buyer, conversation):
    async def scenario():
        seller_socket, buyer_socket = await open_chat(seller), await open_chat(buyer)
        await buyer_socket.send_json_to({"type": "typing", "conversation_id": conversation["id"], "is_typing": True})
        frame = await seller_socket.receive_json_from(timeout=2)
        assert await buyer_socket.receive_nothing(timeout=0.2)
        await seller_socket.disconnect()
        await buyer_socket.disconnect()
        return frame

    assert async_to_sync(scenario)() == {"type": "typing", "conversation_id": conversation["id"],
                                         "user_id": buyer.pk, "side": "buyer", "is_typing": True}
    assert not Message.objects.exists()


def test_a_read_frame_marks_the_conversation_read_for_both_sockets(seller, buyer, buyer_client, seller_client,
                                                                   conversation):
    send(buyer_client, conversation["id"], "One")
    send(buyer_client, conversation["id"], "Two")

    async def scenario():
        seller_socket, buyer_socket = await open_chat(seller), await open_chat(buyer)
        await seller_socket.send_json_to({"type": "read", "conversation_id": conversation["id"]})
        frames = [await seller_socket.receive_json_from(timeout=2), await buyer_socket.receive_json_from(timeout=2)]
        await seller_socket.disconnect()
        await buyer_socket.disconnect()
        return frames

    for frame in async_to_sync(scenario)():
        assert (frame["type"], frame["conversation_id"], frame["reader_id"], frame["side"], frame["up_to_sequence"]) \
            == ("read", conversation["id"], seller.pk, "seller", 2)
    assert seller_client.get(f"/api/chat/conversations/{conversation['id']}/").json()["unread_count"] == 0
    assert not Message.objects.filter(read_at__isnull=True).exists()


def test_sync_after_a_reconnect_answers_the_gap_in_order(seller, buyer, buyer_client, seller_client,
                                                         conversation):
    send(buyer_client, conversation["id"], "Seen before the drop")

    async def scenario():
        buyer_socket = await open_chat(buyer)
        assert (await buyer_socket.receive_nothing(timeout=0.1))
        await buyer_socket.disconnect()
        for content in ("Missed 1", "Missed 2", "Missed 3"):
            await rest(send, seller_client, conversation["id"], content, metadata={"ai_suggestion": True})

        buyer_socket = await open_chat(buyer)
        await buyer_socket.send_json_to({"type": "sync", "conversation_id": conversation["id"], "after_sequence": 1})
        frames = [await buyer_socket.receive_json_from(timeout=2) for _ in range(4)]
        assert await buyer_socket.receive_nothing(timeout=0.2)
        await buyer_socket.disconnect()
        return frames

    *missed, end = async_to_sync(scenario)()
    assert [(f["type"], f["sequence"], f["content"]) for f in missed] == [
        ("chat_message", 2, "Missed 1"), ("chat_message", 3, "Missed 2"), ("chat_message", 4, "Missed 3")]
    assert [f["metadata"] for f in missed] == [{}, {}, {}]  # the seller's AI flag is not the buyer's to see
    assert end == {"type": "sync", "conversation_id": conversation["id"], "after_sequence": 1, "last_sequence": 4,
                   "complete": True}


def test_a_sync_answers_at_most_its_cap_and_says_where_to_go_on(settings, seller, buyer, seller_client,
                                                                conversation):
    settings.CHAT_SOCKET_SYNC_MAX_MESSAGES = 2
    for content in ("a", "b", "c"):
        send(seller_client, conversation["id"], content)

    async def scenario():
        socket = await open_chat(buyer)
        await socket.send_json_to({"type": "sync", "conversation_id": conversation["id"], "after_sequence": 0})
        first = [await socket.receive_json_from(timeout=2) for _ in range(3)]
        await socket.send_json_to({"type": "sync", "conversation_id": conversation["id"], "after_sequence": 2})
        second = [await socket.receive_json_from(timeout=2) for _ in range(2)]
        await socket.disconnect()
        return first, second

    first, second = async_to_sync(scenario)()
    assert [f.get("sequence") for f in first[:2]] == [1, 2]
    assert (first[2]["last_sequence"], first[2]["complete"]) == (2, False)
    assert (second[0]["sequence"], second[1]["last_sequence"], second[1]["complete"]) == (3, 3, True)


@pytest.mark.parametrize("frame", [
    {"type": "chat_message", "content": "Let me in"},
    {"type": "typing", "is_typing": True},
    {"type": "read"},
    {"type": "sync", "after_sequence": 0},
])
def test_a_frame_for_a_foreign_or_unknown_conversation_is_refused_and_changes_nothing(
        frame, seller, buyer, buyer_client, conversation):
    send(buyer_client, conversation["id"], "Private")
    stranger = UserFactory(account_type="seller")

    async def scenario():
        stranger_socket = await open_chat(stranger)
        seller_socket, buyer_socket = await open_chat(seller), await open_chat(buyer)
        answers = []
        for conversation_id in (conversation["id"], conversation["id"] + 1000):
            await stranger_socket.send_json_to({**frame, "conversation_id": conversation_id})
            answers.append(await stranger_socket.receive_json_from(timeout=2))
        assert await seller_socket.receive_nothing(timeout=0.2)
        assert await buyer_socket.receive_nothing(timeout=0.05)
        for socket in (stranger_socket, seller_socket, buyer_socket):
            await socket.disconnect()
        return answers

    for answer in async_to_sync(scenario)():
        assert answer == {"type": "error", "code": "not_found", "error": "Not found.", "details": {},
                          "frame": frame["type"]}
    assert stored(conversation["id"]) == [(1, "Private")]
    assert Message.objects.get().read_at is None


def test_refused_frames_get_an_error_and_the_socket_stays_open(seller, conversation):
    async def scenario():
        socket = await open_chat(seller)
        answers = []
        for text in ("not json", '["a list"]', '{"type": "shout"}', '{"type": "sync", "conversation_id": 1}',
                     '{"type": "chat_message", "conversation_id": "x", "content": "Hi"}'):
            await socket.send_to(text_data=text)
            answers.append(await socket.receive_json_from(timeout=2))
        await socket.send_to(bytes_data=b"\x00\x01")
        answers.append(await socket.receive_json_from(timeout=2))
        await socket.send_json_to({"type": "chat_message", "conversation_id": conversation["id"], "content": " "})
        answers.append(await socket.receive_json_from(timeout=2))
        await socket.send_json_to({"type": "chat_message", "conversation_id": conversation["id"], "content": "Still"})
        answers.append(await socket.receive_json_from(timeout=2))
        await socket.disconnect()
        return answers

    *errors, delivered = async_to_sync(scenario)()
    assert [(e["type"], e["code"]) for e in errors] == [("error", "invalid")] * 7
    assert "after_sequence" in errors[3]["details"] and "conversation_id" in errors[4]["details"]
    assert "content" in errors[6]["details"]
    assert (delivered["type"], delivered["content"]) == ("chat_message", "Still")
    assert stored(conversation["id"]) == [(1, "Still")]


def test_an_oversized_frame_is_refused(settings, seller, conversation):
    settings.CHAT_SOCKET_MAX_FRAME_BYTES = 1024

    async def scenario():
        socket = await open_chat(seller)
        await socket.send_json_to({"type": "chat_message", "conversation_id": conversation["id"],
                                   "content": "é" * 600})  # 600 characters, 1200 bytes
        refused = await socket.receive_json_from(timeout=2)
        await socket.send_json_to({"type": "chat_message", "conversation_id": conversation["id"], "content": "ok"})
        delivered = await socket.receive_json_from(timeout=2)
        await socket.disconnect()
        return refused, delivered

    refused, delivered = async_to_sync(scenario)()
    assert (refused["type"], refused["code"]) == ("error", "too_large")
    assert delivered["content"] == "ok"
    assert stored(conversation["id"]) == [(1, "ok")]


def test_too_many_frames_get_an_error_then_close_4408(settings, seller, buyer, conversation):
    settings.CHAT_SOCKET_RATE_FRAMES = 3

    async def scenario():
        socket = await open_chat(buyer)
        other = await open_chat(buyer)  # the limit is per connection
        for _ in range(3):
            await socket.send_json_to({"type": "typing", "conversation_id": conversation["id"], "is_typing": True})
        await socket.send_json_to({"type": "chat_message", "conversation_id": conversation["id"], "content": "Hi"})
        refused = await socket.receive_json_from(timeout=2)
        code = await close_code(socket)
        await other.send_json_to({"type": "chat_message", "conversation_id": conversation["id"], "content": "Hi"})
        delivered = await other.receive_json_from(timeout=2)
        assert await socket.receive_nothing(timeout=0.2)  # nothing more on the closed socket
        await other.disconnect()
        return refused, code, delivered

    refused, code, delivered = async_to_sync(scenario)()
    assert (refused["type"], refused["code"], code) == ("error", "throttled", 4408)
    assert delivered["type"] == "chat_message"
    assert stored(conversation["id"]) == [(1, "Hi")]


def test_logout_closes_the_socket_and_it_sends_nothing_more(buyer, buyer_client, conversation):
    tokens = tokens_for_user(buyer)

    async def scenario():
        socket = await open_chat(tokens["access"])
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        response = await rest(client.post, "/api/auth/logout/", {"refresh": tokens["refresh"]}, format="json")
        assert response.status_code == 200
        code = await close_code(socket)
        await rest(send, buyer_client, conversation["id"], "After the logout")
        assert await socket.receive_nothing(timeout=0.2)
        await socket.disconnect()
        return code

    assert async_to_sync(scenario)() == 4401


def test_deactivating_the_user_closes_the_socket(buyer, conversation):
    def deactivate():
        buyer.is_active = False
        buyer.save(update_fields=["is_active"])
        user_revoke_all_sessions(user=buyer)

    async def scenario():
        socket = await open_chat(buyer)
        await rest(deactivate)
        return await close_code(socket)

    assert async_to_sync(scenario)() == 4401


def test_a_user_holds_a_limited_number_of_chat_sockets(settings, seller, buyer):
    settings.WEBSOCKETS_PER_USER = 2

    async def scenario():
        first, second = await open_chat(buyer), await open_chat(buyer)
        third = WebsocketCommunicator(application, f"/ws/chat/?token={await rest(access_of, buyer)}")
        await third.connect()
        refused = await third.receive_json_from(timeout=2)
        refused_code = await close_code(third)
        others = [await open_chat(seller), await open_chat(seller)]  # another user's own slots
        notifications = WebsocketCommunicator(application, f"/ws/notifications/?token={await rest(access_of, buyer)}")
        notifications_connected, _ = await notifications.connect()  # another kind of socket
        await first.disconnect()
        again = await open_chat(buyer)  # a closed socket gives its slot back
        for socket in (second, again, *others, notifications):
            await socket.disconnect()
        return refused, refused_code, notifications_connected

    refused, code, notifications_connected = async_to_sync(scenario)()
    assert (refused["type"], refused["code"], code) == ("error", "too_many_sockets", 4429)
    assert notifications_connected
