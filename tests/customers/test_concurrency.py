"""Races on PostgreSQL, with real threads and connections: one new person arriving twice at once is
one customer, two orders recorded at once are both counted, and two crossed merges cannot deadlock."""

from decimal import Decimal

import pytest
from django.db import connection

from customers.models import Customer
from customers.services import customers_record_orders
from orders.models import Order
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.customers.factories import CustomerFactory
from tests.orders.test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level concurrency needs PostgreSQL"),
]


def test_the_same_new_customer_added_twice_at_once_is_one_customer():
    seller = UserFactory(account_type="seller")
    clients = [authenticated_client(seller) for _ in range(4)]

    def add(i):
        response = clients[i].post("/api/customers/", {"email": "ama@example.com", "phone": "+233241234567",
                                                       "tags": [f"from {i}"]}, format="json")
        return response.status_code, response.json()["id"]

    results = run_together(add, 4)

    assert sorted(status for status, _ in results) == [200, 200, 200, 201]
    customer = Customer.objects.get()
    assert {pk for _, pk in results} == {customer.pk}
    assert sorted(customer.tags.values_list("name", flat=True)) == [f"from {i}" for i in range(4)]


def test_two_orders_recorded_at_once_make_one_customer_counting_both():
    seller, buyer = UserFactory(account_type="seller"), UserFactory(account_type="buyer")
    orders = [Order.objects.create(
        buyer=buyer, seller=seller, status="confirmed", payment_method="card", currency=seller.currency,
        subtotal=Decimal("30.00"), total_amount=Decimal("30.00"), full_name="Ama", phone="+233241234567",
        address_line1="1 Oxford Street", city="Accra", country="Ghana") for _ in range(2)]

    results = run_together(lambda i: customers_record_orders(order_ids=[orders[i].pk]), 2)

    assert results == [None, None]
    customer = Customer.objects.get()
    assert (customer.buyer, customer.orders_count, customer.total_spent) == (buyer, 2, Decimal("60.00"))


def test_two_crossed_merges_at_once_leave_one_customer():
    seller = UserFactory(account_type="seller")
    first = CustomerFactory(seller=seller, tag_names=["a"])
    second = CustomerFactory(seller=seller, tag_names=["b"])
    clients = [authenticated_client(seller) for _ in range(2)]
    pairs = [(first, second), (second, first)]

    def merge(i):
        kept, other = pairs[i]
        return clients[i].post(f"/api/customers/{kept.pk}/merge/", {"other": other.pk}, format="json").status_code

    results = run_together(merge, 2)

    assert sorted(results) == [200, 404]
    survivor = Customer.objects.get()
    assert sorted(survivor.tags.values_list("name", flat=True)) == ["a", "b"]
