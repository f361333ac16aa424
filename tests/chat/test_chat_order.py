"""Chat-to-order through the API: a seller's product card, an order built from a conversation
(stock held with the payment timer, source chat), its card and payment link in the conversation,
the link opened and paid without an account, and the order's later changes as system messages."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from chat.models import Message
from chat.services.orders import order_updates_post
from orders.models import Order, OrderStatus, Payment, ReservationStatus, StockReservation
from products.models import ProductStatus
from tests.chat.conftest import CONVERSATIONS, conversation_url, messages_url, send
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

ADDRESS = {"full_name": "Ama Mensah", "phone": "+233501234567", "address_line1": "12 Ring Road",
           "city": "Accra", "country": "Ghana"}


@pytest.fixture
def bag(seller):
    return ProductFactory(seller=seller, name="Leather bag", price=Decimal("45.00"), stock_quantity=5)


@pytest.fixture
def clock(monkeypatch):
    """Moves the code's clock on (the link's expiry and the payment timer read timezone.now)."""
    class Clock:
        now = timezone.now()

        def advance(self, **delta) -> None:
            self.now += timedelta(**delta)

    fake = Clock()
    monkeypatch.setattr(timezone, "now", lambda: fake.now)
    return fake


def order_from(client, conversation_id: int, *lines: dict, payment_method: str = "card", **extra):
    return client.post(conversation_url(conversation_id, "order"),
                       {"lines": list(lines), "payment_method": payment_method, **ADDRESS, **extra}, format="json")


def kinds(client, conversation_id: int) -> list[tuple[str, str]]:
    return [(m["sender_type"], m["message_type"]) for m in client.get(messages_url(conversation_id)).json()]


def link_token(message: dict) -> str:
    """The token of a payment link message: the fragment of its frontend page, {FRONTEND_URL}/pay#<token>."""
    return message["metadata"]["url"].split("#", 1)[1]


def pay_url(token: str) -> str:
    return f"/api/chat/pay/{token}/"


# --- product cards ------------------------------------------------------------------------------

def test_a_seller_sends_a_card_of_their_product_on_sale_and_not_of_one_off_sale(seller, seller_client, conversation,
                                                                                 bag):
    card = send(seller_client, conversation["id"], "", message_type="product", product=bag.pk)
    assert card.status_code == 201, card.json()
    assert (card.json()["message_type"], card.json()["product"]["id"]) == ("product", bag.pk)

    draft = ProductFactory(seller=seller, status=ProductStatus.DRAFT)
    refused = send(seller_client, conversation["id"], "", message_type="product", product=draft.pk)
    assert refused.status_code == 400
    assert refused.json()["details"] == {"product": [draft.pk]}


# --- an order from a conversation -------------------------------------------------------------

def test_an_order_from_a_conversation_holds_stock_with_the_payment_timer_and_posts_its_cards(
        buyer, seller, seller_client, buyer_client, conversation, bag, settings):
    before = timezone.now()
    response = order_from(seller_client, conversation["id"], {"product_id": bag.pk, "quantity": 2})

    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get()
    assert (order.buyer, order.seller, order.source, order.status) == (buyer, seller, "chat", "pending")
    assert body["order"]["order_id"] == order.order_id and body["order"]["source"] == "chat"
    assert order.subtotal == Decimal("90.00")
    timer = timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES)
    assert before + timer <= order.expires_at <= timezone.now() + timer
    (hold,) = StockReservation.objects.all()
    assert (hold.product, hold.quantity, hold.status, hold.expires_at) == (bag, 2, ReservationStatus.ACTIVE,
                                                                           order.expires_at)
    assert body["order"]["timeline"][0]["actor"] == "seller"
    card, link = body["messages"]
    assert (card["message_type"], card["order"]["order_id"]) == ("order", order.order_id)
    assert (link["message_type"], link["order"]["id"]) == ("payment_link", order.pk)
    assert link["metadata"]["url"] == f"{settings.FRONTEND_URL}/pay#{link_token(link)}"
    assert link["content"] == (f"Payment link for order {order.order_id}: {order.total_amount:.2f} GHS, valid until "
                               f"{order.expires_at:%Y-%m-%d %H:%M} UTC.")
    assert link["metadata"]["expires_at"] == order.expires_at.isoformat().replace("+00:00", "Z")
    # The buyer sees both cards, in order, after the conversation's first messages.
    assert kinds(buyer_client, conversation["id"])[-2:] == [("seller", "order"), ("seller", "payment_link")]
    assert buyer_client.get(f"/api/orders/orders/{order.pk}/").status_code == 200


def test_too_little_stock_refuses_the_order_and_writes_nothing(seller_client, conversation, bag):
    response = order_from(seller_client, conversation["id"], {"product_id": bag.pk, "quantity": 6})

    assert response.status_code == 409
    assert response.json()["code"] == "checkout_failed"
    (line,) = response.json()["details"]["lines"]
    assert (line["product_id"], line["issue"], line["available"]) == (bag.pk, "insufficient_stock", 5)
    assert not Order.objects.exists() and not StockReservation.objects.exists() and not Payment.objects.exists()
    assert not Message.objects.filter(message_type__in=["order", "payment_link"]).exists()


def test_only_the_conversations_seller_orders_and_only_their_own_products(
        seller_client, buyer_client, other_seller_client, conversation, bag):
    line = {"product_id": bag.pk, "quantity": 1}
    foreign = order_from(other_seller_client, conversation["id"], line)
    assert foreign.status_code == 404 and foreign.json()["code"] == "not_found"
    assert order_from(buyer_client, conversation["id"], line).status_code == 403

    someone_elses = ProductFactory(stock_quantity=5)
    refused = order_from(seller_client, conversation["id"], line, {"product_id": someone_elses.pk, "quantity": 1})
    assert refused.status_code == 404
    assert refused.json()["details"] == {"product_id": someone_elses.pk, "variant_id": None}
    assert not Order.objects.exists() and not StockReservation.objects.exists()


def test_a_customer_without_a_buyer_account_gets_a_guest_order(seller_client, bag):
    """(tests/chat/test_guest_orders.py follows a guest order through.)"""
    conversation = seller_client.post(CONVERSATIONS, {"customer_email": "kofi@example.com", "customer_name": "Kofi"},
                                      format="json").json()

    response = order_from(seller_client, conversation["id"], {"product_id": bag.pk, "quantity": 1})

    assert response.status_code == 201, response.json()
    assert (response.json()["order"]["buyer"], response.json()["order"]["source"]) == (None, "chat")
    assert Order.objects.get().email == "kofi@example.com"


def test_an_invalid_body_is_refused_in_the_error_shape(seller_client, conversation, bag):
    response = order_from(seller_client, conversation["id"], {"product_id": bag.pk, "quantity": 0})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "lines" in response.json()["details"]
    assert order_from(seller_client, conversation["id"]).status_code == 400  # no lines


# --- the payment link -------------------------------------------------------------------------

def test_the_payment_link_opens_without_an_account_and_pays_the_order(
        seller_client, buyer_client, conversation, bag, django_capture_on_commit_callbacks):
    link = order_from(seller_client, conversation["id"], {"product_id": bag.pk, "quantity": 2}).json()["messages"][1]
    anonymous = APIClient()

    summary = anonymous.get(pay_url(link_token(link)))
    assert summary.status_code == 200, summary.json()
    order = Order.objects.get()
    assert summary.json()["order_id"] == order.order_id
    assert (summary.json()["status"], summary.json()["payable"], summary.json()["total_amount"]) == (
        "pending", True, f"{order.total_amount:.2f}")
    assert "phone" not in summary.json() and "full_name" not in summary.json()

    with django_capture_on_commit_callbacks(execute=True):
        paid = anonymous.post(pay_url(link_token(link)), {}, format="json")

    assert paid.status_code == 200, paid.json()
    assert (paid.json()["status"], paid.json()["order_status"]) == ("completed", "confirmed")
    order.refresh_from_db()
    bag.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED and bag.stock_quantity == 3
    # The payment is told in the conversation, after the order's cards.
    assert kinds(buyer_client, conversation["id"])[-3:] == [("seller", "order"), ("seller", "payment_link"),
                                                            ("system", "system")]
    told = Message.objects.get(message_type="system")
    assert told.content == f"Payment received: order {order.order_id} is confirmed."
    assert told.order == order
    # Opened again, the link shows the paid order and takes no second payment.
    again = anonymous.get(pay_url(link_token(link))).json()
    assert (again["status"], again["payable"]) == ("confirmed", False)
    assert anonymous.post(pay_url(link_token(link)), {}, format="json").json()["status"] == "completed"
    assert Message.objects.filter(message_type="system").count() == 1


def test_an_altered_or_expired_payment_link_is_refused(seller_client, conversation, bag, clock):
    link = order_from(seller_client, conversation["id"], {"product_id": bag.pk, "quantity": 1}).json()["messages"][1]
    token = link_token(link)
    anonymous = APIClient()

    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (tampered, "not-a-token", token.replace(":", ":x", 1)):
        refused = anonymous.get(pay_url(bad))
        assert refused.status_code == 404, bad
        assert refused.json() == {"error": "This payment link is not valid.", "code": "not_found", "details": {}}
    assert anonymous.post(pay_url(tampered), {}, format="json").status_code == 404

    clock.advance(minutes=31)
    expired = anonymous.get(pay_url(token))
    assert expired.status_code == 410
    assert expired.json()["code"] == "link_expired"
    assert anonymous.post(pay_url(token), {}, format="json").status_code == 410
    assert not Payment.objects.filter(status="completed").exists()


# --- the order's changes as system messages -----------------------------------------------------

@pytest.mark.django_db(transaction=True)  # each request commits: its announcements go out as in production
def test_a_cash_on_delivery_order_gets_no_link_and_its_changes_appear_as_system_messages(
        seller_client, buyer_client, conversation, bag):
    response = order_from(seller_client, conversation["id"], {"product_id": bag.pk, "quantity": 1},
                          payment_method="cash_on_delivery")
    assert response.status_code == 201, response.json()
    assert [m["message_type"] for m in response.json()["messages"]] == ["order"]
    order_id = response.json()["order"]["id"]

    assert seller_client.post(f"/api/orders/orders/{order_id}/confirm/").status_code == 200
    shipped = seller_client.post(f"/api/orders/orders/{order_id}/ship/", {"carrier": "DHL", "tracking_number": "T1"},
                                 format="json")
    assert shipped.status_code == 200, shipped.json()

    number = response.json()["order"]["order_id"]
    messages = buyer_client.get(messages_url(conversation["id"])).json()
    assert [(m["sender_type"], m["message_type"], m["content"]) for m in messages[-3:]] == [
        ("seller", "order", ""),
        ("system", "system", f"Order {number} is confirmed."),
        ("system", "system", f"Order {number} has shipped."),
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level concurrency needs PostgreSQL")
def test_a_status_told_by_two_runs_at_once_is_posted_once(seller_client, conversation, bag):
    response = order_from(seller_client, conversation["id"], {"product_id": bag.pk, "quantity": 1},
                          payment_method="cash_on_delivery")
    order_id = response.json()["order"]["id"]
    Order.objects.filter(pk=order_id).update(status="confirmed")  # as the seller's confirmation leaves it
    barrier, posted = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            posted.append(order_updates_post(order_ids=[order_id]))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(posted) == [0, 1]
    assert Message.objects.filter(conversation_id=conversation["id"], message_type="system").count() == 1
