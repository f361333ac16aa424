"""Issue 11, Low: a seller or buyer without a name is shown by number ("Seller 12"), never by
the local part of their email address, in orders, the cart and what they are told."""

from decimal import Decimal

import pytest
from django.core import mail

from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.orders.conftest import ADDRESS
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

NAMELESS = {"first_name": "", "last_name": "", "company_name": ""}


def test_nameless_parties_are_shown_by_number_never_by_email(django_capture_on_commit_callbacks):
    seller = UserFactory(email="kojo.private@example.com", account_type="seller", **NAMELESS)
    buyer = UserFactory(email="esi.private@example.com", account_type="buyer", **NAMELESS)
    buyer_client, seller_client = authenticated_client(buyer), authenticated_client(seller)
    product = ProductFactory(seller=seller, price=Decimal("45.00"), stock_quantity=5)

    buyer_client.post("/api/orders/cart/add_item/", {"product_id": product.pk, "quantity": 1}, format="json")
    cart = buyer_client.get("/api/orders/cart/")
    order = buyer_client.post("/api/orders/checkout/", {**ADDRESS, "payment_method": "card"}, format="json").json()
    with django_capture_on_commit_callbacks(execute=True):
        paid = buyer_client.post(f"/api/orders/payments/{order['payments'][0]['id']}/process/")
    assert paid.json()["status"] == "completed"
    as_buyer = buyer_client.get(f"/api/orders/orders/{order['id']}/")
    as_seller = seller_client.get(f"/api/orders/orders/{order['id']}/")

    assert cart.json()["groups"][0]["seller"] == {"id": seller.pk, "name": f"Seller {seller.pk}"}
    assert as_buyer.json()["seller"] == {"id": seller.pk, "name": f"Seller {seller.pk}"}
    assert as_seller.json()["buyer"] == {"id": buyer.pk, "name": f"Buyer {buyer.pk}"}
    told_buyer = Notification.objects.get(user=buyer, title=f"Order {order['order_id']} confirmed")
    assert f"Seller {seller.pk} is preparing your order" in told_buyer.body
    shown_to_buyer = [cart.content, as_buyer.content, told_buyer.body.encode(),
                      *(message.body.encode() for message in mail.outbox if message.to == [buyer.email])]
    assert not any(b"kojo.private" in text for text in shown_to_buyer)
    assert b"esi.private" not in as_seller.content


def test_the_business_name_comes_first_then_the_persons():
    business = UserFactory(company_name="Ama Styles", first_name="Ama", last_name="Owusu")
    person = UserFactory(company_name="  ", first_name="Ama", last_name="Owusu")

    assert business.display_name == "Ama Styles"
    assert person.display_name == "Ama Owusu"
