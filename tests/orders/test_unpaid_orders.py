"""Orders nobody pays cost the seller nothing: an online order is announced to its seller when it
is paid, not when it is placed, and dropped in silence; a buyer who keeps cancelling or letting
unpaid orders lapse is stopped for a day; an account whose email is not confirmed holds less."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from rest_framework.test import APIClient

from notifications.models import Notification, NotificationPreference
from orders.models import Order
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


@pytest.fixture
def told(django_capture_on_commit_callbacks):
    """Run a request with what follows its commit (notifications, their mail and pushes)."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def add(client, product, quantity=1):
    response = client.post(f"{CART}add_item/", {"product_id": product.pk, "quantity": quantity}, format="json")
    assert response.status_code == 200, response.json()


def checkout(client, payment_method="card"):
    return client.post(CHECKOUT, {**ADDRESS, "payment_method": payment_method}, format="json")


def cancel(client, order_id):
    response = client.post(f"{ORDERS}{order_id}/cancel/", {"reason": "changed my mind"}, format="json")
    assert response.status_code == 200, response.json()
    return response


def pay(client, order):
    response = client.post(f"/api/orders/payments/{order['payments'][0]['id']}/process/")
    assert response.json()["status"] == "completed", response.json()


def mail_to(user) -> list:
    return [message for message in mail.outbox if user.email in message.to]


def unverified_client() -> APIClient:
    return authenticated_client(UserFactory(account_type="buyer", is_verified=False))


# --- The reviewer's loop ----------------------------------------------------------------------

def test_a_new_account_cancelling_and_reordering_by_card_is_stopped_and_the_seller_hears_nothing(
        api_client, shop, clock, told, throttle_rates):
    throttle_rates(checkout="100/minute")  # what stops it here is the abandoned orders, not the throttle
    registered = api_client.post("/api/auth/register/", {
        "email": "bot@example.com", "password": "Correct-Horse-42", "password_confirm": "Correct-Horse-42",
        "first_name": "Bot", "last_name": "Net", "account_type": "buyer",
    }, format="json")
    assert registered.status_code == 201, registered.json()
    bot = APIClient()
    bot.credentials(HTTP_AUTHORIZATION=f"Bearer {registered.json()['access']}")
    products = ProductFactory.create_batch(3, seller=shop, price=Decimal("45.00"), stock_quantity=5)

    answers = []
    for _ in range(8):  # every unit of every product, by card, dropped at once, again and again
        clock.advance(seconds=20)
        if not bot.get(CART).json()["items"]:  # a refused checkout keeps the cart
            for product in products:
                add(bot, product, 5)
        response = told(checkout, bot)
        answers.append(response)
        if response.status_code == 201:
            told(cancel, bot, response.json()["id"])

    assert [response.status_code for response in answers] == [201] * 5 + [429] * 3
    refused = answers[-1]
    fifth_oldest = Order.objects.order_by("-cancelled_at")[4].cancelled_at
    wait = int((fifth_oldest + timedelta(hours=24) - clock.now).total_seconds())
    assert refused.json() == {
        "error": "You cancelled or left unpaid too many orders in the last 24 hours: you can order again later.",
        "code": "too_many_abandoned_orders",
        "details": {"limit": 5, "window_hours": 24, "retry_after": wait,
                    "retry_at": (fifth_oldest + timedelta(hours=24)).isoformat().replace("+00:00", "Z")},
    }
    assert refused["Retry-After"] == str(wait)
    assert Order.objects.count() == 5
    # The seller was never told of any of it, in the app or by mail.
    assert not Notification.objects.filter(user=shop).exists()
    assert mail_to(shop) == []
    assert all(api_client.get(f"{PUBLIC}{product.pk}/").json()["stock_quantity"] == 5 for product in products)

    clock.advance(seconds=wait - 1)
    assert checkout(bot).status_code == 429
    clock.advance(seconds=1)  # the oldest of the five left the window
    assert checkout(bot).status_code == 201


# --- What the seller hears --------------------------------------------------------------------

def test_an_online_order_is_announced_to_its_seller_once_when_paid(buyer, buyer_client, shop, told):
    add(buyer_client, ProductFactory(seller=shop, stock_quantity=5), 2)

    order = told(checkout, buyer_client).json()

    assert not Notification.objects.filter(user=shop).exists() and mail_to(shop) == []
    told(pay, buyer_client, order)
    assert list(Notification.objects.filter(user=shop).values_list("title", flat=True)) == [
        f"New order {order['order_id']}, paid"]
    assert [message.subject for message in mail_to(shop)] == [f"New order {order['order_id']}, paid"]


def test_a_paid_online_order_reaches_a_seller_who_only_keeps_order_notifications(buyer_client, shop, told):
    NotificationPreference.objects.update_or_create(
        user=shop, defaults={"order_notifications": True, "payment_notifications": False})
    add(buyer_client, ProductFactory(seller=shop, stock_quantity=5), 1)

    order = told(checkout, buyer_client).json()
    told(pay, buyer_client, order)

    assert list(Notification.objects.filter(user=shop).values_list("type", "title")) == [
        ("order", f"New order {order['order_id']}, paid")]


def test_a_cash_on_delivery_order_is_announced_at_checkout_with_its_deadline(buyer_client, shop, told, settings):
    settings.COD_CONFIRM_HOURS = 48
    add(buyer_client, ProductFactory(seller=shop, stock_quantity=5), 2)

    order = told(checkout, buyer_client, "cash_on_delivery").json()

    (notice,) = Notification.objects.filter(user=shop)
    assert notice.title == f"New order {order['order_id']}"
    assert notice.body == (f"John Doe ordered for GHS {order['total_amount']} (cash on delivery). "
                           "Confirm it within 48 hours, or it is cancelled.")


def test_dropping_an_unpaid_online_order_tells_the_seller_nothing(buyer_client, shop, clock, told):
    product = ProductFactory(seller=shop, stock_quantity=5)
    add(buyer_client, product)
    cancelled = told(checkout, buyer_client).json()
    add(buyer_client, product)
    lapsed = told(checkout, buyer_client).json()

    told(cancel, buyer_client, cancelled["id"])
    clock.advance(minutes=16)
    told(expire_overdue_orders.delay)

    assert Order.objects.get(pk=lapsed["id"]).cancel_reason == "payment_timeout"
    assert not Notification.objects.filter(user=shop).exists() and mail_to(shop) == []


@pytest.mark.parametrize("paid", [False, True], ids=["cash on delivery", "paid online"])
def test_cancelling_an_order_the_seller_knows_of_still_tells_them(buyer_client, shop, told, paid):
    add(buyer_client, ProductFactory(seller=shop, stock_quantity=5))
    order = told(checkout, buyer_client, "card" if paid else "cash_on_delivery").json()
    if paid:
        told(pay, buyer_client, order)

    told(cancel, buyer_client, order["id"])

    notice = Notification.objects.get(user=shop, title=f"Order {order['order_id']} cancelled")
    assert notice.body == "The buyer cancelled the order: changed my mind."


# --- Abandoned orders -------------------------------------------------------------------------

def test_lapsed_unpaid_orders_count_whether_the_timer_job_ran_or_not(buyer_client, shop, clock, settings):
    settings.ORDER_MAX_ABANDONED_PER_DAY = 2
    product = ProductFactory(seller=shop, stock_quantity=50)
    add(buyer_client, product)
    assert checkout(buyer_client).status_code == 201
    clock.advance(minutes=16)
    assert expire_overdue_orders.delay().get() == {"expired": 1}  # swept: cancelled, payment_timeout
    add(buyer_client, product)
    assert checkout(buyer_client).status_code == 201
    clock.advance(minutes=16)  # lapsed, and no job ran: still pending
    add(buyer_client, product)

    refused = checkout(buyer_client)

    assert refused.status_code == 429 and refused.json()["code"] == "too_many_abandoned_orders"
    assert sorted(Order.objects.values_list("status", flat=True)) == ["cancelled", "pending"]
    first = Order.objects.order_by("id").first()
    assert refused.json()["details"]["retry_at"] == (first.cancelled_at + timedelta(hours=24)).isoformat().replace(
        "+00:00", "Z")
    assert buyer_client.get(CART).json()["item_count"] == 1  # the cart is kept for later


def test_orders_the_buyer_did_not_abandon_do_not_count(buyer, buyer_client, shop, shop_client, clock, settings):
    settings.ORDER_MAX_ABANDONED_PER_DAY = 1
    product = ProductFactory(seller=shop, stock_quantity=50)
    add(buyer_client, product)
    paid = checkout(buyer_client).json()
    pay(buyer_client, paid)
    cancel(buyer_client, paid["id"])  # paid, then cancelled: refunded, not abandoned
    add(buyer_client, product)
    by_seller = checkout(buyer_client).json()
    assert shop_client.post(f"{ORDERS}{by_seller['id']}/cancel/", {"reason": "no courier"},
                            format="json").status_code == 200
    add(buyer_client, product)
    assert checkout(buyer_client, "cash_on_delivery").status_code == 201
    clock.advance(hours=49)  # its seller never confirmed it
    assert expire_overdue_orders.delay().get() == {"expired": 1}
    assert Order.objects.filter(cancel_reason="confirmation_timeout").exists()
    add(buyer_client, product)

    assert checkout(buyer_client).status_code == 201


def test_a_limit_of_zero_turns_the_abandoned_order_limit_off(buyer_client, shop, settings):
    settings.ORDER_MAX_ABANDONED_PER_DAY = 0
    product = ProductFactory(seller=shop, stock_quantity=50)
    for _ in range(3):
        add(buyer_client, product)
        order = checkout(buyer_client).json()
        cancel(buyer_client, order["id"])
    add(buyer_client, product)

    assert checkout(buyer_client).status_code == 201


# --- Tighter caps until the email is confirmed ------------------------------------------------

def test_an_unverified_buyer_has_fewer_open_orders(shop, settings):
    settings.ORDER_MAX_OPEN_PER_BUYER, settings.ORDER_MAX_OPEN_UNVERIFIED = 10, 2
    client = unverified_client()
    products = ProductFactory.create_batch(3, seller=shop, stock_quantity=5)
    for product in products[:2]:
        add(client, product)
        assert checkout(client).status_code == 201
    add(client, products[2])

    refused = checkout(client)

    assert refused.status_code == 409
    assert refused.json() == {
        "error": "You have as many unpaid or unconfirmed orders as you can: pay or cancel one first.",
        "code": "too_many_open_orders", "details": {"open_orders": 2, "limit": 2, "verified": False},
    }


def test_an_unverified_buyer_holds_fewer_units_of_a_product(shop, settings):
    settings.ORDER_MAX_HELD_UNITS_PER_PRODUCT, settings.ORDER_MAX_HELD_UNITS_UNVERIFIED = 100, 10
    popular = ProductFactory(seller=shop, stock_quantity=50)
    client = unverified_client()
    add(client, popular, 11)

    refused = checkout(client)

    assert refused.status_code == 409
    assert refused.json()["details"] == {"product_id": popular.pk, "held": 0, "requested": 11, "limit": 10,
                                         "verified": False}
    client.put(f"{CART}update_item/{client.get(CART).json()['items'][0]['id']}/", {"quantity": 10}, format="json")
    assert checkout(client).status_code == 201


def test_a_verified_buyer_keeps_the_wider_caps(buyer_client, shop, settings):
    settings.ORDER_MAX_OPEN_UNVERIFIED, settings.ORDER_MAX_HELD_UNITS_UNVERIFIED = 1, 1
    products = ProductFactory.create_batch(2, seller=shop, stock_quantity=50)
    for product in products:
        add(buyer_client, product, 20)
        assert checkout(buyer_client).status_code == 201


def test_the_unverified_caps_never_exceed_everyones(shop, settings):
    settings.ORDER_MAX_OPEN_PER_BUYER, settings.ORDER_MAX_OPEN_UNVERIFIED = 1, 2
    client = unverified_client()
    first, second = ProductFactory.create_batch(2, seller=shop, stock_quantity=5)
    add(client, first)
    assert checkout(client).status_code == 201
    add(client, second)

    assert checkout(client).json()["details"] == {"open_orders": 1, "limit": 1, "verified": False}
