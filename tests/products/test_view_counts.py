"""Product views are tallied in the cache and written to view_count by a flush each minute (the
beat): a view costs the database nothing, and none is lost or counted twice."""

import io
import threading

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from products import services
from products.tasks import flush_product_views
from sellflow import counters
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

ON_REDIS = isinstance(caches["default"], RedisCache)


def public(pk):
    return f"/api/products/public/{pk}/"


def view_from(api_client, product, *addresses):
    for address in addresses:
        assert api_client.get(public(product.pk), REMOTE_ADDR=address).status_code == 200


def addresses(count, start=1):
    return [f"198.51.100.{n}" for n in range(start, start + count)]


def seller_view_count(product) -> int:
    """view_count as the seller's API shows it (uncached)."""
    from tests.conftest import authenticated_client

    response = authenticated_client(product.seller).get(f"/api/products/{product.pk}/")
    assert response.status_code == 200
    return response.json()["view_count"]


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]


class TestFlush:
    def test_views_of_different_clients_reach_view_count_at_the_flush(self, api_client):
        product, other = ProductFactory(), ProductFactory()
        view_from(api_client, product, *addresses(7))
        view_from(api_client, other, *addresses(2))

        assert seller_view_count(product) == 0  # not yet: it lags until the flush

        assert flush_product_views.delay().get() == {"products": 2, "views": 9}
        assert seller_view_count(product) == 7
        assert seller_view_count(other) == 2

    def test_flushes_add_up_and_take_each_view_once(self, api_client):
        product = ProductFactory(view_count=40)
        view_from(api_client, product, *addresses(3))
        flush_product_views.delay()
        view_from(api_client, product, *addresses(2, start=50))

        assert flush_product_views.delay().get() == {"products": 1, "views": 2}
        assert flush_product_views.delay().get() == {"products": 0, "views": 0}
        assert seller_view_count(product) == 45

    def test_the_dedupe_window_still_holds(self, api_client, buyer_client):
        product = ProductFactory()
        view_from(api_client, product, "203.0.113.1", "203.0.113.1", "203.0.113.1", "203.0.113.2")
        buyer_client.get(public(product.pk), REMOTE_ADDR="203.0.113.3")
        buyer_client.get(public(product.pk), REMOTE_ADDR="203.0.113.4")  # the same shopper elsewhere

        flush_product_views.delay()

        assert seller_view_count(product) == 3

    def test_a_flush_with_nothing_pending_does_nothing(self, django_assert_num_queries):
        ProductFactory()

        with django_assert_num_queries(0):
            assert flush_product_views.delay().get() == {"products": 0, "views": 0}

    def test_views_of_a_product_deleted_meanwhile_are_dropped(self, api_client):
        product, gone = ProductFactory(), ProductFactory()
        view_from(api_client, product, "203.0.113.1")
        view_from(api_client, gone, "203.0.113.1")
        gone.delete()

        assert flush_product_views.delay().get() == {"products": 2, "views": 2}
        assert seller_view_count(product) == 1

    def test_one_update_per_batch_of_products(self, api_client, monkeypatch):
        monkeypatch.setattr(services, "VIEWS_FLUSH_BATCH", 2)
        products = ProductFactory.create_batch(5)
        for product in products:
            view_from(api_client, product, "203.0.113.1")

        with CaptureQueriesContext(connection) as queries:
            flush_product_views.delay()

        assert len(writes(queries.captured_queries)) == 3  # 2 + 2 + 1 products
        assert [seller_view_count(p) for p in products] == [1] * 5

    def test_views_counted_during_a_flush_wait_for_the_next(self, api_client, monkeypatch):
        product = ProductFactory()
        view_from(api_client, product, *addresses(3))
        take = services.pending_take

        def take_then_more_views(name):
            taken = take(name)
            view_from(api_client, product, *addresses(2, start=100))  # between the take and the write
            return taken

        monkeypatch.setattr(services, "pending_take", take_then_more_views)
        assert services.product_views_flush() == {"products": 1, "views": 3}
        monkeypatch.undo()

        assert seller_view_count(product) == 3
        assert flush_product_views.delay().get() == {"products": 1, "views": 2}
        assert seller_view_count(product) == 5

    def test_a_failed_write_gives_the_views_back(self, api_client, monkeypatch):
        product = ProductFactory()
        view_from(api_client, product, *addresses(4))

        def fail(rows):
            raise DatabaseError("connection lost")

        monkeypatch.setattr(services, "_add_views", fail)
        with pytest.raises(DatabaseError):
            services.product_views_flush()
        monkeypatch.undo()
        view_from(api_client, product, "203.0.113.9")

        assert flush_product_views.delay().get() == {"products": 1, "views": 5}
        assert seller_view_count(product) == 5

    def test_the_command_flushes_by_hand(self, api_client):
        product = ProductFactory()
        view_from(api_client, product, *addresses(2))

        out = io.StringIO()
        call_command("flush_product_views", stdout=out)

        assert out.getvalue().strip() == "Flushed 2 views of 1 products."
        assert seller_view_count(product) == 2

    def test_the_beat_flushes_every_minute(self, settings):
        from datetime import timedelta

        entry = settings.CELERY_BEAT_SCHEDULE["products-flush-views"]
        assert entry["task"] == "products.tasks.flush_product_views"
        assert entry["schedule"] == timedelta(minutes=1)


class TestNoWriteOnTheRequestPath:
    def test_an_anonymous_view_writes_nothing(self, api_client):
        product = ProductFactory()
        api_client.get(public(product.pk), REMOTE_ADDR="203.0.113.1")  # fills the detail cache

        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(public(product.pk), REMOTE_ADDR="203.0.113.2")

        assert response.status_code == 200
        assert queries.captured_queries == []  # cached page, view in the cache: no query at all

    def test_a_cold_view_only_reads(self, api_client):
        product = ProductFactory()

        with CaptureQueriesContext(connection) as queries:
            assert api_client.get(public(product.pk)).status_code == 200

        assert queries.captured_queries
        assert writes(queries.captured_queries) == []

    def test_a_shoppers_view_leaves_the_product_row_alone(self, buyer_client):
        product = ProductFactory()

        with CaptureQueriesContext(connection) as queries:
            assert buyer_client.get(public(product.pk)).status_code == 200

        # Only the shopper's own history row (products_productview) is written.
        assert writes(queries.captured_queries)
        assert not [sql for sql in writes(queries.captured_queries) if '"products_product"' in sql]
        assert flush_product_views.delay().get() == {"products": 1, "views": 1}


@pytest.mark.skipif(ON_REDIS, reason="the in-process tally of the embedded default only")
@pytest.mark.django_db(transaction=True)  # the flush runs after commit, as under `make run`
class TestEmbeddedDefault:
    """No beat runs there: the first counted view after the period flushes the server's tally."""

    def test_the_first_view_after_the_period_flushes(self, api_client, monkeypatch):
        product = ProductFactory()
        view_from(api_client, product, *addresses(3))
        assert seller_view_count(product) == 0

        now = counters.time.monotonic()
        monkeypatch.setattr(counters.time, "monotonic", lambda: now + 61)
        view_from(api_client, product, "203.0.113.200")

        assert seller_view_count(product) == 4
        view_from(api_client, product, "203.0.113.201")  # the next period has only begun
        assert seller_view_count(product) == 4

    def test_a_failed_flush_still_answers_the_view(self, api_client, monkeypatch, settings):
        settings.PRODUCT_VIEWS_FLUSH_SECONDS = 0
        product = ProductFactory()

        def fail(rows):
            raise DatabaseError("database is locked")

        monkeypatch.setattr(services, "_add_views", fail)
        view_from(api_client, product, "203.0.113.1")  # its flush fails: logged, the view answered
        monkeypatch.undo()

        assert flush_product_views.delay().get() == {"products": 1, "views": 1}


class TestTallyPrimitives:
    """The cache's tally itself, on this run's cache (local memory, or Redis on the second run)."""

    def test_take_reads_and_resets(self):
        counters.pending_add("test-tally", 7)
        counters.pending_add("test-tally", 7)
        counters.pending_add("test-tally", 8, amount=3)

        assert counters.pending_take("test-tally") == {7: 2, 8: 3}
        assert counters.pending_take("test-tally") == {}

    def test_give_back_adds_to_what_came_meanwhile(self):
        counters.pending_add("test-tally", 7)
        taken = counters.pending_take("test-tally")
        counters.pending_add("test-tally", 7)

        counters.pending_give_back("test-tally", taken)

        assert counters.pending_take("test-tally") == {7: 2}

    def test_concurrent_adds_during_takes_are_each_taken_once(self):
        threads, per_thread = 4, 250
        taken_total = 0
        start = threading.Barrier(threads + 1)

        def add_many():
            start.wait()
            for n in range(per_thread):
                counters.pending_add("test-tally", n % 5)

        workers = [threading.Thread(target=add_many) for _ in range(threads)]
        for worker in workers:
            worker.start()
        start.wait()
        while any(worker.is_alive() for worker in workers):
            taken_total += sum(counters.pending_take("test-tally").values())
        for worker in workers:
            worker.join()
        taken_total += sum(counters.pending_take("test-tally").values())

        assert taken_total == threads * per_thread

    @pytest.mark.skipif(not ON_REDIS, reason="the Redis tally of the production stack only")
    def test_on_redis_the_tally_is_one_hash_shared_by_every_process(self, api_client):
        product = ProductFactory()
        view_from(api_client, product, *addresses(3))
        backend = caches["default"]
        key = backend.make_and_validate_key("pending:product-views")

        assert backend.redis_client(key).hgetall(key) == {str(product.pk).encode(): b"3"}
        flush_product_views.delay()
        assert backend.redis_client(key).exists(key) == 0
