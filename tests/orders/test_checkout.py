"""Checkout through the HTTP API: the order as the document shows it, stock held for the payment
timer, snapshots, shipping, several sellers, failures that roll everything back, idempotency."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from notifications.models import Notification
from orders.models import CartItem, Order, Payment, ReservationStatus, StockReservation
from products.models import ProductStatus
from tests.accounts.factories import UserFactory
from tests.orders.factories import hold
from tests.products.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

CART = "/api/orders/cart/"
CHECKOUT = "/api/orders/checkout/"
ADDRESS = {
    "full_name": "John Doe", "phone": "+233501234567", "address_line1": "123 Main Street",
    "address_line2": "Apt 4B", "city": "Accra", "state": "Greater Accra", "postal_code": "00233",
    "country": "Ghana", "delivery_instructions": "Leave at door",
}


def body(**extra):
    return {**ADDRESS, "payment_method": "card", "buyer_note": "Please gift wrap", "source": "instagram", **extra}


def add(client, product, quantity=1, variant=None):
    data = {"product_id": product.pk, "quantity": quantity, **({"variant_id": variant.pk} if variant else {})}
    response = client.post(f"{CART}add_item/", data, format="json")
    assert response.status_code == 200, response.json()


@pytest.fixture
def shop():
    return UserFactory(account_type="seller", company_name="Ama Styles", shipping_fee=Decimal("15.00"),
                       free_shipping_threshold=Decimal("500.00"))


def test_checkout_makes_the_documented_order_and_holds_its_stock(
        buyer, buyer_client, shop, django_capture_on_commit_callbacks):
    headphones = ProductFactory(seller=shop, name="Wireless Headphones", sku="WH-1", price=Decimal("89.99"),
                                stock_quantity=5)
    add(buyer_client, headphones, 2)

    with django_capture_on_commit_callbacks(execute=True):
        response = buyer_client.post(CHECKOUT, body(), format="json")

    assert response.status_code == 201, response.json()
    order = response.json()
    assert order["order_id"].startswith("SF") and len(order["order_id"]) == 10
    assert order["status"] == "pending" and order["source"] == "instagram" and order["payment_method"] == "card"
    assert (order["subtotal"], order["shipping_fee"], order["total_amount"]) == ("179.98", "15.00", "194.98")
    assert order["shipping_address"] == ADDRESS
    assert order["buyer_note"] == "Please gift wrap"
    (item,) = order["items"]
    assert item["product_name"] == "Wireless Headphones" and item["sku"] == "WH-1"
    assert (item["unit_price"], item["quantity"], item["total"]) == ("89.99", 2, "179.98")
    (payment,) = order["payments"]
    assert payment["status"] == "pending" and payment["amount"] == "194.98" and payment["currency"] == "GHS"
    assert order["timeline"][0]["to_status"] == "pending" and order["timeline"][0]["actor"] == "buyer"
    expires_at = Order.objects.get().expires_at
    assert timedelta(minutes=14) < expires_at - timezone.now() <= timedelta(minutes=15)

    # The stock is held, not sold: on hand stays 5, buyers can take 3.
    headphones.refresh_from_db()
    assert headphones.stock_quantity == 5
    reservation = StockReservation.objects.get()
    assert (reservation.quantity, reservation.status, reservation.expires_at) == (
        2, ReservationStatus.ACTIVE, expires_at)
    assert not CartItem.objects.exists()
    # The item keeps what it was, whatever the product becomes.
    headphones.name, headphones.price = "Renamed", Decimal("1.00")
    headphones.save()
    again = buyer_client.get("/api/orders/checkout/", format="json")
    assert again.status_code == 405
    assert Order.objects.get().items.get().product_name == "Wireless Headphones"
    # Unpaid, it is no news to the seller yet: they hear of it when it is paid.
    assert not Notification.objects.filter(user=shop).exists()


def test_the_item_snapshot_points_at_the_product_history(buyer_client, shop):
    product = ProductFactory(seller=shop)
    from products.services import product_adjust_stock
    product_adjust_stock(product=product, actor=shop, delta=5, reason="restock")
    add(buyer_client, product)

    buyer_client.post(CHECKOUT, body(), format="json")

    item = Order.objects.get().items.get()
    assert item.history == product.history.first()
    assert item.history.snapshot["stock_quantity"] == 15


def test_a_variant_line_snapshots_the_variant(buyer_client, shop):
    product = ProductFactory(seller=shop, sku="DRESS")
    medium = VariantFactory(product=product, name="M / Red", sku="DRESS-M-RED", price=Decimal("70.00"),
                            stock_quantity=2)
    add(buyer_client, product, 2, variant=medium)

    item = buyer_client.post(CHECKOUT, body(), format="json").json()["items"][0]

    assert (item["variant_name"], item["sku"], item["unit_price"]) == ("M / Red", "DRESS-M-RED", "70.00")
    assert StockReservation.objects.get().variant == medium


def test_free_shipping_above_the_sellers_threshold(buyer_client, shop):
    add(buyer_client, ProductFactory(seller=shop, price=Decimal("250.00")), 2)

    order = buyer_client.post(CHECKOUT, body(), format="json").json()

    assert (order["shipping_fee"], order["total_amount"]) == ("0.00", "500.00")


def test_several_sellers_need_a_seller_id_and_the_others_lines_stay(buyer_client, shop):
    other = ProductFactory(price=Decimal("30.00"))
    add(buyer_client, ProductFactory(seller=shop))
    add(buyer_client, other)

    response = buyer_client.post(CHECKOUT, body(), format="json")
    assert response.status_code == 400 and response.json()["code"] == "seller_required"
    assert sorted(response.json()["details"]["seller_ids"]) == sorted([shop.pk, other.seller_id])

    response = buyer_client.post(CHECKOUT, body(seller_id=shop.pk), format="json")
    assert response.status_code == 201
    assert response.json()["seller"] == {"id": shop.pk, "name": "Ama Styles"}
    assert list(CartItem.objects.values_list("product_id", flat=True)) == [other.pk]

    response = buyer_client.post(CHECKOUT, body(seller_id=shop.pk), format="json")
    assert response.status_code == 400 and "seller_id" in response.json()["details"]


def test_an_empty_cart_cannot_check_out(buyer_client):
    response = buyer_client.post(CHECKOUT, body(), format="json")

    assert response.status_code == 409 and response.json()["code"] == "cart_empty"


def test_a_failing_line_fails_the_whole_checkout_and_writes_nothing(buyer_client, shop):
    fine = ProductFactory(seller=shop, stock_quantity=5)
    scarce = ProductFactory(seller=shop, stock_quantity=3)
    gone = ProductFactory(seller=shop)
    add(buyer_client, fine, 1)
    add(buyer_client, scarce, 3)
    add(buyer_client, gone, 1)
    hold(scarce, 2)  # meanwhile another buyer checked out two
    gone.status = ProductStatus.ARCHIVED
    gone.save()

    response = buyer_client.post(CHECKOUT, body(), format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "checkout_failed"
    failed = {line["product_id"]: line for line in response.json()["details"]["lines"]}
    assert set(failed) == {scarce.pk, gone.pk}
    assert failed[scarce.pk]["issue"] == "insufficient_stock" and failed[scarce.pk]["available"] == 1
    assert failed[gone.pk]["issue"] == "unavailable"
    assert Order.objects.count() == 1  # only the other buyer's
    assert StockReservation.objects.count() == 1 and Payment.objects.count() == 0
    assert CartItem.objects.count() == 3


def test_a_price_change_needs_the_buyers_consent(buyer_client, shop):
    product = ProductFactory(seller=shop, price=Decimal("40.00"))
    add(buyer_client, product)
    product.price = Decimal("45.00")
    product.save()

    refused = buyer_client.post(CHECKOUT, body(), format="json")
    assert refused.status_code == 409
    assert refused.json()["details"]["lines"][0] | {"item_id": None} == {
        "item_id": None, "product_id": product.pk, "variant_id": None, "issue": "price_changed", "available": None,
        "price": "45.00", "price_when_added": "40.00",
    }

    accepted = buyer_client.post(CHECKOUT, body(accept_price_changes=True), format="json")
    assert accepted.status_code == 201 and accepted.json()["subtotal"] == "45.00"


def test_lines_of_several_currencies_are_refused(buyer_client, shop):
    add(buyer_client, ProductFactory(seller=shop, currency="GHS"))
    add(buyer_client, ProductFactory(seller=shop, currency="NGN"))

    response = buyer_client.post(CHECKOUT, body(), format="json")

    assert response.status_code == 409 and response.json()["code"] == "currency_mismatch"


def test_mobile_money_uses_the_phone_as_wallet_and_tells_its_network(buyer_client, shop):
    add(buyer_client, ProductFactory(seller=shop))

    # The document's body names no network: +233 50 is Telecel's (more in test_mobile_money.py).
    response = buyer_client.post(CHECKOUT, body(payment_method="mobile_money"), format="json")

    assert response.status_code == 201, response.json()
    payment = Payment.objects.get()
    assert (payment.mobile_money_provider, payment.wallet_number) == ("telecel", "+233501234567")


def test_cash_on_delivery_holds_stock_until_the_seller_must_confirm(buyer_client, shop):
    add(buyer_client, ProductFactory(seller=shop))

    order = buyer_client.post(CHECKOUT, body(payment_method="cash_on_delivery"), format="json").json()

    expires_at = Order.objects.get().expires_at
    assert timedelta(hours=47, minutes=59) < expires_at - timezone.now() <= timedelta(hours=48)
    assert order["expires_at"] == expires_at.isoformat().replace("+00:00", "Z")
    assert StockReservation.objects.get().expires_at == expires_at


@pytest.mark.parametrize("field, value", [
    ("payment_method", "bitcoin"), ("phone", "not a phone"), ("full_name", ""),
    ("seller_id", -1),
])
def test_bad_checkout_input_is_a_400(buyer_client, shop, field, value):
    add(buyer_client, ProductFactory(seller=shop))

    response = buyer_client.post(CHECKOUT, body(**{field: value}), format="json")

    assert response.status_code == 400 and field in response.json()["details"]
    assert not Order.objects.exists()


def test_a_retried_checkout_with_the_same_key_returns_the_same_order(buyer_client, shop):
    add(buyer_client, ProductFactory(seller=shop, stock_quantity=5), 2)

    first = buyer_client.post(CHECKOUT, body(), format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    retry = buyer_client.post(CHECKOUT, body(), format="json", HTTP_IDEMPOTENCY_KEY="key-1")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1 and StockReservation.objects.count() == 1

    other = buyer_client.post(CHECKOUT, body(buyer_note="different"), format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


def test_a_failed_checkout_does_not_burn_its_key(buyer_client, shop):
    product = ProductFactory(seller=shop, stock_quantity=5)

    empty = buyer_client.post(CHECKOUT, body(), format="json", HTTP_IDEMPOTENCY_KEY="key-2")
    add(buyer_client, product)
    retry = buyer_client.post(CHECKOUT, body(), format="json", HTTP_IDEMPOTENCY_KEY="key-2")

    assert empty.status_code == 409 and retry.status_code == 201


def test_the_same_key_from_another_user_is_another_request(buyer_client, shop):
    from tests.conftest import authenticated_client

    other_client = authenticated_client(UserFactory(account_type="buyer"))
    add(buyer_client, ProductFactory(seller=shop))
    add(other_client, ProductFactory(seller=shop))

    first = buyer_client.post(CHECKOUT, body(), format="json", HTTP_IDEMPOTENCY_KEY="same")
    second = other_client.post(CHECKOUT, body(), format="json", HTTP_IDEMPOTENCY_KEY="same")

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]


def test_checkout_needs_a_signed_in_user(api_client):
    assert api_client.post(CHECKOUT, body(), format="json").status_code == 401
    assert api_client.get(CART).status_code == 401
