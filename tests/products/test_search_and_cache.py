"""Search behaves alike on SQLite and PostgreSQL; the catalog cache never serves stale rows."""

import threading
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection

from products import cache as catalog_cache
from products.models import Product
from products.services import product_adjust_stock, product_update
from tests.products.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

LIST = "/api/products/public/list/"


def names(response):
    return [p["name"] for p in response.json()]


class TestSearch:
    def test_words_match_the_start_of_words(self, api_client):
        ProductFactory(name="Wireless Headphones")
        ProductFactory(name="Forehead thermometer")

        assert names(api_client.get(LIST, {"search": "head"})) == ["Wireless Headphones"]
        assert names(api_client.get(LIST, {"search": "wire head"})) == ["Wireless Headphones"]

    def test_name_ranks_above_tags_above_description(self, api_client):
        ProductFactory(name="Plain bowl", description="Goes well with kente cloth")
        ProductFactory(name="Leather bag", tag_names="kente")
        ProductFactory(name="Kente stole")
        ProductFactory(name="Unrelated")

        assert names(api_client.get(LIST, {"search": "kente"})) == ["Kente stole", "Leather bag", "Plain bowl"]

    @pytest.mark.parametrize(
        "name, description, search",
        [("Shirt M/L", "", "L"), ("Cable 1.5m", "", "5m"), ("Bowl", "Nice.\nKente pattern", "kente")],
    )
    def test_same_matches_on_both_databases(self, api_client, name, description, search):
        ProductFactory(name=name, description=description)

        assert names(api_client.get(LIST, {"search": search})) == [name]

    def test_sku(self, api_client):
        ProductFactory(name="Something", sku="WH-001")

        assert names(api_client.get(LIST, {"search": "WH-001"})) == ["Something"]

    def test_buyers_see_matches_in_stock_first(self, api_client):
        ProductFactory(name="Kente stole", stock_quantity=0)
        ProductFactory(name="Kente bag", tag_names="kente", stock_quantity=3)

        assert names(api_client.get(LIST, {"search": "kente"})) == ["Kente bag", "Kente stole"]

    def test_explicit_ordering_wins(self, api_client):
        ProductFactory(name="Kente stole", price=Decimal("90.00"))
        ProductFactory(name="Kente band", price=Decimal("10.00"))

        assert names(api_client.get(LIST, {"search": "kente", "ordering": "price"})) == ["Kente band", "Kente stole"]

    @pytest.mark.parametrize("text", ["!!!", "   ", "'; DROP TABLE products_product; --", "a & b | !c:*"])
    def test_odd_queries_are_safe(self, api_client, text):
        ProductFactory(name="Kente stole")

        assert api_client.get(LIST, {"search": text}).status_code == 200


def _plan_of(sql: str, params=None) -> str:
    with connection.cursor() as cursor:
        # A test database holds a handful of rows, where scanning them all is always cheapest: the
        # question is whether the planner can use the index at all (the bench measures when it does).
        cursor.execute("ANALYZE products_searchdocument, products_searchword")
        for method in ("seqscan", "indexscan", "nestloop"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN indexes exist on PostgreSQL only")
class TestPostgresSearchIndexes:
    def test_a_search_reads_the_token_index(self):
        from products.search import search_products

        ProductFactory.create_batch(5)
        ProductFactory(name="Kente stole")
        queryset = search_products(Product.objects.public(), "kente stoles", rank_ordering=())
        sql, params = queryset.query.sql_with_params()

        plan = _plan_of(sql, params)
        assert "products_search_tokens" in plan, plan

    def test_typo_candidates_are_read_from_the_trigram_index(self):
        from django.test.utils import CaptureQueriesContext

        from products.models import SearchWord
        from products.search.vocabulary import expand

        ProductFactory(name="Beaded necklace")
        # Words as long as "necklase", so that their length alone does not narrow the search.
        SearchWord.objects.bulk_create([SearchWord(word=f"word{n:04d}", stem_en=f"word{n:04d}", stem_fr=f"word{n:04d}",
                                                   length=8) for n in range(3000)])
        with CaptureQueriesContext(connection) as queries:
            assert "necklace" in expand({"necklase"}, set())["necklase"]
        words = [q["sql"] for q in queries.captured_queries if '"products_searchword"' in q["sql"]]
        assert " % " in words[0]  # pg_trgm's similarity operator

        plan = _plan_of(words[0])
        assert "products_searchword_trigram" in plan, plan


class TestCacheConsistency:
    def test_a_change_during_a_rebuild_is_not_cached(self, api_client):
        """A reader builds from the old row while a writer commits: its entry must not be served."""
        product = ProductFactory(price=Decimal("50.00"))

        def build_then_writer_commits():
            body = b'{"price": "50.00"}'  # what the reader rendered before the writer's change
            Product.objects.filter(pk=product.pk).update(price=Decimal("40.00"))
            catalog_cache.catalog_cache_bump(product.pk)  # the writer's after-commit invalidation
            return body

        catalog_cache.cached_detail(product.pk, "http://testserver", build_then_writer_commits)

        assert api_client.get(f"/api/products/public/{product.pk}/").json()["price"] == "40.00"

    def test_an_evicted_generation_never_revives_old_entries(self, api_client):
        product = ProductFactory(price=Decimal("50.00"))
        assert api_client.get(LIST).json()[0]["price"] == "50.00"
        assert api_client.get(f"/api/products/public/{product.pk}/").json()["price"] == "50.00"
        # The counters are evicted, and a change happens that nobody announced.
        cache.delete_many([catalog_cache.CATALOG_GENERATION_KEY, f"catalog:product-generation:{product.pk}"])
        Product.objects.filter(pk=product.pk).update(price=Decimal("45.00"))

        assert api_client.get(LIST).json()[0]["price"] == "45.00"
        assert api_client.get(f"/api/products/public/{product.pk}/").json()["price"] == "45.00"

    def test_a_buyers_profile_edit_keeps_the_catalog_cache(self, api_client, buyer_client,
                                                          django_capture_on_commit_callbacks):
        ProductFactory()
        api_client.get(LIST)

        with django_capture_on_commit_callbacks(execute=True):
            buyer_client.patch("/api/auth/profile/", {"timezone": "Africa/Lagos"}, format="json")

        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            api_client.get(LIST)
        assert len(queries) == 0


def test_removing_all_variants_keeps_the_stock_sent(seller_client, seller):
    product = ProductFactory(seller=seller, stock_quantity=4)
    VariantFactory(product=product, stock_quantity=4)

    response = seller_client.patch(f"/api/products/{product.pk}/", {"variants": [], "stock_quantity": 10},
                                   format="json")

    assert response.status_code == 200
    assert response.json()["variants"] == []
    assert response.json()["stock_quantity"] == 10


@pytest.mark.parametrize("query", [{"seller": "99999999999999999999"}, {"seller": "1e30"}, {"min_price": "1e30"}])
def test_absurd_filter_values_are_400_not_500(api_client, query):
    response = api_client.get(LIST, query)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_unfavoriting_reveals_nothing_about_other_ids(buyer_client):
    draft = ProductFactory(status="draft")

    assert buyer_client.delete(f"/api/products/{draft.pk}/favorite/").status_code == 204
    assert buyer_client.delete("/api/products/999999/favorite/").status_code == 204


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level concurrency needs PostgreSQL")
def test_concurrent_edit_and_variant_adjustment_do_not_deadlock():
    product = ProductFactory(stock_quantity=20)
    variant = VariantFactory(product=product, stock_quantity=20)
    errors = []

    def edit():
        try:
            for n in range(10):
                product_update(product=Product.objects.get(pk=product.pk), actor=None,
                               data={"variants": [{"id": variant.pk, "name": variant.name, "stock_quantity": 20}],
                                     "name": f"Edit {n}"})
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()

    def adjust():
        try:
            for _ in range(10):
                product_adjust_stock(product=Product.objects.get(pk=product.pk), actor=None, delta=-1,
                                     reason="sale", variant_id=variant.pk)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=edit), threading.Thread(target=adjust)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    product.refresh_from_db()
    variant.refresh_from_db()
    assert product.stock_quantity == variant.stock_quantity


def test_swapping_two_variant_names(seller_client, seller):
    product = ProductFactory(seller=seller)
    small, medium = VariantFactory(product=product, name="S"), VariantFactory(product=product, name="M")

    response = seller_client.patch(f"/api/products/{product.pk}/", {"variants": [
        {"id": small.pk, "name": "M", "stock_quantity": 1}, {"id": medium.pk, "name": "S", "stock_quantity": 2},
    ]}, format="json")

    assert response.status_code == 200
    assert [(v["id"], v["name"]) for v in response.json()["variants"]] == [(small.pk, "M"), (medium.pk, "S")]


def test_stock_has_a_ceiling(seller_client, seller):
    product = ProductFactory(seller=seller, stock_quantity=2_147_483_000)

    response = seller_client.post(f"/api/products/{product.pk}/adjust_stock/",
                                  {"delta": 10_000_000, "reason": "typo"}, format="json")

    assert response.status_code == 400
    assert "delta" in response.json()["details"]
    variants = [{"name": f"V{n}", "stock_quantity": 10_000_000} for n in range(200)]
    too_many = seller_client.patch(f"/api/products/{product.pk}/", {"variants": variants}, format="json")
    assert too_many.status_code == 400


def test_buyers_ordering_keeps_sold_out_last(api_client):
    ProductFactory(name="Cheap sold out", price=Decimal("1.00"), stock_quantity=0)
    ProductFactory(name="Dear in stock", price=Decimal("99.00"))

    assert names(api_client.get(LIST, {"ordering": "price"})) == ["Dear in stock", "Cheap sold out"]


def test_seller_filter_takes_whole_ids_only(api_client):
    assert api_client.get(LIST, {"seller": "1.7"}).status_code == 400
