"""The order after checkout: the payment timer, the seller's and buyer's actions, each invalid
transition, refunds and their limits, the lists with their filters, and who may see what."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification
from orders.models import Order, Payment, Refund, ReservationStatus, StockReservation
from orders.services.payments import order_expire
from orders.tasks import expire_overdue_orders
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client

pytestmark = pytest.mark.django_db

ORDERS = "/api/orders/orders/"


def overdue(order_id: int) -> None:
    past = timezone.now() - timedelta(minutes=1)
    Order.objects.filter(pk=order_id).update(expires_at=past)
    StockReservation.objects.filter(order_id=order_id).update(expires_at=past)


def pay(client, order):
    response = client.post(f"/api/orders/payments/{order['payments'][0]['id']}/process/")
    assert response.json()["status"] == "completed", response.json()


# --- The payment timer ------------------------------------------------------------------------

def test_the_timer_expires_an_unpaid_order_once_and_tells_the_buyer(buyer, place_order,
                                                                    django_capture_on_commit_callbacks):
    order = place_order()
    overdue(order["id"])

    with django_capture_on_commit_callbacks(execute=True):
        assert expire_overdue_orders.delay().get() == {"expired": 1}
        assert expire_overdue_orders.delay().get() == {}  # a second beat finds nothing
        assert order_expire(order_pk=order["id"]) == "nothing"  # nor does a racing worker

    expired = Order.objects.get()
    assert (expired.status, expired.cancel_reason) == ("cancelled", "payment_timeout")
    assert StockReservation.objects.get().status == ReservationStatus.RELEASED
    assert Payment.objects.get().status == "failed"
    assert Notification.objects.filter(user=buyer, title=f"Order {expired.order_id} cancelled").count() == 1


def test_an_order_not_yet_due_is_left_alone(place_order):
    place_order()

    assert expire_overdue_orders.delay().get() == {}
    assert Order.objects.get().status == "pending"


def test_reading_an_overdue_order_expires_it_without_any_worker(buyer_client, place_order):
    order = place_order()
    overdue(order["id"])

    assert buyer_client.get(f"{ORDERS}{order['id']}/").json()["status"] == "cancelled"


def test_the_timer_asks_the_gateway_first_and_confirms_a_payment_it_missed(buyer_client, place_order, settings):
    settings.PAYMENT_TEST_OUTCOME = "pending"
    order = place_order()
    buyer_client.post(f"/api/orders/payments/{order['payments'][0]['id']}/process/")
    overdue(order["id"])
    settings.PAYMENT_TEST_OUTCOME = "success"  # the buyer paid; the webhook never came

    assert expire_overdue_orders.delay().get() == {"confirmed": 1}
    assert Order.objects.get().status == "confirmed"
    assert list(Payment.objects.get().attempts.values_list("action", "outcome")) == [
        ("initiate", "pending"), ("verify", "completed")]


def test_a_waiting_mobile_money_prompt_gets_one_extension(buyer_client, place_order, settings):
    settings.PAYMENT_TEST_OUTCOME = "pending"
    settings.PAYMENT_MOBILE_MONEY_GRACE_MINUTES = 10
    order = place_order(payment_method="mobile_money", mobile_money_provider="mtn")
    buyer_client.post(f"/api/orders/payments/{order['payments'][0]['id']}/process/")
    overdue(order["id"])

    assert expire_overdue_orders.delay().get() == {"extended": 1}
    extended = Order.objects.get()
    assert extended.status == "pending" and extended.expires_at > timezone.now() + timedelta(minutes=9)
    assert StockReservation.objects.get().expires_at == extended.expires_at

    overdue(order["id"])
    assert expire_overdue_orders.delay().get() == {"expired": 1}  # once only


# --- Seller and buyer actions -----------------------------------------------------------------

def test_cash_on_delivery_from_confirmation_to_delivery(buyer, buyer_client, shop_client, place_order,
                                                        django_capture_on_commit_callbacks):
    order = place_order(payment_method="cash_on_delivery")
    url = f"{ORDERS}{order['id']}/"

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = shop_client.post(f"{url}confirm/")
        shipped = shop_client.post(f"{url}ship/", {"carrier": "DHL", "tracking_number": "GH123"}, format="json")
        delivered = shop_client.post(f"{url}deliver/")

    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert StockReservation.objects.get().status == ReservationStatus.CONVERTED
    assert shipped.json()["status"] == "shipped"
    assert (shipped.json()["carrier"], shipped.json()["tracking_number"]) == ("DHL", "GH123")
    body = delivered.json()
    assert body["status"] == "delivered" and body["delivered_at"] is not None
    assert body["payments"][0]["status"] == "completed" and body["payments"][0]["amount_paid"] == body["total_amount"]
    assert [(e["to_status"], e["actor"]) for e in body["timeline"]] == [
        ("pending", "buyer"), ("confirmed", "seller"), ("shipped", "seller"), ("delivered", "seller")]
    titles = set(Notification.objects.filter(user=buyer).values_list("title", flat=True))
    assert {f"Order {order['order_id']} {word}" for word in ("confirmed", "shipped", "delivered")} <= titles


@pytest.mark.parametrize("setup, action, expected_from", [
    ([], "ship/", "pending"),
    ([], "deliver/", "pending"),
    (["confirm/"], "deliver/", "confirmed"),
    (["confirm/"], "confirm/", "confirmed"),
    (["confirm/", "ship/"], "cancel/", "shipped"),
    (["confirm/", "ship/", "deliver/"], "ship/", "delivered"),
    (["cancel/"], "confirm/", "cancelled"),
])
def test_each_invalid_transition_is_a_409(shop_client, place_order, setup, action, expected_from):
    order = place_order(payment_method="cash_on_delivery")
    url = f"{ORDERS}{order['id']}/"
    for step in setup:
        assert shop_client.post(f"{url}{step}").status_code == 200

    response = shop_client.post(f"{url}{action}")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["details"]["from"] == expected_from


def test_an_online_order_is_confirmed_by_its_payment_not_by_hand(shop_client, place_order):
    order = place_order()

    response = shop_client.post(f"{ORDERS}{order['id']}/confirm/")

    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"


def test_the_buyer_cancels_before_paying_and_the_stock_is_free(buyer_client, shop, place_order,
                                                                django_capture_on_commit_callbacks):
    order = place_order()

    with django_capture_on_commit_callbacks(execute=True):
        response = buyer_client.post(f"{ORDERS}{order['id']}/cancel/", {"reason": "Ordered twice"}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancel_reason"]) == ("cancelled", "buyer_cancelled")
    assert StockReservation.objects.get().status == ReservationStatus.RELEASED
    # The seller never heard of this unpaid order, so they do not hear of its end either.
    assert not Notification.objects.filter(user=shop).exists()


def test_the_seller_cancels_a_paid_order_which_is_refunded_and_restocked(buyer_client, shop_client, place_order,
                                                                        django_capture_on_commit_callbacks):
    order = place_order()
    pay(buyer_client, order)

    with django_capture_on_commit_callbacks(execute=True):
        response = shop_client.post(f"{ORDERS}{order['id']}/cancel/", {"reason": "Damaged in store"}, format="json")

    assert response.status_code == 200
    cancelled = Order.objects.get()
    assert cancelled.status == "refunded"  # cancelled, then its payment went back
    payment = cancelled.payments.get()
    assert payment.status == "refunded" and payment.amount_refunded == payment.amount_paid
    assert cancelled.items.get().product.stock_quantity == 5
    assert Refund.objects.get().automatic


# --- Refunds ----------------------------------------------------------------------------------

def test_partial_then_full_refunds_never_above_what_was_paid(buyer_client, shop_client, place_order):
    order = place_order()  # 2 x 45.00 + 10.00 shipping
    pay(buyer_client, order)
    url = f"{ORDERS}{order['id']}/refund/"

    partial = shop_client.post(url, {"amount": "40.00", "reason": "One scarf was torn"}, format="json")
    assert partial.status_code == 201
    assert partial.json()["refund"]["amount"] == "40.00" and partial.json()["refund"]["status"] == "completed"
    assert partial.json()["order"]["payments"][0]["status"] == "partially_refunded"
    assert partial.json()["order"]["status"] == "confirmed"

    too_much = shop_client.post(url, {"amount": "60.01", "reason": "Too much"}, format="json")
    assert too_much.status_code == 409 and too_much.json()["code"] == "refund_too_large"
    assert too_much.json()["details"] == {"refundable": "60.00", "requested": "60.01"}

    rest = shop_client.post(url, {"reason": "Returned", "restock": True}, format="json")
    assert rest.json()["refund"]["amount"] == "60.00"
    assert rest.json()["order"]["status"] == "refunded"
    assert Order.objects.get().items.get().product.stock_quantity == 5

    nothing_left = shop_client.post(url, {"reason": "Again"}, format="json")
    assert nothing_left.status_code == 409 and nothing_left.json()["code"] == "not_refundable"


@pytest.mark.parametrize("body", [{"amount": "-5", "reason": "x"}, {"amount": "abc", "reason": "x"}, {"amount": "5"}])
def test_bad_refund_input_is_a_400(buyer_client, shop_client, place_order, body):
    order = place_order()
    pay(buyer_client, order)

    assert shop_client.post(f"{ORDERS}{order['id']}/refund/", body, format="json").status_code == 400


def test_an_unpaid_order_has_nothing_to_refund(shop_client, place_order):
    order = place_order()

    response = shop_client.post(f"{ORDERS}{order['id']}/refund/", {"reason": "x"}, format="json")

    assert response.status_code == 409 and response.json()["code"] == "not_refundable"


# --- Lists and ownership ----------------------------------------------------------------------

def test_the_buyers_list_filters_by_status(buyer_client, place_order):
    paid_order = place_order()
    pay(buyer_client, paid_order)
    place_order()

    response = buyer_client.get(ORDERS, {"status": "confirmed"})

    assert response.status_code == 200 and response["X-Total-Count"] == "1"
    assert [o["id"] for o in response.json()] == [paid_order["id"]]
    assert buyer_client.get(ORDERS, {"status": "lost"}).status_code == 400


def test_the_sellers_list_filters_and_searches(shop_client, place_order, buyer_client):
    instagram = place_order(source="instagram")
    whatsapp = place_order(source="whatsapp")

    from_whatsapp = shop_client.get(f"{ORDERS}seller_orders/", {"source": "whatsapp"}).json()
    assert [o["id"] for o in from_whatsapp] == [whatsapp["id"]]
    found = shop_client.get(f"{ORDERS}seller_orders/", {"search": instagram["order_id"].lower()}).json()
    assert [o["id"] for o in found] == [instagram["id"]]
    assert len(shop_client.get(f"{ORDERS}seller_orders/", {"search": "John"}).json()) == 2
    today = timezone.now().date().isoformat()
    created_today = shop_client.get(f"{ORDERS}seller_orders/", {"created_after": today, "created_before": today})
    assert len(created_today.json()) == 2
    assert shop_client.get(f"{ORDERS}seller_orders/", {"created_after": "yesterday"}).status_code == 400
    assert buyer_client.get(f"{ORDERS}seller_orders/").status_code == 403


def test_the_lists_read_in_a_fixed_number_of_queries(buyer_client, shop_client, place_order,
                                                     django_assert_max_num_queries):
    for _ in range(2):
        place_order()
    with django_assert_max_num_queries(9):
        assert len(buyer_client.get(ORDERS).json()) == 2
    for _ in range(6):
        place_order()
    with django_assert_max_num_queries(9):
        assert len(buyer_client.get(ORDERS).json()) == 8
    with django_assert_max_num_queries(9):
        assert len(shop_client.get(f"{ORDERS}seller_orders/").json()) == 8


def test_another_buyers_or_sellers_order_is_not_found(place_order, buyer_client):
    order = place_order(payment_method="cash_on_delivery")
    url = f"{ORDERS}{order['id']}/"
    other_buyer = authenticated_client(UserFactory(account_type="buyer"))
    other_seller = authenticated_client(UserFactory(account_type="seller"))

    for client in (other_buyer, other_seller):
        assert client.get(url).status_code == 404
        assert client.post(f"{url}cancel/").status_code == 404
    for action in ("confirm/", "ship/", "deliver/", "refund/"):
        assert other_seller.post(f"{url}{action}", {"reason": "x"}, format="json").status_code == 404
        assert buyer_client.post(f"{url}{action}", {"reason": "x"}, format="json").status_code == 403
    assert Order.objects.get().status == "pending"
    assert buyer_client.get(url).status_code == 200


def test_the_state_machine_refuses_every_transition_it_does_not_list():
    from orders.errors import InvalidTransition
    from orders.models import OrderStatus
    from orders.services.lifecycle import ALLOWED_TRANSITIONS, order_transition
    from tests.orders.factories import OrderFactory

    refused = 0
    for current in OrderStatus.values:
        for target in OrderStatus.values:
            if target in ALLOWED_TRANSITIONS[current]:
                continue
            order = OrderFactory(status=current)
            with pytest.raises(InvalidTransition) as error:
                order_transition(order=order, to=target)
            assert error.value.details["from"] == current
            order.refresh_from_db()
            assert order.status == current and not order.events.exists()
            refused += 1
    assert refused == 49 - sum(len(targets) for targets in ALLOWED_TRANSITIONS.values())


def test_a_late_payment_reopening_an_order_clears_its_cancellation(api_client, place_order):
    import json

    from orders.gateways.test import sign_test_webhook

    order = place_order()
    overdue(order["id"])
    expire_overdue_orders.delay()
    payment = Payment.objects.get()
    body = json.dumps({"id": "evt", "type": "payment.succeeded", "reference": payment.reference,
                       "transaction_id": "T", "amount": "100.00", "currency": "GHS"}).encode()

    api_client.post("/api/webhooks/payment/", body, content_type="application/json",
                    HTTP_X_TEST_SIGNATURE=sign_test_webhook(body))

    reopened = Order.objects.get()
    assert (reopened.status, reopened.cancel_reason, reopened.cancelled_at) == ("confirmed", "", None)
