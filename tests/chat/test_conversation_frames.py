"""The inbox's `conversation` frames: a new or changed conversation reaches both members' chat
sockets after commit, each as their own REST body shows it (their unread count, the customer
card for the seller only). A message's own changes to the row travel in its `chat_message`."""

import pytest
from asgiref.sync import async_to_sync

from chat.models import Conversation, ConversationStatus
from tests.chat.conftest import CONVERSATIONS, conversation_url, send
from tests.chat.test_socket import open_chat, rest

pytestmark = pytest.mark.django_db(transaction=True)


def frames_after(action, *users, count: int = 1) -> tuple[object, list[list[dict]]]:
    """Open a chat socket per user, run `action` (a blocking call), and collect `count` frames per
    socket; no socket receives more."""
    async def scenario():
        sockets = [await open_chat(user) for user in users]
        result = await rest(action)
        received = [[await socket.receive_json_from(timeout=2) for _ in range(count)] for socket in sockets]
        for socket in sockets:
            assert await socket.receive_nothing(timeout=0.2)
            await socket.disconnect()
        return result, received

    return async_to_sync(scenario)()


def body_of(client, conversation_id: int) -> dict:
    return client.get(conversation_url(conversation_id)).json()


def test_a_conversation_a_buyer_opens_reaches_both_inboxes_as_each_sees_it(seller, buyer, buyer_client,
                                                                             seller_client, product):
    response, (to_seller, to_buyer) = frames_after(
        lambda: buyer_client.post(CONVERSATIONS, {"product": product.pk}, format="json"), seller, buyer)

    assert response.status_code == 201
    conversation_id = response.json()["id"]
    assert to_seller == [{"type": "conversation", "conversation_id": conversation_id, "action": "created",
                          **body_of(seller_client, conversation_id)}]
    assert to_buyer == [{"type": "conversation", "conversation_id": conversation_id, "action": "created",
                         **body_of(buyer_client, conversation_id)}]
    assert to_seller[0]["customer"]["email"] == (buyer.email if buyer.is_verified else "")
    assert to_buyer[0]["customer"] is None


def test_a_conversation_found_again_is_not_announced_again(seller, buyer, buyer_client, conversation, product):
    response, received = frames_after(
        lambda: buyer_client.post(CONVERSATIONS, {"product": product.pk}, format="json"), seller, buyer, count=0)

    assert response.status_code == 200 and received == [[], []]


def test_a_conversation_with_a_customer_without_an_account_reaches_the_seller_only(seller, seller_client):
    response, (to_seller,) = frames_after(lambda: seller_client.post(
        CONVERSATIONS, {"customer_email": "esi@example.com", "customer_name": "Esi"}, format="json"), seller)

    assert response.status_code == 201
    assert (to_seller[0]["action"], to_seller[0]["buyer"], to_seller[0]["customer"]["name"]) == (
        "created", None, "Esi")


def test_filing_a_conversation_reaches_both_inboxes_with_each_sides_unread_count(seller, buyer, buyer_client,
                                                                               seller_client, conversation):
    for content in ("One", "Two"):
        send(buyer_client, conversation["id"], content)
    changes = {"status": "paused", "subject": "Bag colours", "labels": ["vip"]}

    response, (to_seller, to_buyer) = frames_after(
        lambda: seller_client.patch(conversation_url(conversation["id"]), changes, format="json"), seller, buyer)

    assert response.status_code == 200
    for frames, client, unread, labels in ((to_seller, seller_client, 2, ["vip"]), (to_buyer, buyer_client, 0, [])):
        assert frames == [{"type": "conversation", "conversation_id": conversation["id"], "action": "updated",
                           **body_of(client, conversation["id"])}]
        assert (frames[0]["status"], frames[0]["subject"], frames[0]["labels"], frames[0]["unread_count"]) == (
            "paused", "Bag colours", labels, unread)  # labels are the seller's own filing


def test_archiving_reaches_both_inboxes(seller, buyer, seller_client, conversation):
    response, received = frames_after(lambda: seller_client.post(conversation_url(conversation["id"], "archive")),
                                      seller, buyer)

    assert response.status_code == 200
    assert [(frames[0]["action"], frames[0]["status"]) for frames in received] == [("updated", "archived")] * 2


def test_a_refused_change_announces_nothing(seller, buyer, buyer_client, conversation):
    response, received = frames_after(
        lambda: buyer_client.patch(conversation_url(conversation["id"]), {"status": "completed"}, format="json"),
        seller, buyer, count=0)

    assert response.status_code == 403 and received == [[], []]


def test_a_message_travels_in_its_chat_message_frame_alone(seller, buyer, buyer_client, conversation):
    response, received = frames_after(lambda: send(buyer_client, conversation["id"], "Hello"), seller, buyer)

    assert response.status_code == 201
    assert [[frame["type"] for frame in frames] for frames in received] == [["chat_message"]] * 2


def test_the_customer_writing_again_reopens_a_completed_conversation_in_both_inboxes(seller, buyer, buyer_client,
                                                                                     conversation):
    Conversation.objects.filter(pk=conversation["id"]).update(status=ConversationStatus.COMPLETED)

    response, received = frames_after(lambda: send(buyer_client, conversation["id"], "One more question"),
                                      seller, buyer, count=2)

    assert response.status_code == 201
    for message, announced in received:
        assert (message["type"], announced["type"], announced["action"], announced["status"]) == (
            "chat_message", "conversation", "updated", "active")
        assert announced["last_message_preview"] == "One more question"


def test_merging_customers_shows_the_kept_customer_on_the_moved_conversations(seller, seller_client):
    ids = [seller_client.post(CONVERSATIONS, {"customer_email": email}, format="json").json()["id"]
           for email in ("ama@example.com", "ama.mensah@example.com")]
    kept, other = (Conversation.objects.get(pk=pk).customer for pk in ids)

    response, (to_seller,) = frames_after(
        lambda: seller_client.post(f"/api/customers/{kept.pk}/merge/", {"other": other.pk}, format="json"), seller)

    assert response.status_code == 200
    assert (to_seller[0]["conversation_id"], to_seller[0]["action"], to_seller[0]["customer"]["id"]) == (
        ids[1], "updated", kept.pk)


def test_a_new_assistant_session_reaches_the_sellers_inbox(seller, seller_client):
    response, (to_seller,) = frames_after(
        lambda: seller_client.post(CONVERSATIONS, {"source": "assistant"}, format="json"), seller)

    assert response.status_code == 201
    assert [(frame["type"], frame["action"], frame["conversation_id"], frame["source"]) for frame in to_seller] == [
        ("conversation", "created", response.json()["id"], "assistant")]
