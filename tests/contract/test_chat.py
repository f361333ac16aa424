"""The document's chat (section 4 and the message format of its WebSocket section): a seller
creates a conversation with its body, sends a message with its body, lists conversations with its
filters; the message reaches the members' chat inboxes in the document's format."""

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from tests.contract import document as doc
from tests.contract.conftest import assert_has_fields

pytestmark = pytest.mark.django_db


def conversations(tab, query: str = "") -> list[dict]:
    response = tab.fetch("GET", f"{doc.PATH_CONVERSATIONS}{query}")
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.fixture
def created(seller_tab, listed_product) -> dict:
    """Create Conversation with the document's body, its product the seller's own."""
    response = seller_tab.fetch("POST", doc.PATH_CONVERSATIONS,
                                {**doc.CREATE_CONVERSATION_REQUEST, "product": listed_product["id"]})
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_seller_creates_a_conversation_with_the_documents_body(created, listed_product):
    assert created["customer"]["email"] == doc.CREATE_CONVERSATION_REQUEST["customer_email"]
    assert created["customer"]["name"] == doc.CREATE_CONVERSATION_REQUEST["customer_name"]
    assert (created["product"]["id"], created["source"], created["status"]) == (
        listed_product["id"], doc.CREATE_CONVERSATION_REQUEST["source"], "active")


def test_a_message_sent_with_the_documents_body_reaches_the_inbox_in_its_format(seller_tab, created):
    async def scenario():
        layer = get_channel_layer()
        inbox = await layer.new_channel()
        await layer.group_add(f"chat.user.{seller_tab.user['id']}", inbox)
        sent = await sync_to_async(seller_tab.fetch)("POST", doc.PATH_MESSAGES,
                                                     {**doc.SEND_MESSAGE_REQUEST, "conversation": created["id"]})
        return sent, (await asyncio.wait_for(layer.receive(inbox), 2))["event"]

    sent, frame = async_to_sync(scenario)()

    assert sent.status_code == 201, sent.json()
    message = sent.json()
    assert (message["conversation"], message["content"], message["message_type"], message["sequence"]) == (
        created["id"], doc.SEND_MESSAGE_REQUEST["content"], "text", 1)
    assert_has_fields(frame, doc.CHAT_MESSAGE_FRAME, "frame")
    assert {key: frame[key] for key in doc.CHAT_MESSAGE_FRAME} == {
        "type": "chat_message", "conversation_id": created["id"], "content": doc.SEND_MESSAGE_REQUEST["content"],
        "sender_id": seller_tab.user["id"]}
    assert (frame["id"], frame["sequence"]) == (message["id"], 1)
    (listed,) = conversations(seller_tab)
    assert listed["last_message_preview"] == doc.SEND_MESSAGE_REQUEST["content"]


def test_the_documents_filters(seller_tab, created):
    website = seller_tab.fetch("POST", doc.PATH_CONVERSATIONS, {"customer_email": "other@example.com",
                                                                "customer_name": "Kofi", "source": "website"}).json()
    every = {row["id"] for row in conversations(seller_tab)}
    assert every == {created["id"], website["id"]}

    # Lines 428-431: status, source (facebook, instagram, website), search by customer name or email.
    assert [row["id"] for row in conversations(seller_tab, "?status=active")] != []
    assert conversations(seller_tab, "?status=completed") == []
    by_source = {source: [row["id"] for row in conversations(seller_tab, f"?source={source}")]
                 for source in doc.CONVERSATION_SOURCES}
    assert by_source == {"facebook": [], "instagram": [created["id"]], "website": [website["id"]]}
    assert [row["id"] for row in conversations(seller_tab, "?search=Jane")] == [created["id"]]
    assert [row["id"] for row in conversations(seller_tab, "?search=buyer@example")] == [created["id"]]


def test_a_buyer_asks_about_the_documents_product(seller_tab, buyer_tab, listed_product):
    # Buyers ask about products on sale: the seller puts it on sale (our PATCH, not the document's).
    on_sale = seller_tab.fetch("PATCH", f"{doc.PATH_PRODUCTS}{listed_product['id']}/", {"status": "active"})
    assert on_sale.status_code == 200, on_sale.json()
    opened = buyer_tab.fetch("POST", doc.PATH_CONVERSATIONS, {"product": listed_product["id"]})
    assert opened.status_code == 201, opened.json()
    sent = buyer_tab.fetch("POST", doc.PATH_MESSAGES, {**doc.SEND_MESSAGE_REQUEST, "conversation": opened.json()["id"]})
    assert sent.status_code == 201, sent.json()

    (seen,) = conversations(seller_tab)
    assert (seen["id"], seen["unread_count"], seen["buyer"]) == (opened.json()["id"], 1, buyer_tab.user["id"])
    notices = seller_tab.fetch("GET", f"{doc.PATH_NOTIFICATIONS}?type=chat").json()
    assert [notice["data"]["conversation_id"] for notice in notices] == [seen["id"]]
