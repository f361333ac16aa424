"""Conversations through the API: who starts them, who sees them, the inbox's filters and order."""

import pytest

from chat.models import Conversation
from customers.models import Customer
from products.models import ProductStatus
from tests.accounts.factories import UserFactory
from tests.chat.conftest import CONVERSATIONS, conversation_url, messages_url, react_url, send
from tests.conftest import authenticated_client
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_a_buyer_asks_about_a_product_and_its_seller_is_the_other_member(buyer, seller, conversation, product):
    assert conversation["seller"] == seller.pk and conversation["buyer"] == buyer.pk
    assert (conversation["product"]["id"], conversation["source"], conversation["status"]) == (
        product.pk, "website", "active")
    assert conversation["customer"] is None  # the seller's record, not shown to the buyer
    customer = Customer.objects.get(seller=seller)
    # Its email only once the account proved it owns it (test_customer_merge: an impostor's address).
    assert (customer.buyer, customer.email) == (buyer, buyer.email if buyer.is_verified else "")


def test_asking_again_about_the_same_product_finds_the_open_conversation(buyer_client, conversation, product):
    again = buyer_client.post(CONVERSATIONS, {"product": product.pk}, format="json")

    assert again.status_code == 200
    assert again.json()["id"] == conversation["id"]
    assert Conversation.objects.count() == 1


def test_an_archived_conversation_is_not_reopened(buyer_client, seller_client, conversation, product):
    assert seller_client.post(conversation_url(conversation["id"], "archive")).json()["status"] == "archived"

    again = buyer_client.post(CONVERSATIONS, {"product": product.pk}, format="json")

    assert again.status_code == 201 and again.json()["id"] != conversation["id"]


def test_a_seller_starts_one_with_a_customer_by_email(seller, seller_client, product):
    response = seller_client.post(CONVERSATIONS, {"customer_email": "Jane@Example.com", "customer_name": "Jane Doe",
                                                  "product": product.pk, "source": "instagram"}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["customer"]["email"] == "jane@example.com" and body["customer"]["name"] == "Jane Doe"
    assert (body["source"], body["buyer"]) == ("instagram", None)
    # The same address later is the same customer.
    again = seller_client.post(CONVERSATIONS, {"customer_email": "jane@example.com", "source": "whatsapp"},
                               format="json")
    assert again.json()["customer"]["id"] == body["customer"]["id"]


@pytest.mark.parametrize("body", [{}, {"customer_name": "Nobody"}, {"customer_email": "not-an-email"},
                                  {"customer_phone": "0501234567"}])
def test_a_seller_names_the_customer(seller_client, body):
    response = seller_client.post(CONVERSATIONS, body, format="json")

    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_a_buyer_names_a_product_on_sale(buyer_client, seller):
    assert buyer_client.post(CONVERSATIONS, {}, format="json").status_code == 400
    draft = ProductFactory(seller=seller, status="draft")
    assert buyer_client.post(CONVERSATIONS, {"product": draft.pk}, format="json").status_code == 404


def test_a_seller_cannot_start_one_about_another_sellers_product(seller_client):
    foreign = ProductFactory()
    response = seller_client.post(CONVERSATIONS, {"customer_email": "a@example.com", "product": foreign.pk},
                                  format="json")
    assert response.status_code == 404


ROLES = ["buyer", "seller", "other_seller", "anonymous"]


@pytest.fixture
def clients(buyer_client, seller_client, other_seller_client, api_client):
    return {"buyer": buyer_client, "seller": seller_client, "other_seller": other_seller_client,
            "anonymous": api_client}


@pytest.mark.parametrize("role, method, path, expected", [
    *((role, "get", "detail", status) for role, status in zip(ROLES, [200, 200, 404, 401], strict=True)),
    *((role, "patch", "detail", status) for role, status in zip(ROLES, [403, 200, 404, 401], strict=True)),
    *((role, "post", "archive", status) for role, status in zip(ROLES, [403, 200, 404, 401], strict=True)),
    *((role, "post", "read", status) for role, status in zip(ROLES, [200, 200, 404, 401], strict=True)),
    *((role, "get", "messages", status) for role, status in zip(ROLES, [200, 200, 404, 401], strict=True)),
    *((role, "post", "messages", status) for role, status in zip(ROLES, [201, 201, 404, 401], strict=True)),
    *((role, "post", "send", status) for role, status in zip(ROLES, [201, 201, 404, 401], strict=True)),
    *((role, "post", "react", status) for role, status in zip(ROLES, [201, 201, 404, 401], strict=True)),
    *((role, "delete", "unreact", status) for role, status in zip(ROLES, [204, 204, 404, 401], strict=True)),
    *((role, "get", "ai_suggestions", status) for role, status in zip(ROLES, [403, 200, 404, 401], strict=True)),
    *((role, "post", "order", status) for role, status in zip(ROLES, [403, 201, 404, 401], strict=True)),
])
def test_ownership_matrix(clients, buyer_client, conversation, product, role, method, path, expected):
    message = send(buyer_client, conversation["id"], "Is it leather?").json()
    pk = conversation["id"]
    if path == "unreact" and role in ("buyer", "seller"):
        clients[role].post(react_url(message["id"]), {"reaction": "👍"}, format="json")
    url, body = {
        "detail": (conversation_url(pk), {"subject": "Bag"}),
        "archive": (conversation_url(pk, "archive"), None),
        "read": (conversation_url(pk, "read"), None),
        "messages": (messages_url(pk), {"content": "Hi"}),
        "send": ("/api/chat/messages/", {"conversation": pk, "content": "Hi"}),
        "react": (react_url(message["id"]), {"reaction": "👍"}),
        "unreact": (react_url(message["id"]) + "?reaction=👍", None),
        "ai_suggestions": (conversation_url(pk, "ai_suggestions"), None),
        "order": (conversation_url(pk, "order"), {
            "lines": [{"product_id": product.pk, "quantity": 1}], "payment_method": "card", "full_name": "Ama Mensah",
            "phone": "+233501234567", "address_line1": "12 Ring Road", "city": "Accra", "country": "Ghana"}),
    }[path]
    response = getattr(clients[role], method)(url, body, format="json") if body else getattr(clients[role], method)(url)

    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["code"] == {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}[
            expected]


def test_lists_show_each_member_their_own(buyer_client, seller_client, other_seller_client, conversation):
    assert [row["id"] for row in buyer_client.get(CONVERSATIONS).json()] == [conversation["id"]]
    assert [row["id"] for row in seller_client.get(CONVERSATIONS).json()] == [conversation["id"]]
    assert other_seller_client.get(CONVERSATIONS).json() == []


def test_the_inbox_filters_and_puts_unread_first(seller, seller_client, buyer_client, conversation):
    jane = seller_client.post(CONVERSATIONS, {"customer_email": "jane@example.com", "customer_name": "Jane Doe",
                                              "customer_phone": "+233501234567", "source": "instagram"},
                              format="json").json()
    send(seller_client, jane["id"], "Hello Jane")
    send(buyer_client, conversation["id"], "Is it in stock?")  # the older one, unread by the seller
    send(seller_client, jane["id"], "Still there?")

    rows = seller_client.get(CONVERSATIONS).json()
    assert [row["id"] for row in rows] == [conversation["id"], jane["id"]]
    assert rows[0]["unread_count"] == 1 and rows[1]["unread_count"] == 0

    def ids(query):
        response = seller_client.get(CONVERSATIONS + query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()]

    assert ids("?unread=true") == [conversation["id"]]
    assert ids("?unread=false") == [jane["id"]]
    assert ids("?source=instagram") == [jane["id"]]
    assert ids("?source=web") == [conversation["id"]]
    assert ids("?search=jane") == [jane["id"]]
    assert ids("?search=50123") == [jane["id"]]
    assert ids("?status=active") == [conversation["id"], jane["id"]]
    assert seller_client.get(CONVERSATIONS + "?status=gone").status_code == 400

    seller_client.post(conversation_url(jane["id"], "archive"))
    assert ids("") == [conversation["id"]]
    assert ids("?status=archived") == [jane["id"]]


def test_a_buyer_searches_by_subject_and_seller_never_by_the_customer_card(seller, buyer, buyer_client,
                                                                          seller_client, conversation):
    Customer.objects.filter(conversations__pk=conversation["id"]).update(
        phone="+233509998877", email="kwame.private@example.com", notes="wholesale")
    type(seller).objects.filter(pk=seller.pk).update(company_name="Kente Corner")

    def buyer_ids(query):
        return [row["id"] for row in buyer_client.get(CONVERSATIONS + f"?search={query}").json()]

    assert buyer_ids("Kente") == [conversation["id"]]
    for probe in ("99988", "+2335", "kwame.private", "@"):  # the seller's record of the buyer
        assert buyer_ids(probe) == [], probe
    assert [row["id"] for row in seller_client.get(CONVERSATIONS + "?search=99988").json()] == [conversation["id"]]
    assert [row["id"] for row in seller_client.get(CONVERSATIONS + "?search=kwame.private").json()] == [
        conversation["id"]]


def test_the_seller_files_a_conversation(seller_client, buyer_client, conversation):
    response = seller_client.patch(conversation_url(conversation["id"]), {
        "status": "paused", "subject": "Bag colours", "labels": ["vip", " vip ", "wholesale"]}, format="json")

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["subject"], response.json()["labels"]) == (
        "paused", "Bag colours", ["vip", "wholesale"])
    as_buyer = buyer_client.get(conversation_url(conversation["id"])).json()
    assert (as_buyer["status"], as_buyer["labels"], as_buyer["customer"]) == ("paused", [], None)  # the seller's
    assert [row["labels"] for row in buyer_client.get(CONVERSATIONS).json()] == [[]]
    assert buyer_client.patch(conversation_url(conversation["id"]), {"labels": ["mine"]},
                              format="json").status_code == 403  # a member, not its seller
    bad = seller_client.patch(conversation_url(conversation["id"]), {"status": "closed"}, format="json")
    assert bad.status_code == 400


def test_list_queries_do_not_grow_with_the_conversations(seller, seller_client, django_assert_max_num_queries):
    def add(count):
        for _ in range(count):
            buyer = UserFactory(account_type="buyer")
            client = authenticated_client(buyer)
            pk = client.post(CONVERSATIONS, {"product": ProductFactory(seller=seller).pk}, format="json").json()["id"]
            send(client, pk, "Hello")

    # The user, the count, the page: at 2 conversations and at 10.
    add(2)
    with django_assert_max_num_queries(3):
        assert len(seller_client.get(CONVERSATIONS).json()) == 2
    add(8)
    with django_assert_max_num_queries(3):
        assert len(seller_client.get(CONVERSATIONS).json()) == 10


def test_a_buyers_list_queries_do_not_grow_either(buyer_client, django_assert_max_num_queries):
    def ask(count):
        for _ in range(count):
            pk = buyer_client.post(CONVERSATIONS, {"product": ProductFactory().pk}, format="json").json()["id"]
            send(buyer_client, pk, "Hello")

    ask(2)
    with django_assert_max_num_queries(3):
        assert len(buyer_client.get(CONVERSATIONS).json()) == 2
    ask(8)
    with django_assert_max_num_queries(3):
        rows = buyer_client.get(CONVERSATIONS).json()
    assert len(rows) == 10 and all(row["customer"] is None and row["labels"] == [] for row in rows)


def test_only_sellers_write_to_a_customer_and_a_seller_may_ask_another_about_a_product(buyer_client,
                                                                                         other_seller_client, product):
    refused = buyer_client.post(CONVERSATIONS, {"customer_email": "a@example.com"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"

    asked = other_seller_client.post(CONVERSATIONS, {"product": product.pk}, format="json")
    assert asked.status_code == 201 and asked.json()["seller"] == product.seller_id


def test_a_start_that_names_nobody_or_no_product_of_theirs_is_refused(buyer_client, seller_client,
                                                                       other_seller_client, product):
    not_found = {"error": "Not found.", "code": "not_found", "details": {}}
    # A seller names a customer and someone else's product; a buyer asks about a product not on sale.
    foreign = other_seller_client.post(CONVERSATIONS, {"customer_email": "a@example.com", "product": product.pk},
                                       format="json")
    assert (foreign.status_code, foreign.json()) == (404, not_found)
    draft = ProductFactory(seller=product.seller, status=ProductStatus.DRAFT)
    unlisted = buyer_client.post(CONVERSATIONS, {"product": draft.pk}, format="json")
    assert (unlisted.status_code, unlisted.json()) == (404, not_found)

    refused = buyer_client.post(CONVERSATIONS, {"customer_email": "a@example.com"}, format="json")
    assert refused.json() == {"error": "Only seller accounts can write to a customer.", "code": "permission_denied",
                              "details": {}}
    nobody = seller_client.post(CONVERSATIONS, {"subject": "Hello"}, format="json")
    assert nobody.status_code == 400 and nobody.json()["code"] == "invalid"
    assert set(nobody.json()["details"]) == {"customer_email", "product"}
    assert Conversation.objects.count() == 0


def test_who_may_ask_comes_before_what_is_asked(buyer_client, other_seller_client, conversation):
    """A non-member learns nothing (404) and a buyer is refused the seller's actions (403), whatever
    the body or query: the request is judged before its content."""
    pk = conversation["id"]
    assert buyer_client.patch(conversation_url(pk), {"status": "nonsense"}, format="json").status_code == 403
    assert other_seller_client.get(conversation_url(pk, "ai_suggestions") + "?language=xx").status_code == 404
    assert buyer_client.get(conversation_url(pk, "ai_suggestions") + "?language=xx").status_code == 403
    assert other_seller_client.get(conversation_url(pk, "messages") + "?before=0").status_code == 404
