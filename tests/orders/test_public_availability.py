"""The public catalog shows what buyers can actually take: on hand minus the orders' active
holds, in listings, details, variants and the `in_stock` filter, cached or not, and back on
sale the moment a hold lapses or its order is cancelled. Sellers still see what is on hand."""

from decimal import Decimal

import pytest

from orders.models import Order
from tests.accounts.factories import UserFactory
from tests.orders.conftest import ADDRESS
from tests.orders.factories import hold
from tests.products.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

LIST = "/api/products/public/list/"
PUBLIC = "/api/products/public/"


@pytest.fixture
def order(django_capture_on_commit_callbacks):
    """Check out `quantity` of a product, with what follows the commit (the cache is told)."""

    def place(client, product, quantity, variant=None, payment_method="card"):
        line = {"product_id": product.pk, "quantity": quantity, **({"variant_id": variant.pk} if variant else {})}
        assert client.post("/api/orders/cart/add_item/", line, format="json").status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/orders/checkout/", {**ADDRESS, "payment_method": payment_method},
                                   format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    return place


def listed(api_client, **params) -> dict[int, bool]:
    return {row["id"]: row["in_stock"] for row in api_client.get(LIST, params).json()}


@pytest.fixture
def stole(shop):
    return ProductFactory(seller=shop, name="Kente stole", price=Decimal("45.00"), stock_quantity=3)


def test_held_stock_is_not_shown_as_buyable(api_client, buyer_client, stole, order):
    # Warm the caches first: holding must invalidate them.
    assert listed(api_client) == {stole.pk: True}
    assert api_client.get(f"{PUBLIC}{stole.pk}/").json()["stock_quantity"] == 3

    order(buyer_client, stole, 2)
    assert listed(api_client) == {stole.pk: True}
    assert api_client.get(f"{PUBLIC}{stole.pk}/").json()["stock_quantity"] == 1

    order(buyer_client, stole, 1, payment_method="cash_on_delivery")
    detail = api_client.get(f"{PUBLIC}{stole.pk}/").json()
    assert (detail["in_stock"], detail["stock_quantity"]) == (False, 0)
    assert listed(api_client) == {stole.pk: False}
    assert listed(api_client, in_stock="true") == {}
    assert listed(api_client, in_stock="false") == {stole.pk: False}


def test_the_seller_still_sees_what_is_on_hand(buyer_client, shop_client, stole, order):
    order(buyer_client, stole, 3)

    mine = shop_client.get(f"/api/products/{stole.pk}/").json()

    assert mine["stock_quantity"] == 3


def test_a_held_variant_is_sold_out_and_its_siblings_are_not(api_client, buyer_client, shop, order):
    shoe = ProductFactory(seller=shop, stock_quantity=7)
    small = VariantFactory(product=shoe, name="S", stock_quantity=2)
    large = VariantFactory(product=shoe, name="L", stock_quantity=5)
    api_client.get(f"{PUBLIC}{shoe.pk}/")

    order(buyer_client, shoe, 2, variant=small)

    detail = api_client.get(f"{PUBLIC}{shoe.pk}/").json()
    assert (detail["in_stock"], detail["stock_quantity"]) == (True, 5)
    assert {variant["id"]: variant["in_stock"] for variant in detail["variants"]} == {small.pk: False,
                                                                                       large.pk: True}


def test_a_lapsed_hold_is_back_on_sale_at_once_though_pages_were_cached(api_client, buyer_client, stole, clock, order,
                                                                        settings):
    settings.PUBLIC_CATALOG_CACHE_SECONDS = 300
    settings.PAYMENT_TIMEOUT_MINUTES = 15
    order(buyer_client, stole, 3)
    assert listed(api_client) == {stole.pk: False}
    assert listed(api_client, in_stock="true") == {}
    assert api_client.get(f"{PUBLIC}{stole.pk}/").json()["in_stock"] is False

    clock.advance(minutes=15, seconds=1)  # no worker ran: the order is still pending

    assert Order.objects.get().status == "pending"
    assert listed(api_client) == {stole.pk: True}
    assert listed(api_client, in_stock="true") == {stole.pk: True}
    assert api_client.get(f"{PUBLIC}{stole.pk}/").json()["stock_quantity"] == 3


def test_a_hold_on_another_product_bounds_a_filtered_listing_too(api_client, shop, clock):
    sold_out, other = ProductFactory.create_batch(2, seller=shop, stock_quantity=1)
    hold(sold_out, 1)  # another buyer's order, 15 minutes
    assert listed(api_client, in_stock="true") == {other.pk: True}

    clock.advance(minutes=16)

    assert listed(api_client, in_stock="true") == {sold_out.pk: True, other.pk: True}


def test_a_cancelled_order_puts_its_stock_back_on_sale(api_client, buyer_client, stole, order,
                                                       django_capture_on_commit_callbacks):
    placed = order(buyer_client, stole, 3, payment_method="cash_on_delivery")
    assert api_client.get(f"{PUBLIC}{stole.pk}/").json()["in_stock"] is False
    assert listed(api_client) == {stole.pk: False}

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = buyer_client.post(f"/api/orders/orders/{placed['id']}/cancel/", {"reason": "wrong size"},
                                      format="json")
    assert cancelled.status_code == 200

    assert api_client.get(f"{PUBLIC}{stole.pk}/").json()["stock_quantity"] == 3
    assert listed(api_client) == {stole.pk: True}


def test_the_vendor_page_and_favourites_count_holds_too(api_client, buyer, buyer_client, shop, stole, order):
    order(buyer_client, stole, 3)
    assert buyer_client.post(f"/api/products/{stole.pk}/favorite/").status_code == 201

    vendor = api_client.get(f"{PUBLIC}vendor/{shop.pk}/").json()
    favourites = buyer_client.get("/api/products/favorites/").json()

    assert [row["in_stock"] for row in vendor["products"]] == [False]
    assert [row["in_stock"] for row in favourites] == [False]


@pytest.mark.parametrize("page_size", [1, 40])
def test_the_listing_counts_holds_in_a_fixed_number_of_queries(api_client, settings, page_size,
                                                                django_assert_max_num_queries):
    settings.PUBLIC_CATALOG_CACHE_SECONDS = 0  # measure the database work itself
    for seller in UserFactory.create_batch(4):
        for product in ProductFactory.create_batch(10, seller=seller, stock_quantity=3):
            hold(product, 1)
            VariantFactory(product=product)

    with django_assert_max_num_queries(4):  # count, page with sellers and categories, images, held stock
        response = api_client.get(LIST, {"page_size": page_size})
    with django_assert_max_num_queries(5):  # product, variants, images, held stock (+ the view counter)
        api_client.get(f"{PUBLIC}{response.json()[0]['id']}/")

    assert len(response.json()) == page_size
    assert all(row["in_stock"] for row in response.json())


def test_ai_search_and_recommendations_count_holds_too(api_client, shop):
    held = ProductFactory(seller=shop, name="Wireless headphones held", stock_quantity=1)
    free = ProductFactory(seller=shop, name="Wireless headphones free", stock_quantity=1)
    hold(held, 1)

    found = api_client.get("/api/ai/search/", {"q": "wireless headphones in stock"}).json()
    recommended = api_client.get("/api/ai/recommendations/").json()

    assert [row["id"] for row in found["results"]] == [free.pk]
    assert {row["id"]: row["in_stock"] for row in recommended["results"]} == {held.pk: False, free.pk: True}
