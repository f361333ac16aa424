"""`seed_demo` fills the demo seller's inbox once: the demo buyer's questions about a product, an
order built in a conversation with its cards and payment link, an Instagram customer without an
account, and a WhatsApp customer known by phone only with a guest order and its payment link."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.demo import demo_buyer, demo_seller
from chat.models import Conversation, Message
from customers.models import GuestOrder
from orders.models import Order
from tests.conftest import authenticated_client

pytestmark = pytest.mark.django_db


def inbox_rows() -> list[tuple]:
    return sorted(Message.objects.values_list("conversation__source", "conversation__subject", "sequence",
                                              "sender_type", "message_type", "content", "product_id", "order_id"))


def test_the_demo_inbox_is_seeded_once():
    call_command("seed_demo")
    rows, conversations = inbox_rows(), sorted(Conversation.objects.values_list("pk", "last_sequence"))
    call_command("seed_demo")  # idempotent

    assert inbox_rows() == rows
    assert sorted(Conversation.objects.values_list("pk", "last_sequence")) == conversations
    assert Order.objects.filter(source="chat").count() == 2
    assert GuestOrder.objects.count() == 1


def test_the_demo_seller_sees_the_four_conversations_and_the_buyer_their_two():
    call_command("seed_demo")
    seller, buyer = demo_seller(), demo_buyer()

    inbox = authenticated_client(seller).get("/api/chat/conversations/").json()
    assert sorted((row["source"], row["buyer"]) for row in inbox) == [
        ("instagram", None), ("website", buyer.pk), ("website", buyer.pk), ("whatsapp", None)]
    assert {row["seller_unread"] for row in inbox if row["source"] == "instagram"} == {1}
    asked, ordered = sorted((row for row in inbox if row["source"] == "website"), key=lambda row: row["id"])
    assert asked["unread_count"] == 1 and asked["product"] is not None
    sides = {m["sender_type"] for m in authenticated_client(buyer).get(
        f"/api/chat/conversations/{asked['id']}/messages/").json()}
    assert sides == {"buyer", "seller"}

    messages = authenticated_client(buyer).get(f"/api/chat/conversations/{ordered['id']}/messages/").json()
    assert [m["message_type"] for m in messages] == ["text", "product", "text", "order", "payment_link"]
    order = Order.objects.get(source="chat", buyer__isnull=False)
    assert (order.buyer, order.seller, order.status) == (buyer, seller, "pending")
    assert messages[3]["order"]["id"] == messages[4]["order"]["id"] == order.pk
    page, token = messages[4]["metadata"]["url"].split("#", 1)  # the frontend's page, the token in its fragment
    assert page.endswith("/pay")
    opened = authenticated_client(buyer).get(f"/api/chat/pay/{token}/")
    assert opened.status_code == 200 and opened.json()["payable"] is True

    assert len(authenticated_client(buyer).get("/api/chat/conversations/").json()) == 2
    instagram = Conversation.objects.get(source="instagram")
    assert (instagram.buyer, instagram.customer.buyer) == (None, None)
    assert list(instagram.messages.order_by("sequence").values_list("sender_type", flat=True)) == [
        "customer", "seller", "customer"]


def test_the_demo_whatsapp_customer_has_a_guest_order_and_its_payment_link(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # as each app's seed commits: the figures are kept
        call_command("seed_demo")
    seller = demo_seller()
    conversation = Conversation.objects.get(seller=seller, source="whatsapp")
    customer = conversation.customer
    assert (conversation.buyer, customer.buyer, customer.email, customer.phone) == (None, None, "", "+233241234567")

    messages = authenticated_client(seller).get(f"/api/chat/conversations/{conversation.pk}/messages/").json()
    assert [(m["sender_type"], m["message_type"]) for m in messages] == [
        ("customer", "text"), ("seller", "text"), ("seller", "order"), ("seller", "payment_link")]
    order = Order.objects.get(source="chat", buyer__isnull=True)
    assert (order.seller, order.status, order.payment_method, order.email) == (seller, "pending", "mobile_money", "")
    assert GuestOrder.objects.get(order=order).customer == customer
    assert messages[2]["order"]["id"] == messages[3]["order"]["id"] == order.pk
    token = messages[3]["metadata"]["url"].split("#", 1)[1]
    opened = APIClient().get(f"/api/chat/pay/{token}/")  # no account: the link is the authorization
    assert opened.status_code == 200 and opened.json()["order_id"] == order.order_id
    assert opened.json()["payable"] is True
    customer.refresh_from_db()
    assert customer.orders_count == 1


def test_without_a_mobile_money_gateway_that_takes_no_email_the_guest_order_is_left_out(settings):
    settings.PAYSTACK_SECRET_KEY, settings.PAYMENT_GATEWAY_MOBILE_MONEY = "sk_test_demo", "paystack"

    call_command("seed_demo")  # does not fail on the customer without an email

    assert not Conversation.objects.filter(source="whatsapp").exists()
    assert not GuestOrder.objects.exists()
