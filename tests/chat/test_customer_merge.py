"""A seller merging two customers keeps both customers' conversations; deleting a seller deletes
their customers and conversations together, while a customer with a history is never deleted alone."""

import pytest
from django.db.models import RestrictedError

from chat.models import Conversation, Message
from customers.models import Customer
from tests.chat.conftest import CONVERSATIONS, send

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
