"""A customer's conversations, `GET /api/customers/{id}/conversations/`: routed by the chat app
under the customers' path, the seller's own customer only, in the chat list's body, with a fixed
number of queries."""

import pytest
from rest_framework.test import APIClient

from chat.models import Conversation, ConversationStatus
from customers.models import Customer
from tests.accounts.factories import UserFactory
from tests.chat.conftest import CONVERSATIONS, send
from tests.conftest import authenticated_client
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db


def url(customer_id: int) -> str:
    return f"/api/customers/{customer_id}/conversations/"


def start(client, email: str, **extra) -> int:
    response = client.post(CONVERSATIONS, {"customer_email": email, **extra}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_the_customers_conversations_as_the_chat_list_shows_them(seller, seller_client, product):
    about_product = start(seller_client, "ama@example.com", product=product.pk)
    direct = start(seller_client, "ama@example.com", source="instagram")
    archived = start(seller_client, "ama@example.com", source="whatsapp")
    seller_client.post(f"{CONVERSATIONS}{archived}/archive/")
    send(seller_client, direct, "Your bag ships today.")
    someone_else = start(seller_client, "kofi@example.com")
    customer = Customer.objects.get(email="ama@example.com")

    response = seller_client.get(url(customer.pk))

    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [direct, archived, about_product]  # no message yet: newest first
    assert response["X-Total-Count"] == "3"
    listed = {row["id"]: row for row in seller_client.get(CONVERSATIONS, {"status": "active"}).json()}
    assert response.json()[0] == listed[direct] and response.json()[2] == listed[about_product]
    assert someone_else not in [row["id"] for row in response.json()]
    assert [row["id"] for row in seller_client.get(url(customer.pk), {"status": "archived"}).json()] == [archived]


@pytest.mark.parametrize(("role", "expected"), [("seller", 200), ("other seller", 404), ("buyer", 403),
                                                ("anonymous", 401)])
def test_only_the_customers_seller_sees_them(seller, seller_client, role, expected):
    start(seller_client, "ama@example.com")
    customer = Customer.objects.get()
    clients = {"seller": seller_client, "other seller": authenticated_client(UserFactory(account_type="seller")),
               "buyer": authenticated_client(UserFactory(account_type="buyer")), "anonymous": APIClient()}

    response = clients[role].get(url(customer.pk))

    assert response.status_code == expected
    if expected != 200:
        assert response.json()["code"] == {404: "not_found", 403: "permission_denied", 401: "not_authenticated"}[
            expected]


def test_an_unknown_customer_is_not_found(seller_client):
    assert seller_client.get(url(999999)).status_code == 404


def test_a_conversation_the_customer_had_as_a_buyer_with_another_seller_is_not_listed(seller, buyer, buyer_client,
                                                                                      seller_client, product):
    other_product = ProductFactory(name="Other shop's bag")
    assert buyer_client.post(CONVERSATIONS, {"product": other_product.pk}, format="json").status_code == 201
    mine = buyer_client.post(CONVERSATIONS, {"product": product.pk}, format="json").json()["id"]
    customer = Customer.objects.get(seller=seller)

    assert [row["id"] for row in seller_client.get(url(customer.pk)).json()] == [mine]


@pytest.mark.parametrize("count", [1, 12])
def test_the_query_count_is_fixed(seller, seller_client, count, django_assert_max_num_queries):
    customer = Customer.objects.create(seller=seller, name="Ama", email="ama@example.com")
    for number in range(count):
        Conversation.objects.create(seller=seller, customer=customer, source="instagram", subject=f"#{number}",
                                    status=ConversationStatus.ACTIVE, product=ProductFactory(seller=seller))

    with django_assert_max_num_queries(4):  # user, customer, count, page
        response = seller_client.get(url(customer.pk))

    assert len(response.json()) == count
