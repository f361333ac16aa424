"""The public catalog shows what buyers can actually take: on hand minus the orders' active
holds, in listings, details, variants and the `in_stock` filter, cached or not, and back on
sale the moment a hold lapses or its order is cancelled. Sellers still see what is on hand."""

from decimal import Decimal

import pytest
from django.db import connection

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

    # The products held in full, count, page with sellers and categories, images, held stock.
    with django_assert_max_num_queries(5):
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
    assert {row["id"]: row["in_stock"] for row in recommended["results"]} == {free.pk: True}


# --- What can be bought comes first -----------------------------------------------------------

def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    body = response.json()
    rows = body if isinstance(body, list) else body.get("results", body.get("products"))
    return [row["id"] for row in rows]


def test_a_product_held_in_full_sorts_after_the_buyable_ones_in_every_public_list(api_client, buyer, buyer_client,
                                                                                   shop):
    # Oldest and dearest first: every order would put it last, were holds not counted.
    free = ProductFactory(seller=shop, name="Kente stole free", price=Decimal("30.00"), stock_quantity=2)
    held = ProductFactory(seller=shop, name="Kente stole held", price=Decimal("20.00"), stock_quantity=2)
    sold_out = ProductFactory(seller=shop, name="Kente stole sold out", price=Decimal("10.00"), stock_quantity=0)
    hold(held, 2)
    for product in (free, held, sold_out):
        assert buyer_client.post(f"/api/products/{product.pk}/favorite/").status_code == 201
    buyable_first = [free.pk, sold_out.pk, held.pk]  # then the others, newest (or cheapest) first

    assert ids(api_client.get(LIST)) == buyable_first
    assert ids(api_client.get(LIST, {"ordering": "price"})) == buyable_first
    assert ids(api_client.get(LIST, {"search": "kente"})) == buyable_first
    assert ids(api_client.get(f"{PUBLIC}vendor/{shop.pk}/")) == buyable_first
    assert ids(buyer_client.get("/api/products/favorites/")) == buyable_first
    assert ids(api_client.get("/api/ai/search/", {"q": "cheapest kente stole"})) == buyable_first
    assert ids(api_client.get(LIST, {"in_stock": "false"})) == [sold_out.pk, held.pk]


def test_a_partly_held_product_keeps_its_place(api_client, shop):
    older = ProductFactory(seller=shop, stock_quantity=2)
    newer = ProductFactory(seller=shop, stock_quantity=2)
    hold(newer, 1)

    assert ids(api_client.get(LIST)) == [newer.pk, older.pk]


def test_a_lapsed_hold_puts_the_product_back_in_its_place(api_client, shop, clock, settings):
    settings.PUBLIC_CATALOG_CACHE_SECONDS = 300
    older = ProductFactory(seller=shop, stock_quantity=1)
    newer = ProductFactory(seller=shop, stock_quantity=1)
    hold(newer, 1)  # 15 minutes
    assert ids(api_client.get(LIST, {"page_size": 1})) == [older.pk]  # the held one is not even on the page

    clock.advance(minutes=16)  # no worker ran, and the page was cached

    assert ids(api_client.get(LIST, {"page_size": 1})) == [newer.pk]


@pytest.mark.parametrize("page_size", [1, 2, 3, 5])
def test_pages_list_the_buyable_products_then_the_others_whole(api_client, shop, page_size):
    products = ProductFactory.create_batch(5, seller=shop, stock_quantity=1)
    for product in products[1::2]:
        hold(product, 1)

    seen, page = [], 1
    while len(seen) < 5:
        response = api_client.get(LIST, {"page_size": page_size, "page": page})
        assert response["X-Total-Count"] == "5"
        seen += ids(response)
        page += 1

    # Newest first within each: the buyable ones, then the held ones.
    assert seen == [products[4].pk, products[2].pk, products[0].pk, products[3].pk, products[1].pk]
    assert api_client.get(LIST, {"page_size": page_size, "page": page}).status_code == 404


def test_every_page_takes_a_fixed_number_of_queries(api_client, settings, shop, django_assert_max_num_queries):
    settings.PUBLIC_CATALOG_CACHE_SECONDS = 0  # measure the database work itself
    products = ProductFactory.create_batch(25, seller=shop, stock_quantity=2)
    for product in products[:10]:
        hold(product, 2)  # 15 buyable, then 10 held in full

    # The products held in full, count (of both kinds), page with sellers and categories, images, held stock:
    # inside the buyable ones and past them alike; where they end, a page and its images of each kind.
    for page, queries in ((1, 5), (2, 7), (3, 5)):
        with django_assert_max_num_queries(queries):
            assert len(ids(api_client.get(LIST, {"page_size": 10, "page": page}))) == (5 if page == 3 else 10)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan that matters is PostgreSQL's")
def test_a_page_of_buyable_products_is_read_from_the_listing_index_not_sorted(shop):
    from products.selectors import BuyableFirst, public_products

    products = ProductFactory.create_batch(5, seller=shop, stock_quantity=2)
    hold(products[0], 2)
    sql, params = BuyableFirst(public_products()).buyable[:20].query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")  # a sort still shows when nothing else can order the rows
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "products_public_order" in plan and "Sort" not in plan, plan


def test_recommendations_leave_out_products_held_in_full_until_their_hold_lapses(api_client, buyer, buyer_client,
                                                                                 shop, clock):
    from ai import recommendations as engine
    from products.models import ProductView

    seen = ProductFactory(seller=shop, name="Ceramic coffee mug", tag_names="ceramic,mug", stock_quantity=3)
    free = ProductFactory(seller=shop, name="Ceramic tea mug", tag_names="ceramic,mug", stock_quantity=3)
    held = ProductFactory(seller=shop, name="Ceramic soup mug", tag_names="ceramic,mug", stock_quantity=3)
    ProductView.objects.create(user=buyer, product=seen, last_viewed_at=clock.now)
    engine.recommendations_refresh_all()
    hold(held, 3)

    beside = api_client.get("/api/ai/recommendations/", {"product_id": seen.pk}).json()
    personal = buyer_client.get("/api/ai/recommendations/").json()
    popular = api_client.get("/api/ai/recommendations/").json()

    assert ids_of(beside["similar"]) == [free.pk]
    assert personal["strategy"] == "personal" and held.pk not in ids_of(personal["results"])
    assert free.pk in ids_of(personal["results"])
    assert held.pk not in ids_of(popular["results"])
    clock.advance(minutes=16)
    assert set(ids_of(api_client.get("/api/ai/recommendations/", {"product_id": seen.pk}).json()["similar"])) == {
        free.pk, held.pk}


def ids_of(rows) -> list[int]:
    return [row["id"] for row in rows]
