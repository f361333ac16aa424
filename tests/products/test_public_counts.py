"""The public listing's X-Total-Count comes from a count cached per filter set, pages cached or not:
it costs no query when known, and it is exact all the same after any change to the catalog, its
sellers or the holds on its stock."""

from decimal import Decimal

import pytest

from accounts.cache import sellers_public_changed
from tests.accounts.factories import UserFactory
from tests.orders.conftest import Clock
from tests.orders.factories import hold
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

LIST = "/api/products/public/list/"


@pytest.fixture(autouse=True)
def cold_pages(settings):
    settings.PUBLIC_CATALOG_CACHE_SECONDS = 0  # pages are built every time: only the counts are kept
    settings.PUBLIC_CATALOG_COUNT_CACHE_SECONDS = 300


def total(api_client, **params) -> int:
    response = api_client.get(LIST, params)
    assert response.status_code == 200, response.json()
    return int(response["X-Total-Count"])


def test_a_known_count_costs_no_query_and_serves_every_page(api_client, django_assert_max_num_queries):
    ProductFactory.create_batch(5)
    assert total(api_client, page_size=2) == 5

    # Page with sellers and categories, images, held stock: no count, no search for products held in full.
    with django_assert_max_num_queries(3):
        response = api_client.get(LIST, {"page_size": 2, "page": 3})

    assert [response["X-Total-Count"], len(response.json())] == ["5", 1]
    assert 'rel="prev"' in response["Link"] and 'rel="next"' not in response["Link"]


def test_a_parameter_that_filters_nothing_shares_the_count(api_client, django_assert_max_num_queries):
    """Only filters key the count: `?x=<anything>` can neither miss the cache nor add keys to it."""
    ProductFactory.create_batch(3)
    assert total(api_client) == 3

    with django_assert_max_num_queries(3):
        response = api_client.get(LIST, {"utm_source": "instagram", "x": "a-made-up-value"})

    assert response["X-Total-Count"] == "3"


def test_each_filter_set_has_its_own_count(api_client):
    seller = UserFactory(account_type="seller")
    ProductFactory.create_batch(2, seller=seller, price=Decimal("10.00"))
    ProductFactory(price=Decimal("90.00"))

    assert total(api_client) == 3
    assert total(api_client, seller=seller.pk) == 2
    assert total(api_client, seller=seller.pk, max_price="50") == 2
    assert total(api_client, min_price="50") == 1
    assert total(api_client, min_price="50", ordering="-price") == 1
    assert api_client.get(LIST, {"min_price": "x"}).status_code == 400


def test_the_count_follows_products_coming_and_going(api_client, seller_client, seller,
                                                     django_capture_on_commit_callbacks):
    product = ProductFactory(seller=seller)
    ProductFactory()
    assert total(api_client) == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert seller_client.delete(f"/api/products/{product.pk}/").status_code == 204
    assert total(api_client) == 1

    with django_capture_on_commit_callbacks(execute=True):
        created = seller_client.post("/api/products/", {"name": "Kente stole", "price": "45.00", "status": "active",
                                                        "stock_quantity": 0}, format="json")
    assert created.status_code == 201, created.json()
    assert total(api_client) == 2
    assert total(api_client, in_stock="false") == 1

    with django_capture_on_commit_callbacks(execute=True):
        seller_client.post(f"/api/products/{created.json()['id']}/adjust_stock/", {"delta": 3, "reason": "made"},
                           format="json")
    assert total(api_client, in_stock="false") == 0


def test_the_count_follows_a_seller_leaving(api_client, seller):
    ProductFactory.create_batch(2, seller=seller)
    ProductFactory()
    assert total(api_client) == 3

    seller.is_active = False
    seller.save(update_fields=["is_active"])
    sellers_public_changed()  # what the admin does after banning a seller

    assert total(api_client) == 1


def test_a_lapsed_hold_puts_its_product_back_in_the_buyable_count(api_client, monkeypatch):
    from django.utils import timezone

    held, free = ProductFactory.create_batch(2, stock_quantity=1)
    hold(held, 1)  # another buyer's order, 15 minutes
    assert total(api_client, in_stock="true") == 1
    assert [row["id"] for row in api_client.get(LIST, {"page_size": 1, "page": 2}).json()] == [held.pk]

    clock = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    clock.advance(minutes=16)

    assert total(api_client, in_stock="true") == 2
    assert [row["in_stock"] for row in api_client.get(LIST).json()] == [True, True]


def test_the_landing_page_builds_no_filterset(api_client, monkeypatch):
    from sellflow.filters import FilterBackend

    built = []
    original = FilterBackend.get_filterset
    monkeypatch.setattr(FilterBackend, "get_filterset", lambda *args: built.append(args) or original(*args))
    ProductFactory.create_batch(2)

    assert total(api_client) == 2
    assert total(api_client, page=1, page_size=1, utm_source="x") == 2  # no filter asked either
    assert built == []
    assert total(api_client, in_stock="false") == 0
    assert len(built) == 1
    assert api_client.get(LIST, {"in_stock": ""}).json()["code"] == "invalid"  # a blank filter is still refused
