"""The cart through its HTTP API: lines, quantities against available stock, what changed since
a line was added, grouping by seller with shipping, and ownership."""

from decimal import Decimal

import pytest

from orders.models import CartItem
from products.models import ProductStatus
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.orders.factories import hold
from tests.products.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

CART = "/api/orders/cart/"


def add(client, product, quantity=1, variant=None):
    body = {"product_id": product.pk, "quantity": quantity}
    if variant is not None:
        body["variant_id"] = variant.pk
    return client.post(f"{CART}add_item/", body, format="json")


def test_an_empty_cart(buyer_client):
    response = buyer_client.get(CART)

    assert response.status_code == 200
    body = response.json()
    assert body["items"] == [] and body["groups"] == [] and body["item_count"] == 0
    assert body["total"] == "0.00"


def test_adding_a_product_twice_grows_one_line(buyer_client):
    product = ProductFactory(name="Kente stole", price=Decimal("89.99"), stock_quantity=10)

    add(buyer_client, product, 2)
    response = add(buyer_client, product, 1)

    assert response.status_code == 200
    body = response.json()
    (line,) = body["items"]
    assert line["product"] == product.pk and line["product_name"] == "Kente stole"
    assert line["quantity"] == 3 and line["price"] == "89.99" and line["total"] == "269.97"
    assert line["available"] is True and line["price_changed"] is False and line["issue"] is None
    assert line["available_quantity"] == 10
    assert body["item_count"] == 3 and body["total"] == "269.97" and body["currency"] == "GHS"


def test_lines_are_grouped_by_seller_with_each_sellers_shipping(buyer_client):
    ama = UserFactory(account_type="seller", company_name="Ama Styles", shipping_fee=Decimal("15.00"))
    kofi = UserFactory(account_type="seller", company_name="Kofi Tech", shipping_fee=Decimal("20.00"),
                       free_shipping_threshold=Decimal("100.00"))
    dress = ProductFactory(seller=ama, price=Decimal("60.00"))
    phone = ProductFactory(seller=kofi, price=Decimal("120.00"))

    add(buyer_client, dress, 1)
    body = add(buyer_client, phone, 1).json()

    assert body["groups"] == [
        {"seller": {"id": ama.pk, "name": "Ama Styles"}, "items": [body["items"][0]["id"]], "currency": "GHS",
         "subtotal": "60.00", "shipping_fee": "15.00"},
        {"seller": {"id": kofi.pk, "name": "Kofi Tech"}, "items": [body["items"][1]["id"]], "currency": "GHS",
         "subtotal": "120.00", "shipping_fee": "0.00"},  # above Kofi's free-shipping threshold
    ]
    assert body["total"] == "195.00"


def test_a_variant_is_required_and_must_be_the_products(buyer_client):
    product = ProductFactory()
    medium = VariantFactory(product=product, name="M", price=Decimal("55.00"), stock_quantity=3)
    other = VariantFactory()

    assert add(buyer_client, product).json()["code"] == "variant_required"
    response = add(buyer_client, product, variant=other)
    assert response.status_code == 400 and "variant_id" in response.json()["details"]
    line = add(buyer_client, product, 2, variant=medium).json()["items"][0]
    assert line["variant"] == medium.pk and line["variant_name"] == "M" and line["price"] == "55.00"
    assert line["available_quantity"] == 3


def test_more_than_is_available_is_refused_with_the_available_quantity(buyer_client):
    product = ProductFactory(stock_quantity=5)
    hold(product, 2)  # another buyer's unpaid order holds two

    add(buyer_client, product, 2)
    response = add(buyer_client, product, 2)

    assert response.status_code == 409
    assert response.json()["code"] == "out_of_stock"
    assert response.json()["details"] == {"available": 3, "product_id": product.pk, "variant_id": None, "in_cart": 2}
    assert CartItem.objects.get().quantity == 2


def test_an_expired_hold_stops_counting_without_any_worker(buyer_client):
    product = ProductFactory(stock_quantity=5)
    hold(product, 5, expired=True)

    response = add(buyer_client, product, 5)

    assert response.status_code == 200


@pytest.mark.parametrize("body, field", [
    ({"quantity": 1}, "product_id"),
    ({"product_id": 1, "quantity": 0}, "quantity"),
    ({"product_id": 1, "quantity": -2}, "quantity"),
    ({"product_id": "abc", "quantity": 1}, "product_id"),
])
def test_bad_input_is_a_400(buyer_client, body, field):
    response = buyer_client.post(f"{CART}add_item/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["details"]


def test_a_product_not_for_sale_cannot_be_added(buyer_client, settings):
    draft = ProductFactory(status=ProductStatus.DRAFT)
    settings.CART_MAX_QUANTITY = 3

    assert add(buyer_client, draft).status_code == 404
    refused = add(buyer_client, ProductFactory(), 4)
    assert refused.json()["details"] == {"quantity": ["At most 3 of one item per order."]}


def test_a_seller_cannot_buy_their_own_product(seller, seller_client):
    response = add(seller_client, ProductFactory(seller=seller))

    assert response.status_code == 400 and response.json()["code"] == "own_product"


def test_the_cart_has_a_line_limit(buyer_client, settings):
    settings.CART_MAX_LINES = 2
    add(buyer_client, ProductFactory())
    add(buyer_client, ProductFactory())

    response = add(buyer_client, ProductFactory())

    assert response.status_code == 409 and response.json()["code"] == "cart_full"


def test_update_and_remove_a_line(buyer_client):
    product = ProductFactory(stock_quantity=4)
    line_id = add(buyer_client, product, 1).json()["items"][0]["id"]

    response = buyer_client.put(f"{CART}update_item/{line_id}/", {"quantity": 4}, format="json")
    assert response.status_code == 200 and response.json()["items"][0]["quantity"] == 4
    response = buyer_client.put(f"{CART}update_item/{line_id}/", {"quantity": 5}, format="json")
    assert response.status_code == 409 and response.json()["details"]["available"] == 4
    assert buyer_client.put(f"{CART}update_item/{line_id}/", {"quantity": 0}, format="json").status_code == 400

    response = buyer_client.delete(f"{CART}remove_item/{line_id}/")
    assert response.status_code == 200 and response.json()["items"] == []


def test_clear_empties_the_cart(buyer_client):
    add(buyer_client, ProductFactory())
    add(buyer_client, ProductFactory())

    response = buyer_client.delete(f"{CART}clear/")

    assert response.status_code == 200 and response.json()["item_count"] == 0


def test_another_users_line_is_not_found(buyer_client):
    stranger = authenticated_client(UserFactory(account_type="buyer"))
    line_id = add(stranger, ProductFactory()).json()["items"][0]["id"]

    assert buyer_client.put(f"{CART}update_item/{line_id}/", {"quantity": 2}, format="json").status_code == 404
    assert buyer_client.delete(f"{CART}remove_item/{line_id}/").status_code == 404
    assert CartItem.objects.get(pk=line_id).quantity == 1


def test_the_cart_says_what_changed_and_never_drops_a_line(buyer_client):
    repriced = ProductFactory(name="Repriced", price=Decimal("10.00"), stock_quantity=5)
    sold_out = ProductFactory(name="Sold out", stock_quantity=5)
    scarce = ProductFactory(name="Scarce", stock_quantity=5)
    deactivated = ProductFactory(name="Deactivated")
    deleted = ProductFactory(name="Deleted")
    for product, quantity in [(repriced, 1), (sold_out, 1), (scarce, 3), (deactivated, 1), (deleted, 1)]:
        add(buyer_client, product, quantity)

    repriced.price = Decimal("12.50")
    repriced.save()
    sold_out.stock_quantity = 0
    sold_out.save()
    scarce.stock_quantity = 2
    scarce.save()
    deactivated.status = ProductStatus.INACTIVE
    deactivated.save()
    deleted.delete()  # gone for good: the line keeps its name

    body = buyer_client.get(CART).json()

    lines = {line["product_name"]: line for line in body["items"]}
    assert len(lines) == 5
    assert lines["Repriced"]["issue"] == "price_changed" and lines["Repriced"]["price_changed"] is True
    assert lines["Repriced"]["price"] == "12.50" and lines["Repriced"]["price_when_added"] == "10.00"
    assert lines["Repriced"]["available"] is True
    assert lines["Sold out"]["issue"] == "out_of_stock" and lines["Sold out"]["available"] is False
    assert lines["Scarce"]["issue"] == "insufficient_stock" and lines["Scarce"]["available_quantity"] == 2
    assert lines["Deactivated"]["issue"] == "unavailable"
    assert lines["Deleted"]["issue"] == "deleted" and lines["Deleted"]["product"] is None
    # Only what can be ordered counts towards the total.
    assert body["total"] == "12.50"
    assert body["item_count"] == 7


def test_the_cart_reads_in_a_fixed_number_of_queries(buyer, buyer_client, django_assert_max_num_queries):
    # The user, the cart, its lines with products and sellers, the images, the holds.
    add(buyer_client, ProductFactory())
    with django_assert_max_num_queries(5):
        buyer_client.get(CART)

    for _ in range(9):
        add(buyer_client, ProductFactory())
    with django_assert_max_num_queries(5):
        assert len(buyer_client.get(CART).json()["items"]) == 10
