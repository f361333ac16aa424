"""The default throttles: anonymous requests are counted per address at the anon rate, signed-in
users per user at the user rate, each request by one throttle only (an anonymous catalog request
costs no second count under the looser user rate). And the product view count, which shares the
detail's Redis round trips (checked once per client and tallied in one script)."""

import pytest
from django.core.cache import cache

from products.services import product_views_flush
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

LIST = "/api/products/public/list/"


def test_anonymous_requests_stop_at_the_anon_rate(api_client, throttle_rates):
    throttle_rates(anon="2/minute", user="100/minute")

    statuses = [api_client.get(LIST).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_anonymous_requests_are_not_counted_under_the_user_rate(api_client, throttle_rates):
    throttle_rates(anon="100/minute", user="1/minute")

    statuses = [api_client.get(LIST).status_code for _ in range(3)]

    assert statuses == [200, 200, 200]
    assert cache.get("throttle_user_127.0.0.1") is None


def test_signed_in_users_stop_at_the_user_rate_whatever_the_anon_rate(seller_client, throttle_rates):
    throttle_rates(anon="1/minute", user="2/minute")

    statuses = [seller_client.get("/api/products/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_a_view_is_counted_once_per_client_in_its_window(api_client, settings):
    settings.PRODUCT_COUNTER_WINDOW_SECONDS = 3600
    product = ProductFactory()
    for address in ("10.0.0.1", "10.0.0.1", "10.0.0.2"):
        assert api_client.get(f"/api/products/public/{product.pk}/", REMOTE_ADDR=address).status_code == 200

    product_views_flush()

    product.refresh_from_db()
    assert product.view_count == 2
