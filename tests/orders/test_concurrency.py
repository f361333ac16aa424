"""Races on PostgreSQL, with real threads and connections: many buyers for the last units, and
two timer workers expiring the same orders at the same moment."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from orders.models import CartItem, Order, OrderEvent, ReservationStatus, StockReservation
from orders.services.cart import cart_for
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.orders.conftest import ADDRESS
from tests.products.factories import ProductFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level concurrency needs PostgreSQL"),
]


def run_together(work, count: int) -> list:
    """Run `work(i)` in `count` threads released at the same instant; return their results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # recorded: the assertions say which failures are expected
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_fifty_buyers_for_the_last_ten_units_make_exactly_ten_orders():
    product = ProductFactory(stock_quantity=10, price=Decimal("20.00"))
    buyers = UserFactory.create_batch(50, account_type="buyer")
    for buyer in buyers:
        CartItem.objects.create(cart=cart_for(buyer), product=product, seller=product.seller, quantity=1,
                                product_name=product.name, price_when_added=product.price)
    clients = [authenticated_client(buyer) for buyer in buyers]

    def check_out(i):
        response = clients[i].post("/api/orders/checkout/", {**ADDRESS, "payment_method": "card"}, format="json")
        return response.status_code, response.json().get("code")

    results = run_together(check_out, 50)

    assert sorted(results, key=str) == sorted([(201, None)] * 10 + [(409, "checkout_failed")] * 40, key=str)
    assert Order.objects.count() == 10
    held = StockReservation.objects.filter(status=ReservationStatus.ACTIVE).aggregate(total=Sum("quantity"))["total"]
    assert held == 10
    product.refresh_from_db()
    assert product.stock_quantity == 10  # held, not yet sold

    # Paying them all sells exactly the ten units.
    for order in Order.objects.select_related("buyer"):
        response = authenticated_client(order.buyer).post(f"/api/orders/payments/{order.payments.get().pk}/process/")
        assert response.json()["status"] == "completed"
    product.refresh_from_db()
    assert product.stock_quantity == 0
    assert StockReservation.objects.filter(status=ReservationStatus.CONVERTED).count() == 10


def test_two_timer_workers_at_the_same_moment_expire_each_order_once():
    from orders.tasks import expire_overdue_orders

    product = ProductFactory(stock_quantity=100)
    past = timezone.now() - timedelta(minutes=1)
    for buyer in UserFactory.create_batch(10, account_type="buyer"):
        CartItem.objects.create(cart=cart_for(buyer), product=product, seller=product.seller, quantity=3,
                                product_name=product.name, price_when_added=product.price)
        response = authenticated_client(buyer).post("/api/orders/checkout/", {**ADDRESS, "payment_method": "card"},
                                                    format="json")
        assert response.status_code == 201
    Order.objects.update(expires_at=past)
    StockReservation.objects.update(expires_at=past)

    results = run_together(lambda i: expire_overdue_orders(), 2)

    assert all(isinstance(result, dict) for result in results), results
    assert sum(result.get("expired", 0) for result in results) == 10
    assert OrderEvent.objects.filter(to_status="cancelled").count() == 10
    assert set(Order.objects.values_list("status", "cancel_reason")) == {("cancelled", "payment_timeout")}
    assert StockReservation.objects.filter(status=ReservationStatus.RELEASED).count() == 10
    # Each buyer is told once: a double expiry would have told someone twice.
    from notifications.models import Notification

    assert Notification.objects.filter(title__endswith=" cancelled").count() == 10


def test_the_same_payment_sent_twice_at_once_reaches_the_gateway_once(monkeypatch):
    from orders.gateways.test import TestGateway
    from orders.models import PaymentAttempt

    product = ProductFactory(stock_quantity=5)
    buyer = UserFactory(account_type="buyer")
    CartItem.objects.create(cart=cart_for(buyer), product=product, seller=product.seller, quantity=1,
                            product_name=product.name, price_when_added=product.price)
    order = authenticated_client(buyer).post("/api/orders/checkout/", {**ADDRESS, "payment_method": "card"},
                                             format="json").json()
    real_initiate = TestGateway.initiate

    def slow_initiate(self, request):  # a provider taking its time, so the two requests overlap
        import time

        time.sleep(0.3)
        return real_initiate(self, request)

    monkeypatch.setattr(TestGateway, "initiate", slow_initiate)
    clients = [authenticated_client(buyer) for _ in range(2)]
    url = f"/api/orders/payments/{order['payments'][0]['id']}/process/"

    results = run_together(lambda i: clients[i].post(url).status_code, 2)

    assert sorted(results) == [200, 409]
    assert PaymentAttempt.objects.filter(action="initiate").count() == 1


def test_one_idempotency_key_sent_twice_at_once_makes_one_order():
    product = ProductFactory(stock_quantity=5)
    buyer = UserFactory(account_type="buyer")
    CartItem.objects.create(cart=cart_for(buyer), product=product, seller=product.seller, quantity=1,
                            product_name=product.name, price_when_added=product.price)
    clients = [authenticated_client(buyer) for _ in range(2)]

    def check_out(i):
        response = clients[i].post("/api/orders/checkout/", {**ADDRESS, "payment_method": "card"}, format="json",
                                   HTTP_IDEMPOTENCY_KEY="same-key")
        return response.status_code, response.json().get("code") or response.json().get("order_id")

    results = run_together(check_out, 2)

    assert Order.objects.count() == 1
    statuses = sorted(status for status, _ in results)
    # The loser either waited and replayed the order, or was told the first is still in progress.
    assert statuses in ([201, 201], [201, 409])
    if statuses == [201, 201]:
        assert results[0][1] == results[1][1]


def test_one_buyers_checkouts_at_once_cannot_pass_the_open_order_cap_together(settings):
    """The cap is counted under the buyer's cart lock: simultaneous checkouts queue behind it."""
    settings.ORDER_MAX_OPEN_PER_BUYER = 2
    buyer = UserFactory(account_type="buyer")
    products = [ProductFactory(stock_quantity=5) for _ in range(5)]  # five sellers: five orders
    for product in products:
        CartItem.objects.create(cart=cart_for(buyer), product=product, seller=product.seller, quantity=1,
                                product_name=product.name, price_when_added=product.price)
    clients = [authenticated_client(buyer) for _ in products]

    def check_out(i):
        body = {**ADDRESS, "payment_method": "card", "seller_id": products[i].seller_id}
        response = clients[i].post("/api/orders/checkout/", body, format="json")
        return response.status_code, response.json().get("code")

    results = run_together(check_out, 5)

    assert sorted(results, key=str) == sorted([(201, None)] * 2 + [(409, "too_many_open_orders")] * 3, key=str)
    assert Order.objects.filter(buyer=buyer).count() == 2
