"""The benchmark's floor answers the first public list page's bytes, built once, and is absent
unless BENCH_FLOOR_ENDPOINT mounts it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import path

from sellflow import bench_floor
from sellflow.urls import handler404, handler500  # noqa: F401  (the project's own handlers)
from sellflow.urls import urlpatterns as project_urlpatterns
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

FLOOR = "/api/bench/floor/"
LIST = "/api/products/public/list/"

# The project's URLconf as bench/run.py serves it (BENCH_FLOOR_ENDPOINT on).
urlpatterns = [path("api/bench/floor/", bench_floor.FloorView.as_view()), *project_urlpatterns]


@pytest.fixture(autouse=True)
def _no_floor_built():
    bench_floor._BODIES.clear()
    yield
    bench_floor._BODIES.clear()


@pytest.mark.urls("tests.sellflow.test_bench_floor")
class TestFloor:
    def test_answers_the_first_list_page_byte_for_byte(self, api_client):
        for n in range(25):
            ProductFactory(name=f"Product {n}")

        floor = api_client.get(FLOOR)

        assert floor.status_code == 200
        assert floor["Content-Type"] == "application/json"
        assert floor.content == api_client.get(LIST).content
        assert len(floor.json()) == 20

    def test_is_built_once_then_touches_no_database(self, api_client):
        ProductFactory(name="First")
        first = api_client.get(FLOOR).content
        ProductFactory(name="Added later")

        with CaptureQueriesContext(connection) as queries:
            again = api_client.get(FLOOR)

        assert again.content == first
        assert len(queries) == 0

    def test_an_empty_catalog_gives_an_empty_page(self, api_client):
        assert api_client.get(FLOOR).json() == []


def test_absent_unless_enabled(api_client):
    response = api_client.get(FLOOR)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
