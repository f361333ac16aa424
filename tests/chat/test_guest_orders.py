"""Guest orders: a seller orders from a conversation for a customer who has no buyer account (known
by phone, email or a platform handle only). The order has no buyer and is the chat's (source
`chat`); it holds stock with the payment timer, is paid through the payment link without an account,
counts in the customer's figures and orders, and reaches no buyer's lists or notifications."""

from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone
from rest_framework.test import APIClient

from chat.errors import CustomerMergedMeanwhile
from chat.models import Conversation, Message
from chat.services.orders import conversation_order
from customers.models import Customer, GuestOrder
from notifications.models import Notification
from orders.models import Order, OrderStatus, Payment, ReservationStatus, StockReservation
from orders.services.stock import Line
from orders.tasks import expire_overdue_orders
from tests.chat.conftest import CONVERSATIONS, conversation_url
from tests.orders.conftest import Clock
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

ADDRESS = {"full_name": "Kofi Asante", "phone": "+233241112233", "address_line1": "4 Market Street",
           "city": "Kumasi", "country": "Ghana"}
ORDERS = "/api/orders/orders/"


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The code's clock (the payment timer reads timezone.now), moved by hand."""
    fake = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", lambda: fake.now)
    return fake


@pytest.fixture
def bag(seller):
    return ProductFactory(seller=seller, name="Leather bag", price=Decimal("45.00"), stock_quantity=5)


@pytest.fixture
def phone_only(seller_client) -> dict:
    """The seller writes to a customer they know by phone only: no buyer account."""
    response = seller_client.post(CONVERSATIONS, {"customer_phone": "+233241112233", "customer_name": "Kofi"},
                                  format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["buyer"] is None
    return response.json()


def order_for(client, conversation: dict, *lines: dict, payment_method: str = "card"):
    return client.post(conversation_url(conversation["id"], "order"),
                       {"lines": list(lines), "payment_method": payment_method, **ADDRESS}, format="json")


def token_of(link: dict) -> str:
    return link["metadata"]["url"].rsplit("#", 1)[-1]  # {FRONTEND_URL}/pay#<token>


def customer_of(conversation: dict) -> Customer:
    return Customer.objects.get(pk=conversation["customer"]["id"])


def figures(customer: Customer) -> tuple[int, str]:
    customer.refresh_from_db()
    return customer.orders_count, f"{customer.total_spent:.2f}"


def test_a_seller_orders_for_a_phone_only_customer_as_a_guest(seller, seller_client, phone_only, bag,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = order_for(seller_client, phone_only, {"product_id": bag.pk, "quantity": 2})

    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get()
    assert (order.buyer, order.seller, order.source, order.status, order.email) == (None, seller, "chat",
                                                                                   "pending", "")
    assert (body["order"]["buyer"], body["order"]["source"]) == (None, "chat")
    assert body["order"]["shipping_address"]["phone"] == "+233241112233"
    assert body["order"]["timeline"][0]["actor"] == "seller"
    (hold,) = StockReservation.objects.all()
    assert (hold.product, hold.quantity, hold.status, hold.expires_at) == (bag, 2, ReservationStatus.ACTIVE,
                                                                           order.expires_at)
    assert [m["message_type"] for m in body["messages"]] == ["order", "payment_link"]
    customer = customer_of(phone_only)
    assert GuestOrder.objects.get().customer == customer
    assert figures(customer) == (1, "0.00")  # placed, not paid
    assert customer.buyer is None and Customer.objects.count() == 1  # no customer made up from the order


def test_the_guest_order_is_the_sellers_and_the_customers_and_no_buyers(seller_client, buyer_client, phone_only,
                                                                         bag):
    order_id = order_for(seller_client, phone_only, {"product_id": bag.pk, "quantity": 1}).json()["order"]["id"]
    customer = customer_of(phone_only)

    sales = seller_client.get(f"{ORDERS}seller_orders/")
    assert [(o["id"], o["buyer"]) for o in sales.json()] == [(order_id, None)]
    detail = seller_client.get(f"{ORDERS}{order_id}/")
    assert (detail.status_code, detail.json()["buyer"], detail.json()["seller"]["id"]) == (
        200, None, customer.seller_id)
    theirs = seller_client.get(f"/api/customers/{customer.pk}/orders/")
    assert [(o["id"], o["buyer"]) for o in theirs.json()] == [(order_id, None)]
    assert theirs["X-Total-Count"] == "1"
    # A buyer account has nothing to do with it.
    assert buyer_client.get(ORDERS).json() == []
    assert buyer_client.get(f"{ORDERS}{order_id}/").status_code == 404
    payment_id = Payment.objects.get().pk
    assert buyer_client.post(f"/api/orders/payments/{payment_id}/process/").status_code == 404


def test_the_customer_pays_a_guest_order_through_the_link_without_an_account(
        seller, seller_client, phone_only, bag, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        link = order_for(seller_client, phone_only, {"product_id": bag.pk, "quantity": 2}).json()["messages"][1]
    order = Order.objects.get()
    anonymous = APIClient()

    summary = anonymous.get(f"/api/chat/pay/{token_of(link)}/")
    assert summary.status_code == 200, summary.json()
    assert (summary.json()["order_id"], summary.json()["status"], summary.json()["payable"]) == (
        order.order_id, "pending", True)

    with django_capture_on_commit_callbacks(execute=True):
        paid = anonymous.post(f"/api/chat/pay/{token_of(link)}/", {}, format="json")

    assert paid.status_code == 200, paid.json()
    assert (paid.json()["status"], paid.json()["order_status"]) == ("completed", "confirmed")
    bag.refresh_from_db()
    assert bag.stock_quantity == 3
    assert figures(customer_of(phone_only)) == (1, f"{order.total_amount:.2f}")
    # The seller hears of the paid order; there is no buyer account to tell, the chat tells the customer.
    assert set(Notification.objects.values_list("user", flat=True)) == {seller.pk}
    assert Message.objects.filter(message_type="system", order=order).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        refunded = seller_client.post(f"{ORDERS}{order.pk}/refund/", {"reason": "Wrong colour."}, format="json")
    assert refunded.status_code == 201, refunded.json()
    assert (refunded.json()["order"]["status"], refunded.json()["order"]["buyer"]) == ("refunded", None)
    assert figures(customer_of(phone_only)) == (1, "0.00")  # an order, its money given back


def test_the_payment_timer_releases_an_unpaid_guest_order(seller_client, phone_only, bag, clock,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order_for(seller_client, phone_only, {"product_id": bag.pk, "quantity": 2})
    clock.advance(minutes=31)

    with django_capture_on_commit_callbacks(execute=True):
        assert expire_overdue_orders.delay().get() == {"expired": 1}

    order = Order.objects.get()
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "payment_timeout")
    assert StockReservation.objects.get().status == ReservationStatus.RELEASED
    assert figures(customer_of(phone_only)) == (0, "0.00")
    assert not Notification.objects.exclude(user=order.seller).exists()


def test_the_seller_cancels_a_guest_order(seller_client, phone_only, bag, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order_id = order_for(seller_client, phone_only, {"product_id": bag.pk, "quantity": 1},
                             payment_method="cash_on_delivery").json()["order"]["id"]
        cancelled = seller_client.post(f"{ORDERS}{order_id}/cancel/", {"reason": "Sold at the market."},
                                       format="json")

    assert cancelled.status_code == 200, cancelled.json()
    assert (cancelled.json()["status"], cancelled.json()["buyer"]) == ("cancelled", None)
    assert figures(customer_of(phone_only)) == (0, "0.00")


def test_an_email_customer_s_guest_order_carries_their_email_as_its_contact(seller_client, bag):
    conversation = seller_client.post(CONVERSATIONS, {"customer_email": "Esi@Example.com"}, format="json").json()

    response = order_for(seller_client, conversation, {"product_id": bag.pk, "quantity": 1})

    assert response.status_code == 201, response.json()
    assert Order.objects.get().email == "esi@example.com"


# --- failures write nothing -------------------------------------------------------------------

def nothing_written() -> bool:
    return not (Order.objects.exists() or GuestOrder.objects.exists() or StockReservation.objects.exists()
                or Payment.objects.exists() or Message.objects.filter(order__isnull=False).exists())


def test_too_little_stock_writes_no_guest_order_nor_link(seller_client, phone_only, bag):
    response = order_for(seller_client, phone_only, {"product_id": bag.pk, "quantity": 6})

    assert (response.status_code, response.json()["code"]) == (409, "checkout_failed")
    assert nothing_written()


def test_another_sellers_product_writes_no_guest_order_nor_link(seller_client, phone_only, bag):
    foreign = ProductFactory(stock_quantity=5)

    response = order_for(seller_client, phone_only, {"product_id": bag.pk, "quantity": 1},
                         {"product_id": foreign.pk, "quantity": 1})

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert nothing_written()


def test_an_archived_conversation_rolls_the_guest_order_back(seller_client, phone_only, bag):
    assert seller_client.post(conversation_url(phone_only["id"], "archive")).status_code == 200

    response = order_for(seller_client, phone_only, {"product_id": bag.pk, "quantity": 1})

    assert (response.status_code, response.json()["code"]) == (409, "conversation_closed")
    assert nothing_written()
    bag.refresh_from_db()
    assert bag.stock_quantity == 5


def test_a_guest_order_must_come_from_a_conversation(seller, bag):
    with pytest.raises(IntegrityError):
        Order.objects.create(buyer=None, seller=seller, source="instagram", payment_method="card", currency="GHS",
                             subtotal=Decimal("45.00"), total_amount=Decimal("45.00"), **ADDRESS)


# --- the customer's orders, whoever placed them ---------------------------------------------------

def test_guest_orders_move_with_a_merge_and_count_with_the_account_the_customer_gains(
        seller, seller_client, phone_only, bag, buyer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        guest_id = order_for(seller_client, phone_only, {"product_id": bag.pk, "quantity": 1},
                             payment_method="cash_on_delivery").json()["order"]["id"]
    guest_customer = customer_of(phone_only)
    account_customer = Customer.objects.create(seller=seller, buyer=buyer, name="Kofi A.")
    account_order = Order.objects.create(buyer=buyer, seller=seller, payment_method="card", currency="GHS",
                                         subtotal=Decimal("20.00"), total_amount=Decimal("20.00"),
                                         status=OrderStatus.CONFIRMED, **ADDRESS)

    merged = seller_client.post(f"/api/customers/{account_customer.pk}/merge/", {"other": guest_customer.pk},
                                format="json")

    assert merged.status_code == 200, merged.json()
    assert (merged.json()["orders_count"], merged.json()["total_spent"]) == (2, "20.00")
    assert GuestOrder.objects.get().customer_id == account_customer.pk
    listed = seller_client.get(f"/api/customers/{account_customer.pk}/orders/").json()
    assert [o["id"] for o in listed] == [account_order.pk, guest_id]


def test_the_customers_orders_query_count_is_fixed_with_guest_orders(seller_client, phone_only, bag,
                                                                     django_assert_max_num_queries):
    line = {"product_id": bag.pk, "quantity": 1}
    order_for(seller_client, phone_only, line, payment_method="cash_on_delivery")
    url = f"/api/customers/{customer_of(phone_only).pk}/orders/"
    with django_assert_max_num_queries(8) as one:  # user, customer, timer, count, page, items, payments, events
        seller_client.get(url)
    one_order = len(one.captured_queries)
    for _ in range(3):
        order_for(seller_client, phone_only, line, payment_method="cash_on_delivery")

    with django_assert_max_num_queries(one_order):
        assert len(seller_client.get(url).json()) == 4


def test_the_order_id_placeholder_fills_with_the_customers_latest_guest_order(seller_client, phone_only, bag):
    order_id = order_for(seller_client, phone_only, {"product_id": bag.pk, "quantity": 1}).json()["order"]["order_id"]
    template = seller_client.post("/api/chat/templates/", {"shortcode": "order", "title": "Order",
                                                           "body": "Your order: {{ order_id }}"}, format="json")

    sent = seller_client.post(f"/api/chat/templates/{template.json()['id']}/send/", {"conversation": phone_only["id"]},
                              format="json")

    assert sent.status_code == 201, sent.json()
    assert sent.json()["content"] == f"Your order: {order_id}"


def test_a_customer_merged_away_meanwhile_is_409_and_nothing_is_written(seller, seller_client, phone_only, bag):
    conversation = Conversation.objects.get(pk=phone_only["id"])  # as the request read it
    kept = Customer.objects.create(seller=seller, email="kofi@example.com")
    merged = seller_client.post(f"/api/customers/{kept.pk}/merge/", {"other": conversation.customer_id},
                                format="json")
    assert merged.status_code == 200, merged.json()

    with pytest.raises(CustomerMergedMeanwhile):
        conversation_order(conversation=conversation, seller=seller, lines=[Line(bag.pk, None, 1)],
                           payment_method="card", **ADDRESS)

    assert nothing_written()
    retried = order_for(seller_client, phone_only, {"product_id": bag.pk, "quantity": 1})  # on the kept customer
    assert retried.status_code == 201, retried.json()
    assert GuestOrder.objects.get().customer == kept
