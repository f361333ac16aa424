"""A buyer who orders becomes the seller's customer, and the customer's figures follow their orders
through the orders app's announcements (sent after commit): placed, paid, confirmed, cancelled."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Customer, GuestOrder
from customers.tasks import record_customer_orders, refresh_customer_figures
from orders.models import Order
from tests.accounts.factories import UserFactory
from tests.customers.factories import CustomerFactory
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

ORDERS = "/api/orders/orders/"


def figures(customer: Customer) -> tuple[int, str]:
    customer.refresh_from_db()
    return customer.orders_count, f"{customer.total_spent:.2f}"


def test_the_buyer_becomes_the_sellers_customer_and_the_figures_follow_the_orders(
        buyer, buyer_client, shop, shop_client, place_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        card = place_order()  # 2 x 45.00 + 10.00 shipping
    customer = Customer.objects.get(seller=shop)
    assert (customer.buyer, customer.email, customer.phone) == (buyer, buyer.email, "+233501234567")
    assert customer.name == f"{buyer.first_name} {buyer.last_name}".strip()
    assert customer.first_seen == customer.last_seen == Order.objects.get().created_at
    assert figures(customer) == (1, "0.00")  # placed, not paid

    with django_capture_on_commit_callbacks(execute=True):
        paid = buyer_client.post(f"/api/orders/payments/{card['payments'][0]['id']}/process/")
    assert paid.json()["status"] == "completed"
    assert figures(customer) == (1, "100.00")

    with django_capture_on_commit_callbacks(execute=True):
        cash = place_order(payment_method="cash_on_delivery")
    assert figures(customer) == (2, "100.00")
    with django_capture_on_commit_callbacks(execute=True):
        assert shop_client.post(f"{ORDERS}{cash['id']}/confirm/").status_code == 200
    assert figures(customer) == (2, "200.00")

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = shop_client.post(f"{ORDERS}{card['id']}/cancel/", {"reason": "Sold out at the market."},
                                     format="json")
    assert cancelled.status_code == 200, cancelled.json()
    assert figures(customer) == (1, "100.00")
    customer.refresh_from_db()
    assert customer.last_seen == Order.objects.get(pk=cash["id"]).created_at
    assert Customer.objects.count() == 1


def test_the_customers_orders_are_theirs_with_this_seller(buyer, buyer_client, shop, shop_client, place_order,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = place_order()
        elsewhere = place_order(product=ProductFactory(price=Decimal("20.00")))  # another shop's product
        second = place_order(payment_method="cash_on_delivery")
    customer = Customer.objects.get(seller=shop)

    response = shop_client.get(f"/api/customers/{customer.pk}/orders/")

    assert response.status_code == 200
    assert [order["id"] for order in response.json()] == [second["id"], first["id"]]
    assert response.json()[0]["items"][0]["quantity"] == 2 and response["X-Total-Count"] == "2"
    assert [o["id"] for o in shop_client.get(f"/api/customers/{customer.pk}/orders/", {"status": "pending"}).json()
            ] == [second["id"], first["id"]]
    other_shop = Order.objects.get(pk=elsewhere["id"]).seller
    assert Customer.objects.get(seller=other_shop).orders_count == 1


def test_a_customer_without_an_account_has_no_orders(seller, seller_client):
    customer = CustomerFactory(seller=seller)

    response = seller_client.get(f"/api/customers/{customer.pk}/orders/")

    assert (response.status_code, response.json(), response["X-Total-Count"]) == (200, [], "0")


def test_the_customers_orders_query_count_is_fixed(buyer, shop, shop_client, place_order,
                                                   django_capture_on_commit_callbacks, django_assert_max_num_queries):
    with django_capture_on_commit_callbacks(execute=True):
        place_order()
    customer = Customer.objects.get(seller=shop)
    with django_assert_max_num_queries(8) as one:  # user, customer, timer, count, page, items, payments, events
        shop_client.get(f"/api/customers/{customer.pk}/orders/")
    one_order = len(one.captured_queries)  # read now: the next request empties Django's query log
    for _ in range(3):
        place_order(quantity=1)

    with django_assert_max_num_queries(one_order):
        assert len(shop_client.get(f"/api/customers/{customer.pk}/orders/").json()) == 4


def test_a_customer_the_seller_entered_gains_the_account_that_orders(buyer, shop, shop_client, place_order,
                                                                      django_capture_on_commit_callbacks):
    entered = shop_client.post("/api/customers/", {"email": buyer.email.upper(), "name": "Ama from the market",
                                                   "tags": ["market"]}, format="json").json()

    with django_capture_on_commit_callbacks(execute=True):
        place_order()

    customer = Customer.objects.get()
    assert (customer.pk, customer.buyer, customer.name) == (entered["id"], buyer, "Ama from the market")
    assert (customer.phone, customer.orders_count) == ("+233501234567", 1)


def test_a_rolled_back_checkout_announces_nothing(buyer_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = buyer_client.post("/api/orders/checkout/", {"payment_method": "card", "full_name": "A",
                                                               "phone": "+233501234567", "address_line1": "1 Road",
                                                               "city": "Accra", "country": "Ghana"}, format="json")

    assert response.json()["code"] == "cart_empty"
    assert not Customer.objects.exists()


# --- What the figures count, recomputed from the orders -------------------------------------------

def order_of(buyer, seller, status: str, total: str, *, currency: str = "GHS", days_ago: int = 0, **fields) -> Order:
    order = Order.objects.create(
        buyer=buyer, seller=seller, status=status, payment_method="card", currency=currency, subtotal=Decimal(total),
        total_amount=Decimal(total), full_name="Ama Mensah", phone="+233241234567", address_line1="1 Oxford Street",
        city="Accra", country="Ghana", **fields)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return order


def test_the_count_leaves_out_cancelled_orders_and_the_total_counts_money_kept_in_the_sellers_currency():
    seller = UserFactory(account_type="seller", currency="GHS")
    buyer = UserFactory(account_type="buyer")
    now = timezone.now()
    orders = [
        order_of(buyer, seller, "pending", "10.00", days_ago=1),
        order_of(buyer, seller, "confirmed", "20.00", days_ago=30),
        order_of(buyer, seller, "delivered", "40.00", days_ago=9),
        order_of(buyer, seller, "shipped", "80.00", currency="USD", days_ago=8),  # not added to cedis
        order_of(buyer, seller, "cancelled", "160.00", cancelled_at=now, days_ago=2),
        order_of(buyer, seller, "refunded", "320.00", days_ago=7),  # returned after delivery: an order, no money
        order_of(buyer, seller, "refunded", "640.00", cancelled_at=now, days_ago=6),  # cancelled, then refunded
        order_of(UserFactory(account_type="buyer"), seller, "delivered", "1280.00"),  # another buyer's
    ]

    record_customer_orders.delay([orders[0].pk])
    refresh_customer_figures.delay([orders[4].pk])  # twice, or late: the same figures

    customer = Customer.objects.get(buyer=buyer)
    assert figures(customer) == (5, "60.00")
    assert (customer.first_seen.date(), customer.last_seen.date()) == ((now - timedelta(days=30)).date(),
                                                                        (now - timedelta(days=1)).date())


def test_an_order_changing_status_records_a_buyer_the_seller_did_not_have_yet():
    seller, buyer = UserFactory(account_type="seller"), UserFactory(account_type="buyer")
    order = order_of(buyer, seller, "confirmed", "25.00")  # placed before the customers app

    refresh_customer_figures.delay([order.pk])

    customer = Customer.objects.get(seller=seller)
    assert (customer.buyer, customer.phone, figures(customer)) == (buyer, "+233241234567", (1, "25.00"))


def test_an_order_gone_meanwhile_is_skipped():
    record_customer_orders.delay([987654])
    refresh_customer_figures.delay([987654])

    assert not Customer.objects.exists()


def test_a_guest_order_counts_for_the_customer_it_is_linked_to():
    seller = UserFactory(account_type="seller", currency="GHS")
    customer = CustomerFactory(seller=seller, phone="+233241112233")
    guest = order_of(None, seller, "confirmed", "25.00", source="chat")
    GuestOrder.objects.create(customer=customer, order=guest)

    record_customer_orders.delay([guest.pk])
    assert figures(customer) == (1, "25.00")
    Order.objects.filter(pk=guest.pk).update(status="cancelled", cancelled_at=timezone.now())
    refresh_customer_figures.delay([guest.pk])

    assert figures(customer) == (0, "0.00")
    assert Customer.objects.count() == 1


def test_a_guest_order_linked_to_no_customer_is_counted_for_nobody():
    seller = UserFactory(account_type="seller")
    guest = order_of(None, seller, "confirmed", "25.00", source="chat")  # its customer was deleted since

    record_customer_orders.delay([guest.pk])
    refresh_customer_figures.delay([guest.pk])

    assert not Customer.objects.exists()
