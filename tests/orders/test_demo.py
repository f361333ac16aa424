import pytest
from django.core.management import call_command

from orders.models import CartItem, Order

pytestmark = pytest.mark.django_db


def test_the_demo_has_orders_in_several_states_and_a_cart(api_client):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent

    assert sorted(Order.objects.values_list("status", "payment_method", "source")) == [
        ("pending", "card", "chat"),  # built in a conversation by the chat's demo, waiting for its payment link
        ("pending", "cash_on_delivery", "whatsapp"),
        ("pending", "mobile_money", "chat"),  # the chat's demo's guest order for a WhatsApp customer: no buyer
        ("shipped", "card", "instagram")]
    assert CartItem.objects.count() == 1
    login = api_client.post("/api/auth/login/", {"email": "buyer@demo.sellflow.africa",
                                                 "password": "SellFlow-demo-2026"}, format="json").json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login['access']}")
    assert len(api_client.get("/api/orders/orders/").json()) == 3  # not the guest order
    assert api_client.get("/api/orders/cart/").json()["item_count"] == 1
