"""Messages through the API: the one send path, sequences and cursors, unread counts and reading,
the socket frames after commit, notifications once while unread, reactions, images."""

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import connection

from chat.models import Message
from notifications.models import Notification
from tests.chat.conftest import CONVERSATIONS, MESSAGES, conversation_url, messages_url, react_url, send
from tests.conftest import authenticated_client
from tests.images import image_upload
from tests.orders.factories import OrderFactory
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_messages_take_the_next_sequence_and_move_the_conversation_on(buyer_client, seller_client, conversation):
    first = send(buyer_client, conversation["id"], "  Is it real leather?  ")
    second = send(seller_client, conversation["id"], "Yes, full grain.")

    assert first.status_code == 201, first.json()
    assert (first.json()["sequence"], second.json()["sequence"]) == (1, 2)
    assert (first.json()["content"], first.json()["sender_type"], second.json()["sender_type"]) == (
        "Is it real leather?", "buyer", "seller")
    seen = seller_client.get(conversation_url(conversation["id"])).json()
    assert (seen["last_message_preview"], seen["seller_unread"], seen["buyer_unread"]) == ("Yes, full grain.", 1, 1)
    assert seen["last_message_at"] == second.json()["created_at"]


@pytest.mark.parametrize("body, field", [
    ({"content": ""}, "content"),
    ({"content": "   "}, "content"),
    ({"content": "x" * 5001}, "content"),
    ({"content": "Pay here", "message_type": "payment_link"}, "message_type"),
    ({"content": "", "message_type": "image"}, "attachment"),
    ({"content": "", "message_type": "product"}, "product"),
    ({"content": "", "message_type": "order"}, "order"),
])
def test_what_cannot_be_sent(buyer_client, conversation, body, field):
    response = buyer_client.post(MESSAGES, {"conversation": conversation["id"], **body}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and field in response.json()["details"]
    assert not Message.objects.exists()


def test_cards_carry_the_sellers_product_and_orders_between_the_two(seller, buyer, seller_client, buyer_client,
                                                                   conversation, product):
    card = seller_client.post(MESSAGES, {"conversation": conversation["id"], "message_type": "product",
                                         "product": product.pk}, format="json")
    assert card.status_code == 201, card.json()
    assert card.json()["product"] == {"id": product.pk, "name": "Leather bag", "price": "89.99", "currency": "GHS"}
    assert card.json()["content"] == ""

    foreign = ProductFactory()
    refused = seller_client.post(MESSAGES, {"conversation": conversation["id"], "message_type": "product",
                                            "product": foreign.pk}, format="json")
    assert refused.status_code == 400

    order = OrderFactory(seller=seller, buyer=buyer)
    sent = buyer_client.post(MESSAGES, {"conversation": conversation["id"], "message_type": "order",
                                        "order": order.pk, "content": "About this one"}, format="json")
    assert sent.status_code == 201 and sent.json()["order"]["order_id"] == order.order_id
    someone_elses = OrderFactory(seller=seller)
    refused = buyer_client.post(MESSAGES, {"conversation": conversation["id"], "message_type": "order",
                                           "order": someone_elses.pk}, format="json")
    assert refused.status_code == 400
    # The seller too shows only the customer's own orders: another buyer's would reach this one.
    refused = seller_client.post(MESSAGES, {"conversation": conversation["id"], "message_type": "order",
                                            "order": someone_elses.pk}, format="json")
    assert refused.status_code == 400 and refused.json()["details"] == {"order": [someone_elses.pk]}
    shown = seller_client.post(MESSAGES, {"conversation": conversation["id"], "message_type": "order",
                                          "order": order.pk}, format="json")
    assert shown.status_code == 201
    assert list(Message.objects.filter(order=someone_elses)) == []


def test_an_image_is_checked_and_stored(buyer_client, conversation):
    response = buyer_client.post(messages_url(conversation["id"]), {"message_type": "image",
                                                                    "attachment": image_upload()}, format="multipart")

    assert response.status_code == 201, response.json()
    assert response.json()["attachment"].endswith(".jpg") and response.json()["message_type"] == "image"
    assert response.json()["conversation"] == conversation["id"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    not_an_image = SimpleUploadedFile("x.jpg", b"plain text", content_type="image/jpeg")
    refused = buyer_client.post(messages_url(conversation["id"]), {"message_type": "image",
                                                                   "attachment": not_an_image}, format="multipart")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_image"


def test_an_image_sent_again_with_its_idempotency_key_is_sent_once(buyer_client, conversation):
    def post(image_bytes_seed: int):
        return buyer_client.post(MESSAGES, {"conversation": conversation["id"], "message_type": "image",
                                            "attachment": image_upload(color=(image_bytes_seed, 0, 0))},
                                 format="multipart", HTTP_IDEMPOTENCY_KEY="photo-1")

    first, again = post(10), post(10)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"] and Message.objects.count() == 1
    other = post(200)  # another image under the same key: another request
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_key_reused")


def test_an_archived_conversation_takes_no_messages(seller_client, buyer_client, conversation):
    seller_client.post(conversation_url(conversation["id"], "archive"))

    response = send(buyer_client, conversation["id"], "Hello?")

    assert response.status_code == 409 and response.json()["code"] == "conversation_closed"


def test_an_image_refused_by_an_archived_conversation_costs_nothing(settings, seller_client, buyer_client,
                                                                   conversation):
    settings.CHAT_IMAGES_DAILY_QUOTA = 1
    seller_client.post(conversation_url(conversation["id"], "archive"))

    refused = buyer_client.post(messages_url(conversation["id"]), {"message_type": "image",
                                                                   "attachment": image_upload()}, format="multipart")

    assert refused.status_code == 409 and refused.json()["code"] == "conversation_closed"
    seller_client.patch(conversation_url(conversation["id"]), {"status": "active"}, format="json")
    sent = buyer_client.post(messages_url(conversation["id"]), {"message_type": "image",
                                                                "attachment": image_upload()}, format="multipart")
    assert sent.status_code == 201, sent.json()  # today's one image was not spent by the refusal


def test_an_image_whose_message_is_not_stored_leaves_no_file(monkeypatch, settings, buyer_client, conversation):
    from chat.services import messages

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(messages, "conversation_advance", fail)
    client = buyer_client
    client.raise_request_exception = False

    response = client.post(messages_url(conversation["id"]), {"message_type": "image",
                                                              "attachment": image_upload()}, format="multipart")

    assert response.status_code == 500
    assert not Message.objects.filter(message_type="image").exists()
    stored = [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]
    assert stored == []


def test_the_readme_path_sends_the_same_way(buyer_client, conversation):
    response = buyer_client.post(messages_url(conversation["id"]), {"content": "Hi"}, format="json")

    assert response.status_code == 201 and response.json()["sequence"] == 1


def test_an_idempotency_key_sends_once(buyer_client, conversation):
    headers = {"HTTP_IDEMPOTENCY_KEY": "retry-1"}
    body = {"conversation": conversation["id"], "content": "Hello"}
    first = buyer_client.post(MESSAGES, body, format="json", **headers)
    again = buyer_client.post(MESSAGES, body, format="json", **headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Message.objects.count() == 1


def test_sends_are_throttled(buyer_client, conversation, throttle_rates):
    throttle_rates(chat_send="2/minute")
    assert [send(buyer_client, conversation["id"]).status_code for _ in range(3)] == [201, 201, 429]
    assert buyer_client.get(messages_url(conversation["id"])).status_code == 200  # reading is not counted


def test_reactions_and_read_marks_count_with_the_sends(seller_client, buyer_client, conversation, throttle_rates):
    message = send(buyer_client, conversation["id"]).json()
    throttle_rates(chat_send="3/minute")

    assert seller_client.post(react_url(message["id"]), {"reaction": "👍"}, format="json").status_code == 201
    assert seller_client.delete(react_url(message["id"]) + "?reaction=👍").status_code == 204
    assert seller_client.post(conversation_url(conversation["id"], "read")).status_code == 200
    for refused in (seller_client.post(conversation_url(conversation["id"], "read")),
                    seller_client.post(react_url(message["id"]), {"reaction": "❤️"}, format="json"),
                    send(seller_client, conversation["id"])):
        assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert buyer_client.post(react_url(message["id"]), {"reaction": "❤️"}, format="json").status_code == 201


def test_starting_conversations_is_throttled(buyer_client, seller_client, product, throttle_rates):
    throttle_rates(chat_start="2/hour")
    other = ProductFactory(seller=product.seller)

    assert buyer_client.post(CONVERSATIONS, {"product": product.pk}, format="json").status_code == 201
    assert buyer_client.post(CONVERSATIONS, {"product": other.pk}, format="json").status_code == 201
    refused = buyer_client.post(CONVERSATIONS, {"product": ProductFactory(seller=product.seller).pk}, format="json")
    assert refused.status_code == 429 and refused.json()["code"] == "throttled" and refused.has_header("Retry-After")
    assert buyer_client.get(CONVERSATIONS).status_code == 200  # listing is not counted
    assert seller_client.post(CONVERSATIONS, {"customer_email": "ama@example.com"},
                              format="json").status_code == 201  # the seller's own bucket


# --- pages -----------------------------------------------------------------------------------

def page(client, conversation_id, query=""):
    response = client.get(messages_url(conversation_id) + query)
    assert response.status_code == 200, response.json()
    return response


def test_pages_newest_first_with_cursors(buyer_client, conversation):
    for number in range(1, 8):
        send(buyer_client, conversation["id"], f"m{number}")

    newest = page(buyer_client, conversation["id"], "?limit=3")
    assert [row["sequence"] for row in newest.json()] == [5, 6, 7]
    assert newest["X-Total-Count"] == "7"
    assert 'rel="prev"' in newest["Link"] and 'rel="next"' not in newest["Link"]
    older = page(buyer_client, conversation["id"], "?limit=3&before=5")
    assert [row["sequence"] for row in older.json()] == [2, 3, 4]
    oldest = page(buyer_client, conversation["id"], "?limit=3&before=2")
    assert [row["sequence"] for row in oldest.json()] == [1]
    assert 'rel="prev"' not in oldest["Link"]
    gap = page(buyer_client, conversation["id"], "?after=4")
    assert [row["content"] for row in gap.json()] == ["m5", "m6", "m7"]
    assert page(buyer_client, conversation["id"], "?after=7").json() == []


@pytest.mark.parametrize("query", ["?before=1&after=2", "?limit=0", "?limit=201", "?before=x", "?after="])
def test_bad_cursors_are_refused(buyer_client, conversation, query):
    response = buyer_client.get(messages_url(conversation["id"]) + query)

    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_message_page_queries_do_not_grow(buyer, buyer_client, seller_client, conversation,
                                          django_assert_max_num_queries):
    def add(count):
        for _ in range(count):
            pk = send(buyer_client, conversation["id"]).json()["id"]
            seller_client.post(react_url(pk), {"reaction": "👍"}, format="json")

    # The user, the conversation, the page with its cards, its reactions, the count.
    add(2)
    with django_assert_max_num_queries(5):
        assert len(page(seller_client, conversation["id"]).json()) == 2
    add(10)
    with django_assert_max_num_queries(5):
        assert len(page(seller_client, conversation["id"]).json()) == 12


# --- unread, read and notifications ---------------------------------------------------------

def chat_notifications(user):
    return list(Notification.objects.filter(user=user, type="chat").order_by("pk"))


def test_the_other_side_is_notified_once_while_unread(seller, buyer, buyer_client, seller_client, conversation,
                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for text in ("Hello", "Are you there?", "Hello??"):
            send(buyer_client, conversation["id"], text)

    (notice,) = chat_notifications(seller)
    assert notice.data["conversation_id"] == conversation["id"] and notice.body == "Hello"
    assert seller_client.get(conversation_url(conversation["id"])).json()["unread_count"] == 3

    with django_capture_on_commit_callbacks(execute=True):
        read = seller_client.post(conversation_url(conversation["id"], "read"))
        send(buyer_client, conversation["id"], "One more")
        send(seller_client, conversation["id"], "Here!")

    assert read.json()["unread_count"] == 0
    assert len(chat_notifications(seller)) == 2  # unread again: told again, once
    assert len(chat_notifications(buyer)) == 1
    rows = page(buyer_client, conversation["id"]).json()
    assert [row["read_at"] is not None for row in rows] == [True, True, True, False, False]
    assert [row["delivery_status"] for row in rows] == ["read", "read", "read", "sent", "sent"]


# --- socket frames ---------------------------------------------------------------------------

def in_inboxes(user_ids, act, *, frames: int = 1, before_commit=None) -> tuple[object, dict[int, list[dict]]]:
    """Run `act` (sync) with a channel in each user's chat inbox group, as their chat sockets will
    be, in one event loop (a Redis layer is bound to its loop); then the `frames` events each got.
    With `before_commit`, `act` returns after-commit callbacks, which run only once
    `before_commit(received)` has seen what arrived before them (within 0.2 s)."""

    async def receive(layer, channel, timeout):
        try:
            return (await asyncio.wait_for(layer.receive(channel), timeout))["event"]
        except TimeoutError:
            return None

    async def scenario():
        layer = get_channel_layer()
        channels = {}
        for user_id in user_ids:
            channels[user_id] = await layer.new_channel()
            await layer.group_add(f"chat.user.{user_id}", channels[user_id])
        result = await sync_to_async(act)()
        if before_commit is not None:
            before_commit({user_id: await receive(layer, channel, 0.2) for user_id, channel in channels.items()})
            for callback in result:
                await sync_to_async(callback)()
        received = {user_id: [await receive(layer, channel, 2) for _ in range(frames)]
                    for user_id, channel in channels.items()}
        return result, received

    return async_to_sync(scenario)()


def test_a_sent_message_reaches_both_inboxes_after_commit(buyer, seller, buyer_client, conversation,
                                                          django_capture_on_commit_callbacks):
    sent = {}

    def act():
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            sent.update(send(buyer_client, conversation["id"], "Hello!").json())
        return callbacks

    def nothing_yet(received):
        assert received == {seller.pk: None, buyer.pk: None}

    _, received = in_inboxes([seller.pk, buyer.pk], act, before_commit=nothing_yet)

    expected = {"type": "chat_message", "conversation_id": conversation["id"], "content": "Hello!",
                "sender_id": buyer.pk, **{key: sent[key] for key in (
                    "id", "sequence", "message_type", "created_at", "sender_type", "product", "order", "attachment")}}
    for user_id in (seller.pk, buyer.pk):
        (frame,) = received[user_id]
        assert {key: frame[key] for key in expected} == expected


def test_read_and_reactions_reach_the_inboxes(buyer, seller, buyer_client, seller_client, conversation,
                                               django_capture_on_commit_callbacks):
    message = send(buyer_client, conversation["id"], "Hello!").json()

    def act():
        with django_capture_on_commit_callbacks(execute=True):
            seller_client.post(conversation_url(conversation["id"], "read"))
            seller_client.post(react_url(message["id"]), {"reaction": "❤️"}, format="json")

    _, received = in_inboxes([buyer.pk], act, frames=2)

    read, reaction = received[buyer.pk]
    assert (read["type"], read["conversation_id"], read["reader_id"], read["up_to_sequence"]) == (
        "read", conversation["id"], seller.pk, 1)
    assert reaction == {"type": "reaction", "conversation_id": conversation["id"], "message_id": message["id"],
                        "user_id": seller.pk, "reaction": "❤️", "action": "added"}


# --- reactions -------------------------------------------------------------------------------

def test_reactions_once_each_and_taken_back(seller_client, buyer_client, conversation):
    message = send(buyer_client, conversation["id"], "Here is my question").json()
    url = react_url(message["id"])

    assert seller_client.post(url, {"reaction": "👍"}, format="json").status_code == 201
    assert seller_client.post(url, {"reaction": "👍"}, format="json").status_code == 200
    assert buyer_client.post(url, {"reaction": "❤️"}, format="json").status_code == 201
    for refused in ("hello", "", "👍 nice", "x" * 40):
        assert seller_client.post(url, {"reaction": refused}, format="json").status_code == 400
    (row,) = page(buyer_client, conversation["id"]).json()
    assert sorted(reaction["reaction"] for reaction in row["reactions"]) == ["❤️", "👍"]

    assert seller_client.delete(url + "?reaction=👍").status_code == 204
    assert seller_client.delete(url + "?reaction=👍").status_code == 404
    assert seller_client.delete(url + "?reaction=❤️").status_code == 404  # the buyer's, not theirs
    (row,) = page(seller_client, conversation["id"]).json()
    assert [reaction["reaction"] for reaction in row["reactions"]] == ["❤️"]


def test_feedback_is_the_sellers_on_their_ai_and_hidden_from_the_buyer(seller, seller_client, buyer_client,
                                                                       conversation):
    question = send(buyer_client, conversation["id"], "Is it waterproof?").json()
    suggested = send(seller_client, conversation["id"], "Yes, fully.", metadata={"ai_suggestion": True}).json()
    plain = send(seller_client, conversation["id"], "Anything else?").json()

    for client, message in ((seller_client, question), (seller_client, plain), (buyer_client, suggested),
                            (buyer_client, question)):
        refused = client.post(react_url(message["id"]), {"reaction": "helpful"}, format="json")
        assert refused.status_code == 400, refused.json()
        assert refused.json()["code"] == "invalid"
    assert seller_client.post(react_url(suggested["id"]), {"reaction": "not_helpful"},
                              format="json").status_code == 201
    assert buyer_client.post(react_url(suggested["id"]), {"reaction": "🙏"}, format="json").status_code == 201

    seller_rows = {row["id"]: row for row in page(seller_client, conversation["id"]).json()}
    buyer_rows = {row["id"]: row for row in page(buyer_client, conversation["id"]).json()}
    assert sorted(r["reaction"] for r in seller_rows[suggested["id"]]["reactions"]) == ["not_helpful", "🙏"]
    assert [r["reaction"] for r in buyer_rows[suggested["id"]]["reactions"]] == ["🙏"]
    assert seller_rows[suggested["id"]]["metadata"] == {"ai_suggestion": True}
    assert buyer_rows[suggested["id"]]["metadata"] == {}  # the seller's working data
    assert suggested["metadata"] == {"ai_suggestion": True}  # the sender's own answer

    stats = seller_client.get("/api/chat/stats/").json()
    assert stats["ai_suggestions"] == {"used": 1, "helpful": 0, "not_helpful": 1}
    assert stats["feedback"] == {"helpful": 0, "not_helpful": 1}  # the buyer's 🙏 is not feedback


def test_socket_frames_show_each_side_what_it_may_see(seller, buyer, seller_client, buyer_client, conversation,
                                                      django_capture_on_commit_callbacks):
    def act():
        with django_capture_on_commit_callbacks(execute=True):
            suggested = send(seller_client, conversation["id"], "Yes, fully.", metadata={"ai_suggestion": True})
            seller_client.post(react_url(suggested.json()["id"]), {"reaction": "helpful"}, format="json")
            seller_client.post(react_url(suggested.json()["id"]), {"reaction": "👍"}, format="json")

    _, received = in_inboxes([seller.pk, buyer.pk], act, frames=3)

    seller_frames, buyer_frames = received[seller.pk], received[buyer.pk]
    assert [frame["type"] for frame in seller_frames] == ["chat_message", "reaction", "reaction"]
    assert seller_frames[0]["metadata"] == {"ai_suggestion": True}
    assert buyer_frames[0]["type"] == "chat_message"
    assert buyer_frames[0]["metadata"] == {}
    assert buyer_frames[1]["reaction"] == "👍"  # the seller's feedback never reaches the buyer
    assert buyer_frames[2] is None


# --- concurrency -----------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_concurrent_sends_get_strictly_increasing_sequences(buyer, seller, product):
    from tests.chat.conftest import CONVERSATIONS as conversations_path

    buyer_client = authenticated_client(buyer)
    conversation_id = buyer_client.post(conversations_path, {"product": product.pk}, format="json").json()["id"]
    senders = [authenticated_client(buyer), authenticated_client(seller)] * 4
    start = threading.Barrier(len(senders))
    statuses, lock = [], threading.Lock()

    def sender(client, number):
        start.wait()
        try:
            for turn in range(5):
                status = send(client, conversation_id, f"{number}-{turn}").status_code
                with lock:
                    statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender, args=(client, number)) for number, client in enumerate(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert statuses == [201] * 40
    sequences = list(Message.objects.filter(conversation_id=conversation_id).order_by("pk").values_list(
        "sequence", flat=True))
    assert sorted(sequences) == list(range(1, 41))
    seen = buyer_client.get(conversation_url(conversation_id)).json()
    assert seen["seller_unread"] + seen["buyer_unread"] == 40
    assert buyer_client.get(CONVERSATIONS).status_code == 200
