"""No one account can take a seller's stock off sale: cash on delivery needs a confirmed email and
holds stock only until the seller's deadline, a buyer's open orders and the units they hold are
capped, and checkout is throttled per user."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from notifications.models import Notification
from orders.models import Order, Payment, ReservationStatus, StockReservation
from orders.tasks import expire_overdue_orders
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.orders.conftest import ADDRESS
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

CART = "/api/orders/cart/"
CHECKOUT = "/api/orders/checkout/"
ORDERS = "/api/orders/orders/"
PUBLIC = "/api/products/public/"


def add(client, product, quantity=1):
    response = client.post(f"{CART}add_item/", {"product_id": product.pk, "quantity": quantity}, format="json")
    assert response.status_code == 200, response.json()


def checkout(client, payment_method="card", **extra):
    return client.post(CHECKOUT, {**ADDRESS, "payment_method": payment_method, **extra}, format="json")


@pytest.fixture
def stole(shop):
    return ProductFactory(seller=shop, name="Kente stole", price=Decimal("45.00"), stock_quantity=5)


# --- Cash on delivery needs a confirmed email -------------------------------------------------

def test_a_script_with_a_new_unverified_account_cannot_hold_a_sellers_stock(api_client, shop, stole):
    registered = api_client.post("/api/auth/register/", {
        "email": "bot@example.com", "password": "Correct-Horse-42", "password_confirm": "Correct-Horse-42",
        "first_name": "Bot", "last_name": "Net", "account_type": "buyer",
    }, format="json")
    assert registered.status_code == 201, registered.json()
    bot = APIClient()
    bot.credentials(HTTP_AUTHORIZATION=f"Bearer {registered.json()['access']}")

    answers = []
    for _ in range(5):
        add(bot, stole, 1)
        answers.append(checkout(bot, "cash_on_delivery"))

    assert {response.status_code for response in answers} == {403}
    assert answers[0].json() == {
        "error": "Confirm your email address before ordering with cash on delivery.",
        "code": "verification_required", "details": {"payment_method": "cash_on_delivery"},
    }
    assert not Order.objects.exists() and not StockReservation.objects.exists()
    assert not Notification.objects.filter(user=shop).exists()  # no new-order mail either
    assert api_client.get(f"{PUBLIC}{stole.pk}/").json()["stock_quantity"] == 5


def test_a_verified_buyer_orders_with_cash_on_delivery(buyer_client, stole):
    add(buyer_client, stole, 2)

    response = checkout(buyer_client, "cash_on_delivery")

    assert response.status_code == 201 and response.json()["payment_method"] == "cash_on_delivery"


def test_online_payment_does_not_ask_for_a_confirmed_email(stole):
    unverified = authenticated_client(UserFactory(account_type="buyer", is_verified=False))
    add(unverified, stole)

    assert checkout(unverified, "card").status_code == 201


# --- The seller's deadline to confirm ---------------------------------------------------------

def test_an_unconfirmed_order_expires_at_its_deadline_and_both_sides_hear_once(buyer, buyer_client, shop, stole,
                                                                              clock, settings,
                                                                              django_capture_on_commit_callbacks):
    settings.COD_CONFIRM_HOURS = 48
    add(buyer_client, stole, 2)
    order = checkout(buyer_client, "cash_on_delivery").json()

    clock.advance(hours=47, minutes=59)
    assert expire_overdue_orders.delay().get() == {}
    clock.advance(minutes=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_overdue_orders.delay().get() == {"expired": 1}
        assert expire_overdue_orders.delay().get() == {}  # the next beat finds nothing

    expired = Order.objects.get()
    assert (expired.status, expired.cancel_reason) == ("cancelled", "confirmation_timeout")
    assert expired.events.last().note == "The seller did not confirm the order in time"
    assert StockReservation.objects.get().status == ReservationStatus.RELEASED
    payment = Payment.objects.get()
    assert (payment.status, payment.failure_reason) == ("failed", "The seller did not confirm the order in time.")
    (to_buyer,) = Notification.objects.filter(user=buyer, title=f"Order {order['order_id']} cancelled")
    assert "did not confirm your cash-on-delivery order within 48 hours" in to_buyer.body
    (to_seller,) = Notification.objects.filter(user=shop, title=f"Order {order['order_id']} expired")
    assert "its items are back on sale" in to_seller.body
    stole.refresh_from_db()
    assert stole.stock_quantity == 5  # nothing was sold


def test_the_deadline_holds_when_read_with_no_worker(buyer_client, shop_client, stole, clock, api_client):
    add(buyer_client, stole, 5)
    order = checkout(buyer_client, "cash_on_delivery").json()
    assert api_client.get(f"{PUBLIC}{stole.pk}/").json()["in_stock"] is False

    clock.advance(hours=49)

    assert api_client.get(f"{PUBLIC}{stole.pk}/").json()["stock_quantity"] == 5  # the hold lapsed
    detail = buyer_client.get(f"{ORDERS}{order['id']}/").json()
    assert (detail["status"], detail["cancel_reason"]) == ("cancelled", "confirmation_timeout")
    assert shop_client.get(f"{ORDERS}seller_orders/").json()[0]["status"] == "cancelled"


def test_confirming_clears_the_deadline_and_sells_the_stock(buyer_client, shop_client, stole, clock):
    add(buyer_client, stole, 2)
    order = checkout(buyer_client, "cash_on_delivery").json()
    assert order["expires_at"] is not None

    confirmed = shop_client.post(f"{ORDERS}{order['id']}/confirm/")

    assert confirmed.status_code == 200
    assert (confirmed.json()["status"], confirmed.json()["expires_at"]) == ("confirmed", None)
    assert StockReservation.objects.get().status == ReservationStatus.CONVERTED
    clock.advance(hours=100)
    assert expire_overdue_orders.delay().get() == {}
    assert Order.objects.get().status == "confirmed"
    stole.refresh_from_db()
    assert stole.stock_quantity == 3


def test_a_late_confirmation_goes_through_while_the_units_are_still_free(buyer_client, shop_client, stole, clock):
    add(buyer_client, stole, 2)
    order = checkout(buyer_client, "cash_on_delivery").json()
    clock.advance(hours=49)  # past the deadline, before any sweep or read

    response = shop_client.post(f"{ORDERS}{order['id']}/confirm/")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["expires_at"]) == ("confirmed", None)
    stole.refresh_from_db()
    assert stole.stock_quantity == 3


def test_a_late_confirmation_is_a_409_once_the_units_went_to_another_buyer(buyer_client, shop_client, stole, clock):
    add(buyer_client, stole, 5)
    order = checkout(buyer_client, "cash_on_delivery").json()
    clock.advance(hours=49)
    other = authenticated_client(UserFactory(account_type="buyer", is_verified=True))
    add(other, stole, 4)
    assert checkout(other, "card").status_code == 201

    response = shop_client.post(f"{ORDERS}{order['id']}/confirm/")

    assert response.status_code == 409
    assert response.json() == {"error": "The time to confirm this order ran out and its stock went to other buyers.",
                               "code": "out_of_stock", "details": {}}
    late = Order.objects.get(pk=order["id"])
    assert (late.status, late.expires_at is not None) == ("pending", True)  # left to the sweep
    assert expire_overdue_orders.delay().get() == {"expired": 1}


# --- Caps per buyer ---------------------------------------------------------------------------

def test_open_orders_are_capped_per_buyer(buyer_client, shop, settings, clock):
    settings.ORDER_MAX_OPEN_PER_BUYER = 2
    products = ProductFactory.create_batch(3, seller=shop, stock_quantity=5)
    for product in products[:2]:
        add(buyer_client, product)
        assert checkout(buyer_client).status_code == 201
    add(buyer_client, products[2])

    refused = checkout(buyer_client)

    assert refused.status_code == 409
    assert refused.json() == {
        "error": "You have as many unpaid or unconfirmed orders as you can: pay or cancel one first.",
        "code": "too_many_open_orders", "details": {"open_orders": 2, "limit": 2},
    }
    assert Order.objects.count() == 2 and buyer_client.get(CART).json()["item_count"] == 1

    # Cancelled or timed-out orders are not open.
    first = Order.objects.order_by("id").first()
    assert buyer_client.post(f"{ORDERS}{first.pk}/cancel/", {"reason": "changed my mind"},
                             format="json").status_code == 200
    assert checkout(buyer_client).status_code == 201
    add(buyer_client, products[0])
    assert checkout(buyer_client).json()["code"] == "too_many_open_orders"
    clock.advance(minutes=16)  # both unpaid orders ran out of time, swept or not
    assert checkout(buyer_client).status_code == 201


def test_a_confirmed_or_paid_order_is_not_open(buyer_client, shop, settings):
    settings.ORDER_MAX_OPEN_PER_BUYER = 1
    first, second = ProductFactory.create_batch(2, seller=shop, stock_quantity=5)
    add(buyer_client, first)
    order = checkout(buyer_client).json()
    assert buyer_client.post(f"/api/orders/payments/{order['payments'][0]['id']}/process/").status_code == 200
    add(buyer_client, second)

    assert checkout(buyer_client).status_code == 201


def test_units_held_of_one_product_are_capped_per_buyer(buyer_client, shop, settings):
    settings.ORDER_MAX_HELD_UNITS_PER_PRODUCT = 3
    popular = ProductFactory(seller=shop, stock_quantity=50)
    add(buyer_client, popular, 2)
    assert checkout(buyer_client).status_code == 201
    add(buyer_client, popular, 2)

    refused = checkout(buyer_client, "cash_on_delivery")

    assert refused.status_code == 409
    assert refused.json() == {
        "error": "Your open orders already hold as many units of this product as one buyer can.",
        "code": "hold_limit_reached", "details": {"product_id": popular.pk, "held": 2, "requested": 2, "limit": 3},
    }
    assert Order.objects.count() == 1 and StockReservation.objects.count() == 1
    buyer_client.put(f"{CART}update_item/{buyer_client.get(CART).json()['items'][0]['id']}/", {"quantity": 1},
                     format="json")
    assert checkout(buyer_client).status_code == 201


def test_one_order_over_the_unit_cap_is_refused_too(buyer_client, shop, settings):
    settings.ORDER_MAX_HELD_UNITS_PER_PRODUCT = 3
    add(buyer_client, ProductFactory(seller=shop, stock_quantity=50), 4)

    assert checkout(buyer_client).json()["details"]["requested"] == 4
    assert not Order.objects.exists()


# --- The checkout throttle --------------------------------------------------------------------

def test_checkout_is_throttled_per_user(buyer_client, shop, throttle_rates):
    throttle_rates(checkout="2/minute")
    products = ProductFactory.create_batch(3, seller=shop, stock_quantity=5)
    for product in products[:2]:
        add(buyer_client, product)
        assert checkout(buyer_client).status_code == 201
    add(buyer_client, products[2])

    throttled = checkout(buyer_client)

    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled" and int(throttled["Retry-After"]) > 0
    assert Order.objects.count() == 2
    assert buyer_client.get(CART).status_code == 200  # only checkout is held back
    other = authenticated_client(UserFactory(account_type="buyer", is_verified=True))
    add(other, products[2])
    assert checkout(other).status_code == 201  # counted per user


def test_cash_on_delivery_orders_placed_before_the_deadline_existed_get_one(buyer_client, shop_client, stole):
    from importlib import import_module

    from django.apps import apps

    add(buyer_client, stole, 2)
    waiting = checkout(buyer_client, "cash_on_delivery").json()
    add(buyer_client, stole, 1)
    confirmed = checkout(buyer_client, "cash_on_delivery").json()
    assert shop_client.post(f"{ORDERS}{confirmed['id']}/confirm/").status_code == 200
    Order.objects.update(expires_at=None)  # as such orders were before
    StockReservation.objects.update(expires_at=None)
    migration = import_module("orders.migrations.0004_cod_deadline_for_open_orders")

    migration.give_open_cod_orders_a_deadline(apps, None)

    deadline = Order.objects.get(pk=waiting["id"]).expires_at
    assert deadline is not None
    assert StockReservation.objects.get(order_id=waiting["id"]).expires_at == deadline
    assert Order.objects.get(pk=confirmed["id"]).expires_at is None  # confirmed: nothing to wait for
