"""Messages sent at once into one conversation, over REST (threads with their own connections) and
over the socket (several sockets of both members), on PostgreSQL: the sequences are 1..N with no
gap and no duplicate, and every member socket gets every message once.

What the order of delivery guarantees: each message's frame is sent after its own commit, from the
worker that wrote it, so one sender's messages (a REST client sending one after another, or one
socket) reach every socket in their sequence order, while messages of different senders committed
within the same instant may arrive out of sequence order. A client places messages by `sequence`
(and `sync`s from the last one it holds when a gap stays open)."""

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync
from django.db import connection

from chat.models import Conversation, Message
from tests.chat.conftest import send
from tests.chat.test_socket import open_chat
from tests.conftest import authenticated_client

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level concurrency needs PostgreSQL"),
]

PER_SENDER = 5


def test_messages_sent_at_once_over_rest_and_the_socket_are_numbered_without_gaps_and_all_delivered(
        seller, buyer, buyer_client, conversation, throttle_rates):
    throttle_rates(chat_send="1000/minute")
    rest_senders = [("rest-seller-a", seller), ("rest-seller-b", seller), ("rest-buyer-a", buyer),
                    ("rest-buyer-b", buyer)]
    socket_senders = [("socket-seller-a", seller), ("socket-seller-b", seller), ("socket-buyer-a", buyer),
                      ("socket-buyer-b", buyer)]
    clients = {label: authenticated_client(user) for label, user in rest_senders}
    total = PER_SENDER * (len(rest_senders) + len(socket_senders))
    statuses = []

    def rest_sender(label):
        try:
            for number in range(PER_SENDER):
                statuses.append(send(clients[label], conversation["id"], f"{label} {number}").status_code)
        finally:
            connection.close()

    async def scenario():
        watchers = [await open_chat(seller), await open_chat(buyer)]
        senders = [await open_chat(user) for _, user in socket_senders]
        threads = [threading.Thread(target=rest_sender, args=(label,)) for label, _ in rest_senders]
        for thread in threads:
            thread.start()
        for number in range(PER_SENDER):
            for socket, (label, _) in zip(senders, socket_senders, strict=True):
                await socket.send_json_to({"type": "chat_message", "conversation_id": conversation["id"],
                                           "content": f"{label} {number}"})
        received = [[await socket.receive_json_from(timeout=20) for _ in range(total)]
                    for socket in [*watchers, *senders]]
        for thread in threads:
            await asyncio.get_running_loop().run_in_executor(None, thread.join)
        for socket in [*watchers, *senders]:
            assert await socket.receive_nothing(timeout=0.2)
            await socket.disconnect()
        return received

    received = async_to_sync(scenario)()

    assert statuses == [201] * PER_SENDER * len(rest_senders)
    rows = list(Message.objects.filter(conversation_id=conversation["id"]).order_by("sequence")
                .values_list("sequence", "content"))
    assert [sequence for sequence, _ in rows] == list(range(1, total + 1))
    assert Conversation.objects.get(pk=conversation["id"]).last_sequence == total
    sequence_of = {content: sequence for sequence, content in rows}
    for label, _ in [*rest_senders, *socket_senders]:  # each sender's messages numbered in the order sent
        numbered = [sequence_of[f"{label} {number}"] for number in range(PER_SENDER)]
        assert numbered == sorted(numbered)
    for frames in received:
        assert {frame["type"] for frame in frames} == {"chat_message"}
        assert sorted(frame["sequence"] for frame in frames) == list(range(1, total + 1))  # each once
        assert all(sequence_of[frame["content"]] == frame["sequence"] for frame in frames)
        for label, _ in [*rest_senders, *socket_senders]:  # one sender's arrive in their sequence order
            arrived = [frame["sequence"] for frame in frames if frame["content"].startswith(f"{label} ")]
            assert arrived == sorted(arrived)
