"""Amounts always fit the 12-digit money columns: prices and shipping fees are bounded where
sellers set them, and a checkout whose total would not fit is refused, so no list ever reads a
total it cannot hold (a 500 on SQLite, a failed INSERT on PostgreSQL)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from orders.models import Order
from orders.services.cart import cart_add_item
from tests.orders.conftest import ADDRESS
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

LARGEST_PRICE = Decimal("99999999.99")


def add(client, product, quantity):
    response = client.post("/api/orders/cart/add_item/", {"product_id": product.pk, "quantity": quantity},
                           format="json")
    assert response.status_code == 200, response.json()


def test_an_order_too_large_for_its_total_is_refused_and_the_lists_keep_working(buyer, buyer_client, shop,
                                                                                  shop_client, operator_client):
    # Priced before prices were bounded (or by an operator): each unit fits, two do not.
    legacy = ProductFactory(seller=shop, price=Decimal("6000000000.00"), stock_quantity=5)
    cart_add_item(user=buyer, product=legacy, variant_id=None, quantity=2)

    cart = buyer_client.get("/api/orders/cart/")
    checkout = buyer_client.post("/api/orders/checkout/", {**ADDRESS, "payment_method": "card"}, format="json")

    assert cart.status_code == 200
    assert (cart.json()["total"], cart.json()["grand_total"]) == ("12000000000.00", "12000000010.00")
    assert checkout.status_code == 400
    assert checkout.json() == {
        "error": "This order's total is larger than one order can be: split it into several.",
        "code": "order_too_large", "details": {"total": "12000000010.00", "largest": "9999999999.99"},
    }
    assert not Order.objects.exists()
    assert buyer_client.get("/api/orders/orders/").status_code == 200
    assert shop_client.get("/api/orders/orders/seller_orders/").status_code == 200
    assert operator_client.get("/admin/orders/order/").status_code == 200


def test_lines_at_the_largest_price_fit_one_by_one_not_together(buyer_client, shop):
    for _ in range(2):
        add(buyer_client, ProductFactory(seller=shop, price=LARGEST_PRICE, stock_quantity=100), 100)

    checkout = buyer_client.post("/api/orders/checkout/", {**ADDRESS, "payment_method": "card"}, format="json")

    assert checkout.status_code == 400 and checkout.json()["code"] == "order_too_large"
    cart = buyer_client.get("/api/orders/cart/").json()
    assert (cart["total"], cart["shipping_total"], cart["grand_total"]) == ("19999999998.00", "10.00", "20000000008.00")


def test_the_largest_order_that_fits_goes_through(buyer_client, shop):
    add(buyer_client, ProductFactory(seller=shop, price=LARGEST_PRICE, stock_quantity=100), 99)

    response = buyer_client.post("/api/orders/checkout/", {**ADDRESS, "payment_method": "card"}, format="json")

    assert response.status_code == 201
    assert response.json()["total_amount"] == "9900000009.01"  # 99 x 99,999,999.99 + 10.00 shipping
    assert buyer_client.get("/api/orders/orders/").json()[0]["total_amount"] == "9900000009.01"


@pytest.mark.parametrize("field, value", [
    ("price", "100000000.00"),
    ("price", "9999999999.99"),
    ("compare_at_price", "100000000.00"),
])
def test_a_seller_cannot_price_beyond_the_bound(seller_client, field, value):
    body = {"name": "Gold", "price": "10.00", field: value}

    response = seller_client.post("/api/products/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and field in response.json()["details"]


def test_nor_a_variant(seller_client):
    body = {"name": "Gold", "price": "10.00",
            "variants": [{"name": "Bar", "price": "100000000.00", "stock_quantity": 1}]}

    response = seller_client.post("/api/products/", body, format="json")

    assert response.status_code == 400 and "variants" in response.json()["details"]


def test_nor_through_a_catalog_import(seller_client):
    text = "sku,name,price\nG-1,Gold,100000000.00\nS-1,Silver,99999999.99\n"
    upload = SimpleUploadedFile("catalog.csv", text.encode(), content_type="text/csv")

    report = seller_client.post("/api/products/import/", {"file": upload}, format="multipart").json()

    assert (report["created"], report["rejected"]) == (1, 1)
    assert "price" in report["rows"][0]["errors"]


@pytest.mark.parametrize("field", ["shipping_fee", "free_shipping_threshold"])
def test_nor_a_shipping_fee(seller_client, field):
    response = seller_client.patch("/api/auth/profile/", {field: "100000000.00"}, format="json")

    assert response.status_code == 400 and field in response.json()["details"]
