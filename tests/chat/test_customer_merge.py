"""A seller merging two customers keeps both customers' conversations; deleting a seller deletes
their customers and conversations together, while a customer with a history is never deleted alone."""

import pytest
from django.db.models import RestrictedError

from chat.models import Conversation, Message
from customers.models import Customer
from tests.accounts.factories import UserFactory
from tests.chat.conftest import CONVERSATIONS, send
from tests.conftest import authenticated_client
from tests.orders.conftest import ADDRESS

pytestmark = pytest.mark.django_db


def start_with(client, email, content):
    response = client.post(CONVERSATIONS, {"customer_email": email, "customer_name": email.split("@")[0]},
                           format="json")
    assert response.status_code == 201, response.json()
    assert send(client, response.json()["id"], content).status_code == 201
    return response.json()["id"]


def test_the_merged_customers_conversations_move_to_the_kept_one(seller, seller_client):
    first = start_with(seller_client, "ama@example.com", "Your bag is ready.")
    second = start_with(seller_client, "ama.mensah@example.com", "Thanks for your order!")
    kept, other = (Conversation.objects.get(pk=pk).customer for pk in (first, second))

    response = seller_client.post(f"/api/customers/{kept.pk}/merge/", {"other": other.pk}, format="json")

    assert response.status_code == 200, response.json()
    assert not Customer.objects.filter(pk=other.pk).exists()
    assert sorted(Conversation.objects.filter(customer=kept).values_list("pk", flat=True)) == sorted([first, second])
    assert Message.objects.filter(conversation_id=second).values_list("content", flat=True).get() == (
        "Thanks for your order!")


def test_a_customer_with_conversations_is_not_deleted_alone_but_goes_with_the_seller(seller, seller_client):
    conversation_id = start_with(seller_client, "kofi@example.com", "Hello Kofi")
    customer = Conversation.objects.get(pk=conversation_id).customer

    with pytest.raises(RestrictedError):
        customer.delete()

    seller.delete()
    assert not Conversation.objects.exists() and not Customer.objects.exists()


# --- who a buyer account is among the seller's customers --------------------------------------------

def test_an_account_that_never_proved_a_customers_email_does_not_become_that_customer(seller, seller_client,
                                                                                       product):
    private = start_with(seller_client, "ama@example.com", "Your size 42 is back, Ama.")
    impostor = UserFactory(account_type="buyer", email="ama@example.com", is_verified=False)
    client = authenticated_client(impostor)

    asked = client.post(CONVERSATIONS, {"product": product.pk}, format="json")

    assert asked.status_code == 201, asked.json()
    assert Conversation.objects.get(pk=asked.json()["id"]).customer_id != Conversation.objects.get(
        pk=private).customer_id
    assert client.get(f"{CONVERSATIONS}{private}/").status_code == 404
    assert client.get(f"{CONVERSATIONS}{private}/messages/").status_code == 404


def test_a_verified_account_joins_the_conversation_the_seller_opened_about_the_same_product(seller, seller_client,
                                                                                            product):
    opened = seller_client.post(CONVERSATIONS, {"customer_email": "ama@example.com", "customer_name": "Ama",
                                                "product": product.pk}, format="json").json()["id"]
    ama = authenticated_client(UserFactory(account_type="buyer", email="ama@example.com", is_verified=True))

    asked = ama.post(CONVERSATIONS, {"product": product.pk}, format="json")

    assert asked.status_code == 200 and asked.json()["id"] == opened
    assert ama.get(f"{CONVERSATIONS}{opened}/messages/").status_code == 200


def test_a_phone_typed_at_checkout_does_not_hand_over_the_customer_who_owns_it(seller, seller_client, product,
                                                                                django_capture_on_commit_callbacks):
    owner = seller_client.post(CONVERSATIONS, {"customer_phone": "+233241234567", "customer_name": "Yaa"},
                               format="json").json()["id"]
    buyer = UserFactory(account_type="buyer", is_verified=True)
    client = authenticated_client(buyer)
    client.post("/api/orders/cart/add_item/", {"product_id": product.pk, "quantity": 1}, format="json")
    with django_capture_on_commit_callbacks(execute=True):  # the customers app records the order
        placed = client.post("/api/orders/checkout/", {**ADDRESS, "phone": "+233241234567",
                                                       "payment_method": "cash_on_delivery"}, format="json")
    assert placed.status_code == 201, placed.json()

    assert Conversation.objects.get(pk=owner).customer.buyer_id is None
    assert Customer.objects.get(seller=seller, buyer=buyer).phone in ("", "+233241234567")
    assert client.get(f"{CONVERSATIONS}{owner}/").status_code == 404


def test_after_a_merge_the_kept_customers_account_is_the_member_of_the_moved_conversations(seller, seller_client,
                                                                                          product):
    ama = UserFactory(account_type="buyer", email="ama@example.com", is_verified=True)
    ama_client = authenticated_client(ama)
    asked = ama_client.post(CONVERSATIONS, {"product": product.pk}, format="json").json()["id"]
    instagram = start_with(seller_client, "ama.ig@example.com", "Hi from Instagram")
    kept, other = (Conversation.objects.get(pk=pk).customer for pk in (asked, instagram))

    assert seller_client.post(f"/api/customers/{kept.pk}/merge/", {"other": other.pk},
                              format="json").status_code == 200

    assert Conversation.objects.get(pk=instagram).buyer == ama
    assert ama_client.get(f"{CONVERSATIONS}{instagram}/messages/").status_code == 200
