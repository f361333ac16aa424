"""Merging two of a seller's customers keeps everything the seller knew of both."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Customer, CustomerHandle, CustomerTag
from orders.models import Order
from tests.accounts.factories import UserFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/api/customers/"


def merge(client, customer, other_id):
    return client.post(f"{URL}{customer.pk}/merge/", {"other": other_id}, format="json")


def test_a_merge_keeps_both_customers_history(seller, seller_client):
    now = timezone.now()
    buyer = UserFactory(account_type="buyer")
    order = Order.objects.create(buyer=buyer, seller=seller, status="delivered", payment_method="card",
                                 currency=seller.currency, subtotal=Decimal("75.00"), total_amount=Decimal("75.00"),
                                 full_name="Ama", phone="+233241234567", address_line1="1 Oxford Street",
                                 city="Accra", country="Ghana")
    Order.objects.filter(pk=order.pk).update(created_at=now - timedelta(days=20))
    kept = CustomerFactory(seller=seller, name="Ama (Instagram)", email="", phone="+233241234567", notes="Likes red.",
                           first_seen=now - timedelta(days=3), last_seen=now - timedelta(days=3),
                           tag_names=["vip", "instagram"], handles=[("instagram", "1789", "ama.styles")])
    other = CustomerFactory(seller=seller, name="Ama Mensah", email="ama@example.com", phone="+233201234567",
                            buyer=buyer, language="tw", notes="Pays cash.", first_seen=now - timedelta(days=90),
                            last_seen=now - timedelta(days=1), tag_names=["vip", "wholesale"],
                            handles=[("whatsapp", "233201234567", "")])

    response = merge(seller_client, kept, other.pk)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == kept.pk and not Customer.objects.filter(pk=other.pk).exists()
    assert (body["name"], body["email"], body["phone"], body["buyer"], body["language"]) == (
        "Ama (Instagram)", "ama@example.com", "+233241234567", buyer.pk, "tw")
    assert body["tags"] == ["instagram", "vip", "wholesale"]
    assert sorted((h["platform"], h["platform_user_id"]) for h in body["handles"]) == [
        ("instagram", "1789"), ("whatsapp", "233201234567")]
    assert body["notes"] == (f"Likes red.\n\nPays cash.\n\nMerged with customer {other.pk} (Ama Mensah): "
                             "phone +233201234567.")
    assert (body["orders_count"], body["total_spent"]) == (1, "75.00")
    kept.refresh_from_db()
    assert (kept.first_seen, kept.last_seen) == (other.first_seen, other.last_seen)
    assert CustomerTag.objects.count() == 3 and CustomerHandle.objects.filter(customer=kept).count() == 2


def test_the_merged_customers_identifiers_find_the_kept_one(seller, seller_client):
    kept = CustomerFactory(seller=seller, email="")
    other = CustomerFactory(seller=seller, email="kofi@example.com", handles=[("facebook", "42", "kofi")])
    merge(seller_client, kept, other.pk)

    for body in ({"email": "kofi@example.com"}, {"platform": "facebook", "platform_user_id": "42"}):
        response = seller_client.post(URL, body, format="json")
        assert (response.status_code, response.json()["id"]) == (200, kept.pk)


def test_a_customer_cannot_be_merged_into_itself(seller, seller_client):
    customer = CustomerFactory(seller=seller)

    response = merge(seller_client, customer, customer.pk)

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert "other" in response.json()["details"]
    assert Customer.objects.filter(pk=customer.pk).exists()


@pytest.mark.parametrize("other", ["another seller's", "missing"])
def test_the_other_customer_must_be_the_sellers(seller, seller_client, other):
    customer = CustomerFactory(seller=seller, tag_names=["vip"])
    theirs = CustomerFactory(handles=[("instagram", "55", "theirs")])
    other_id = theirs.pk if other == "another seller's" else theirs.pk + 1000

    response = merge(seller_client, customer, other_id)

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert response.json()["details"] == {"other": [f"{other_id}: no such customer of yours."]}
    assert Customer.objects.count() == 2 and CustomerHandle.objects.get().customer == theirs


def test_two_customers_with_their_own_accounts_are_not_merged(seller, seller_client):
    kept = CustomerFactory(seller=seller, buyer=UserFactory(account_type="buyer"))
    other = CustomerFactory(seller=seller, buyer=UserFactory(account_type="buyer"))

    response = merge(seller_client, kept, other.pk)

    assert (response.status_code, response.json()["code"]) == (409, "buyer_accounts_differ")
    assert Customer.objects.count() == 2


@pytest.mark.parametrize("body", [{}, {"other": "two"}, {"other": 0}])
def test_a_merge_names_the_other_customer(seller, seller_client, body):
    customer = CustomerFactory(seller=seller)

    response = seller_client.post(f"{URL}{customer.pk}/merge/", body, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert "other" in response.json()["details"]
