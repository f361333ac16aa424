"""The cart through its HTTP API: lines, quantities against available stock, what changed since
a line was added, grouping by seller with shipping, its totals (the orderable lines, shipping
apart, per currency with a main one), and ownership."""

from decimal import Decimal

import pytest

from orders.models import CartItem
from products.models import ProductStatus
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.orders.conftest import ADDRESS
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
    assert (body["total"], body["shipping_total"], body["grand_total"]) == ("0.00", "0.00", "0.00")
    assert body["totals"] == [] and body["currency"] == "GHS"  # the buyer's currency


def test_an_empty_cart_is_in_the_buyers_currency():
    client = authenticated_client(UserFactory(account_type="buyer", currency="NGN"))

    body = client.get(CART).json()

    assert body["currency"] == "NGN" and body["total"] == "0.00" and body["totals"] == []


def test_the_api_documents_example_shipping_is_not_in_the_total(buyer_client):
    seller = UserFactory(account_type="seller", shipping_fee=Decimal("18.00"))
    headphones = ProductFactory(seller=seller, name="Wireless Headphones", price=Decimal("89.99"))

    response = add(buyer_client, headphones, 2)

    assert response.status_code == 200
    body = response.json()
    (line,) = body["items"]
    assert (line["price"], line["quantity"], line["total"]) == ("89.99", 2, "179.98")
    assert body["total"] == "179.98" and body["item_count"] == 2 and body["currency"] == "GHS"
    assert (body["shipping_total"], body["grand_total"]) == ("18.00", "197.98")
    assert body["totals"] == [{"currency": "GHS", "total": "179.98", "shipping_total": "18.00",
                               "grand_total": "197.98", "line_count": 1, "item_count": 2}]
    assert buyer_client.get(CART).json() == body
    # What the order then costs, as in the document's checkout: the cart's grand total.
    order = buyer_client.post("/api/orders/checkout/", {**ADDRESS, "payment_method": "card"}, format="json")
    assert order.status_code == 201 and order.json()["total_amount"] == "197.98"


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
    assert (body["total"], body["shipping_total"], body["grand_total"]) == ("180.00", "15.00", "195.00")


def test_a_line_that_cannot_be_ordered_counts_in_no_total_nor_its_sellers_shipping(buyer_client):
    ama = UserFactory(account_type="seller", shipping_fee=Decimal("15.00"))
    kofi = UserFactory(account_type="seller", shipping_fee=Decimal("20.00"))
    dress = ProductFactory(seller=ama, price=Decimal("60.00"))
    scarf = ProductFactory(seller=ama, price=Decimal("25.00"), stock_quantity=3)
    phone = ProductFactory(seller=kofi, price=Decimal("120.00"), stock_quantity=1)
    for product in (dress, scarf, phone):
        add(buyer_client, product, 1)
    scarf.stock_quantity = 0  # sold out elsewhere: Ama still ships the dress
    scarf.save()
    phone.status = ProductStatus.INACTIVE  # nothing of Kofi's left to order: no shipping from Kofi
    phone.save()

    body = buyer_client.get(CART).json()

    assert [line["issue"] for line in body["items"]] == [None, "out_of_stock", "unavailable"]
    assert [(g["subtotal"], g["shipping_fee"]) for g in body["groups"]] == [("60.00", "15.00"), ("0.00", "0.00")]
    assert (body["total"], body["shipping_total"], body["grand_total"]) == ("60.00", "15.00", "75.00")
    assert body["totals"] == [{"currency": "GHS", "total": "60.00", "shipping_total": "15.00",
                               "grand_total": "75.00", "line_count": 1, "item_count": 1}]
    assert body["item_count"] == 3  # every unit in the cart, orderable or not


def test_with_nothing_orderable_the_totals_are_zero_never_null(buyer_client):
    product = ProductFactory(price=Decimal("40.00"), currency="USD", stock_quantity=2)
    add(buyer_client, product, 2)
    product.stock_quantity = 0
    product.save()

    body = buyer_client.get(CART).json()

    assert (body["total"], body["shipping_total"], body["grand_total"]) == ("0.00", "0.00", "0.00")
    assert body["totals"] == [] and body["currency"] == "GHS" and body["item_count"] == 2


def test_several_currencies_the_main_one_has_the_most_lines(buyer_client):
    accra = UserFactory(account_type="seller", shipping_fee=Decimal("10.00"))
    lagos = UserFactory(account_type="seller", shipping_fee=Decimal("1500.00"))
    kente = ProductFactory(seller=accra, price=Decimal("300.00"), currency="GHS")
    add(buyer_client, kente, 5)  # more units, fewer lines
    for price in ("2000.00", "3500.00"):
        add(buyer_client, ProductFactory(seller=lagos, price=Decimal(price), currency="NGN"), 1)

    body = buyer_client.get(CART).json()

    assert body["currency"] == "NGN"
    assert (body["total"], body["shipping_total"], body["grand_total"]) == ("5500.00", "1500.00", "7000.00")
    assert body["totals"] == [
        {"currency": "NGN", "total": "5500.00", "shipping_total": "1500.00", "grand_total": "7000.00",
         "line_count": 2, "item_count": 2},
        {"currency": "GHS", "total": "1500.00", "shipping_total": "10.00", "grand_total": "1510.00",
         "line_count": 1, "item_count": 5},
    ]
    assert [group["currency"] for group in body["groups"]] == ["GHS", "NGN"]  # the groups are as before
    assert body["item_count"] == 7


@pytest.mark.parametrize("ghs_units, usd_units, main", [
    (1, 3, "USD"),  # as many lines: the most units
    (3, 1, "GHS"),
    (2, 2, "GHS"),  # as many units too: the first code alphabetically
])
def test_a_tie_of_lines_is_broken_by_units_then_by_the_code(buyer_client, ghs_units, usd_units, main):
    add(buyer_client, ProductFactory(price=Decimal("10.00"), currency="USD"), usd_units)
    add(buyer_client, ProductFactory(price=Decimal("99.00"), currency="GHS"), ghs_units)

    body = buyer_client.get(CART).json()

    assert body["currency"] == main
    assert [entry["currency"] for entry in body["totals"]] == [main, ({"GHS", "USD"} - {main}).pop()]
    assert body["total"] == body["totals"][0]["total"] and body["total"] is not None


def test_a_seller_pricing_in_several_currencies_counts_their_lines_but_no_shipping(buyer_client):
    seller = UserFactory(account_type="seller", shipping_fee=Decimal("12.00"))
    add(buyer_client, ProductFactory(seller=seller, price=Decimal("20.00"), currency="GHS"), 1)
    add(buyer_client, ProductFactory(seller=seller, price=Decimal("5.00"), currency="USD"), 1)
    add(buyer_client, ProductFactory(seller=seller, price=Decimal("7.00"), currency="USD"), 1)

    body = buyer_client.get(CART).json()

    (group,) = body["groups"]
    assert group["currency"] is None  # one order is paid in one currency: not checked out as it is
    assert (group["subtotal"], group["shipping_fee"]) == (None, None)  # GHS and USD do not add up
    assert (body["currency"], body["total"], body["shipping_total"], body["grand_total"]) == (
        "USD", "12.00", "0.00", "12.00")
    assert [(e["currency"], e["total"], e["shipping_total"]) for e in body["totals"]] == [
        ("USD", "12.00", "0.00"), ("GHS", "20.00", "0.00")]


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
    assert body["total"] == "12.50" and body["grand_total"] == "12.50"
    assert [(e["currency"], e["line_count"], e["item_count"]) for e in body["totals"]] == [("GHS", 1, 1)]
    assert body["item_count"] == 7


def test_the_cart_reads_in_a_fixed_number_of_queries(buyer_client, django_assert_num_queries):
    # The user, the cart, its lines with products and sellers, the images, the holds: whatever
    # the number of lines, sellers, currencies and lines that cannot be ordered.
    def fill(count):
        for n in range(count):
            seller = UserFactory(account_type="seller", shipping_fee=Decimal("5.00"))
            product = ProductFactory(seller=seller, currency=["GHS", "USD", "NGN"][n % 3])
            add(buyer_client, product)
            if n % 4 == 3:
                product.stock_quantity = 0
                product.save()

    fill(1)
    with django_assert_num_queries(5):
        buyer_client.get(CART)

    fill(11)
    with django_assert_num_queries(5):
        body = buyer_client.get(CART).json()
    assert len(body["items"]) == 12 and len(body["totals"]) == 3
