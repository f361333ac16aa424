from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.accounts.factories import UserFactory
from tests.products.factories import ProductFactory

ADDRESS = {
    "full_name": "John Doe", "phone": "+233501234567", "address_line1": "123 Main Street", "city": "Accra",
    "country": "Ghana",
}


@pytest.fixture
def buyer(db):
    """A buyer who confirmed their email address, as cash on delivery asks."""
    return UserFactory(account_type="buyer", is_verified=True)


@pytest.fixture
def shop(db):
    return UserFactory(account_type="seller", company_name="Ama Styles", shipping_fee=Decimal("10.00"))


@pytest.fixture
def shop_client(shop):
    from tests.conftest import authenticated_client

    return authenticated_client(shop)


@pytest.fixture
def place_order(buyer_client, shop):
    """Put `quantity` of a product of the shop in the buyer's cart and check out."""

    def place(product=None, quantity=2, client=None, **checkout):
        client = client or buyer_client
        product = product or ProductFactory(seller=shop, price=Decimal("45.00"), stock_quantity=5)
        response = client.post("/api/orders/cart/add_item/", {"product_id": product.pk, "quantity": quantity},
                               format="json")
        assert response.status_code == 200, response.json()
        body = {**ADDRESS, "payment_method": "card", **checkout}
        response = client.post("/api/orders/checkout/", body, format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    return place


class Clock:
    def __init__(self, now):
        self.now = now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """A fake clock for the code's timers and deadlines (tokens and throttles keep real time)."""
    fake = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", lambda: fake.now)
    return fake
