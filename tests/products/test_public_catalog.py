from decimal import Decimal

import pytest
from django.db import connection

from products.models import Product
from products.tasks import flush_product_views
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.images import image_upload
from tests.products.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

LIST = "/api/products/public/list/"


def public(pk):
    return f"/api/products/public/{pk}/"


def names(response):
    return [p["name"] for p in response.json()]


class TestListing:
    def test_shows_only_active_live_products_in_stock_first(self, api_client):
        seller = UserFactory(company_name="Kente House", city="Kumasi")
        old_in_stock = ProductFactory(seller=seller, name="Old in stock", created_at="2026-01-01T00:00:00Z")
        ProductFactory(seller=seller, name="New sold out", stock_quantity=0)
        ProductFactory(seller=seller, name="New in stock")
        for status in ("draft", "inactive", "archived"):
            ProductFactory(seller=seller, status=status, name=status)
        ProductFactory(seller=seller, name="Deleted", deleted_at="2026-01-01T00:00:00Z")
        ProductFactory(seller=UserFactory(is_active=False), name="Banned seller")

        response = api_client.get(LIST)

        assert response.status_code == 200
        assert names(response) == ["New in stock", old_in_stock.name, "New sold out"]
        row = response.json()[0]
        assert row["seller"] == {"id": seller.pk, "display_name": "Kente House", "company_name": "Kente House",
                                 "city": "Kumasi", "avatar": None}
        assert row["price"] == "50.00"
        assert row["in_stock"] is True
        assert set(row) >= {"id", "name", "price", "images", "seller"}

    def test_rows_carry_images_primary_first(self, api_client, seller):
        product = ProductFactory(seller=seller)
        client = authenticated_client(seller)
        client.post(f"/api/products/{product.pk}/upload_images/", {"images": [image_upload(), image_upload()]},
                    format="multipart")

        images = api_client.get(LIST).json()[0]["images"]

        assert [image["is_primary"] for image in images] == [True, False]
        assert images[0]["image"].startswith("http://testserver/media/products/")

    def test_filters(self, api_client):
        seller = UserFactory()
        cheap = ProductFactory(seller=seller, name="Cheap beads", price=Decimal("10.00"))
        ProductFactory(name="Dear stole", price=Decimal("300.00"))

        assert names(api_client.get(LIST, {"seller": seller.pk})) == ["Cheap beads"]
        assert names(api_client.get(LIST, {"max_price": "20"})) == ["Cheap beads"]
        assert names(api_client.get(LIST, {"min_price": "100"})) == ["Dear stole"]
        assert names(api_client.get(LIST, {"search": "beads"})) == [cheap.name]
        assert names(api_client.get(LIST, {"ordering": "-price"})) == ["Dear stole", "Cheap beads"]

    @pytest.mark.parametrize("page_size", [1, 100])
    def test_query_count_is_fixed(self, api_client, page_size, settings, django_assert_max_num_queries):
        settings.PUBLIC_CATALOG_CACHE_SECONDS = 0  # measure the database work itself
        for seller in UserFactory.create_batch(5):
            ProductFactory.create_batch(8, seller=seller)

        # The products held in full, count, page with sellers and categories, images, held stock.
        with django_assert_max_num_queries(5):
            response = api_client.get(LIST, {"page_size": page_size})

        assert len(response.json()) == min(page_size, 40)

    def test_cached_listing_runs_no_query(self, api_client, django_assert_num_queries):
        ProductFactory.create_batch(3)
        api_client.get(LIST)

        with django_assert_num_queries(0):
            response = api_client.get(LIST)

        assert len(response.json()) == 3
        assert response["X-Total-Count"] == "3"


class TestCacheInvalidation:
    """A buyer never sees a stale price or a deleted product, whatever was cached."""

    @pytest.fixture
    def product(self, seller):
        return ProductFactory(seller=seller, price=Decimal("50.00"))

    def warm(self, api_client, product):
        assert api_client.get(LIST).json()[0]["price"] == "50.00"
        assert api_client.get(public(product.pk)).json()["price"] == "50.00"

    def test_price_change(self, api_client, seller_client, product, django_capture_on_commit_callbacks):
        self.warm(api_client, product)

        with django_capture_on_commit_callbacks(execute=True):
            seller_client.patch(f"/api/products/{product.pk}/", {"price": "45.00"}, format="json")

        assert api_client.get(LIST).json()[0]["price"] == "45.00"
        assert api_client.get(public(product.pk)).json()["price"] == "45.00"

    def test_deletion(self, api_client, seller_client, product, django_capture_on_commit_callbacks):
        self.warm(api_client, product)

        with django_capture_on_commit_callbacks(execute=True):
            seller_client.delete(f"/api/products/{product.pk}/")

        assert api_client.get(LIST).json() == []
        assert api_client.get(public(product.pk)).status_code == 404

    def test_stock_and_images(self, api_client, seller_client, product, django_capture_on_commit_callbacks):
        self.warm(api_client, product)

        with django_capture_on_commit_callbacks(execute=True):
            seller_client.post(f"/api/products/{product.pk}/adjust_stock/", {"delta": -10, "reason": "sold"},
                               format="json")
            seller_client.post(f"/api/products/{product.pk}/upload_images/", {"images": [image_upload()]},
                               format="multipart")

        row = api_client.get(LIST).json()[0]
        assert row["in_stock"] is False
        assert len(row["images"]) == 1
        assert api_client.get(public(product.pk)).json()["stock_quantity"] == 0

    def test_seller_profile_change(self, api_client, seller_client, product, django_capture_on_commit_callbacks):
        self.warm(api_client, product)

        with django_capture_on_commit_callbacks(execute=True):
            seller_client.patch("/api/auth/profile/", {"company_name": "New Name Ltd", "city": "Tamale"},
                                format="json")

        assert api_client.get(public(product.pk)).json()["seller"]["company_name"] == "New Name Ltd"
        assert api_client.get(LIST).json()[0]["seller"]["city"] == "Tamale"


class TestDetail:
    def test_full_detail_counts_a_view(self, api_client):
        product = ProductFactory(description="Long words", tag_names="kente,handmade")
        VariantFactory(product=product, name="S", stock_quantity=0, price=Decimal("60.00"))
        VariantFactory(product=product, name="M", stock_quantity=2)

        first = api_client.get(public(product.pk))
        api_client.get(public(product.pk), REMOTE_ADDR="203.0.113.9")  # another visitor

        body = first.json()
        assert first.status_code == 200
        assert body["description"] == "Long words"
        assert body["tag_list"] == ["kente", "handmade"]
        assert body["variants"] == [
            {"id": body["variants"][0]["id"], "name": "S", "options": {}, "price": "60.00", "in_stock": False},
            {"id": body["variants"][1]["id"], "name": "M", "options": {}, "price": "50.00", "in_stock": True},
        ]
        flush_product_views.delay()  # the beat's minute
        product.refresh_from_db()
        assert product.view_count == 2  # counted even when served from the cache

    @pytest.mark.parametrize("state", [{"status": "draft"}, {"deleted_at": "2026-01-01T00:00:00Z"}])
    def test_hidden_products_are_404(self, api_client, state):
        product = ProductFactory(**state)

        response = api_client.get(public(product.pk))

        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


class TestVendorAndShare:
    def test_vendor_page(self, api_client):
        vendor = UserFactory(company_name="Beads & Co", bio="Beads from Krobo", country="Ghana")
        ProductFactory.create_batch(3, seller=vendor)
        ProductFactory(seller=vendor, status="draft")

        response = api_client.get(f"/api/products/public/vendor/{vendor.pk}/", {"page_size": 2})

        body = response.json()
        assert response.status_code == 200
        assert body["vendor"]["display_name"] == "Beads & Co"
        assert body["vendor"]["bio"] == "Beads from Krobo"
        assert body["vendor"]["product_count"] == 3
        assert len(body["products"]) == 2
        assert response["X-Total-Count"] == "3"

    def test_buyers_have_no_vendor_page(self, api_client):
        buyer = UserFactory(account_type="buyer")

        assert api_client.get(f"/api/products/public/vendor/{buyer.pk}/").status_code == 404

    def test_share_counts_and_links(self, api_client, settings):
        settings.FRONTEND_URL = "https://shop.example.com"
        product = ProductFactory(name="Kente Stole", price=Decimal("149.00"))

        response = api_client.post(f"/api/products/public/{product.pk}/share/", {"platform": "whatsapp"},
                                   format="json")

        body = response.json()
        assert response.status_code == 200
        assert body["url"] == (f"https://shop.example.com/product/{product.pk}/"
                               "?utm_source=whatsapp&utm_medium=social&utm_campaign=product_share")
        assert body["whatsapp"].startswith("https://wa.me/?text=Check%20out%20this%20product%3A%20Kente%20Stole")
        assert body["facebook"].startswith("https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fshop")
        assert body["share_count"] == 1
        product.refresh_from_db()
        assert product.share_count == 1

    def test_share_needs_a_known_platform(self, api_client):
        product = ProductFactory()

        response = api_client.post(f"/api/products/public/{product.pk}/share/", {"platform": "myspace"},
                                   format="json")

        assert response.status_code == 400


class TestFavorites:
    def test_add_list_remove(self, buyer_client):
        product = ProductFactory(name="Saved one")
        ProductFactory(name="Not saved")

        assert buyer_client.post(f"/api/products/{product.pk}/favorite/").status_code == 201
        assert buyer_client.post(f"/api/products/{product.pk}/favorite/").status_code == 201  # idempotent
        assert names(buyer_client.get("/api/products/favorites/")) == ["Saved one"]
        assert buyer_client.delete(f"/api/products/{product.pk}/favorite/").status_code == 204
        assert buyer_client.get("/api/products/favorites/").json() == []

    def test_only_public_products_can_be_saved(self, buyer_client):
        draft = ProductFactory(status="draft")

        assert buyer_client.post(f"/api/products/{draft.pk}/favorite/").status_code == 404

    def test_a_deleted_favourite_leaves_the_list(self, buyer_client):
        product = ProductFactory()
        buyer_client.post(f"/api/products/{product.pk}/favorite/")
        Product.objects.filter(pk=product.pk).update(deleted_at="2026-01-01T00:00:00Z")

        assert buyer_client.get("/api/products/favorites/").json() == []

    def test_needs_login(self, api_client):
        assert api_client.get("/api/products/favorites/").status_code == 401


class TestCategories:
    def test_tree_of_the_default_catalog(self, api_client):
        response = api_client.get("/api/products/categories/")

        tree = response.json()
        assert response.status_code == 200
        fashion = next(node for node in tree if node["slug"] == "fashion")
        assert {"shoes", "bags"} <= {child["slug"] for child in fashion["children"]}
        assert all(child["children"] == [] for child in fashion["children"])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text ranking is PostgreSQL's")
def test_search_ranks_name_above_tags_above_description(api_client):
    ProductFactory(name="Plain bowl", description="Goes well with kente cloth")
    ProductFactory(name="Leather bag", tag_names="kente")
    ProductFactory(name="Kente stole")
    ProductFactory(name="Unrelated")

    response = api_client.get(LIST, {"search": "kente"})

    assert names(response) == ["Kente stole", "Leather bag", "Plain bowl"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN indexes exist on PostgreSQL only")
def test_search_indexes_exist():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN "
                       "('products_search_tokens', 'products_searchword_trigram', 'products_search_gin')")
        definitions = dict(cursor.fetchall())
    assert set(definitions) == {"products_search_tokens", "products_searchword_trigram"}
    assert "gin (tokens)" in definitions["products_search_tokens"]
    assert "gin (lower((word)::text) gin_trgm_ops)" in definitions["products_searchword_trigram"]


def test_portable_search_needs_every_word(api_client):
    ProductFactory(name="Red kente stole")
    ProductFactory(name="Blue kente stole")

    assert names(api_client.get(LIST, {"search": "red kente"})) == ["Red kente stole"]


class TestCountersCountOncePerClient:
    """Views and shares count once per client and product in PRODUCT_COUNTER_WINDOW_SECONDS."""

    def view_count(self, product) -> int:
        flush_product_views.delay()  # views reach the row at the next flush (the beat's minute)
        product.refresh_from_db()
        return product.view_count

    def test_replayed_views_count_once(self, api_client):
        product = ProductFactory()

        for _ in range(5):
            assert api_client.get(public(product.pk)).status_code == 200

        assert self.view_count(product) == 1

    def test_each_address_and_each_user_counts(self, api_client, buyer, buyer_client):
        product, other = ProductFactory(), ProductFactory()

        api_client.get(public(product.pk), REMOTE_ADDR="198.51.100.1")
        api_client.get(public(product.pk), REMOTE_ADDR="198.51.100.2")
        buyer_client.get(public(product.pk), REMOTE_ADDR="198.51.100.1")
        buyer_client.get(public(product.pk), REMOTE_ADDR="198.51.100.3")  # the same shopper elsewhere
        api_client.get(public(other.pk), REMOTE_ADDR="198.51.100.1")

        assert self.view_count(product) == 3
        assert self.view_count(other) == 1

    def test_a_forged_forwarded_address_is_not_a_new_client(self, api_client, settings):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
        product = ProductFactory()

        # Behind one proxy, the client is the entry the proxy appended (the last one).
        for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
            api_client.get(public(product.pk), HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.7")
        api_client.get(public(product.pk), HTTP_X_FORWARDED_FOR="203.0.113.8")

        assert self.view_count(product) == 2

    def test_the_window_ends(self, api_client, settings, monkeypatch):
        import django.core.cache.backends.locmem as locmem
        from django.core.cache import caches

        if not isinstance(caches["default"], locmem.LocMemCache):
            pytest.skip("the fake clock drives the local-memory cache's expiry only")
        settings.PRODUCT_COUNTER_WINDOW_SECONDS = 600
        product = ProductFactory()
        api_client.get(public(product.pk))
        real_time = locmem.time.time
        monkeypatch.setattr(locmem.time, "time", lambda: real_time() + 599)
        api_client.get(public(product.pk))
        assert self.view_count(product) == 1

        monkeypatch.setattr(locmem.time, "time", lambda: real_time() + 601)
        api_client.get(public(product.pk))
        assert self.view_count(product) == 2

    def test_window_zero_counts_every_view(self, api_client, settings):
        settings.PRODUCT_COUNTER_WINDOW_SECONDS = 0
        product = ProductFactory()

        api_client.get(public(product.pk))
        api_client.get(public(product.pk))

        assert self.view_count(product) == 2

    def test_shares_count_once_but_always_answer_the_links(self, api_client, buyer_client):
        product = ProductFactory(name="Kente Stole")
        share = f"/api/products/public/{product.pk}/share/"

        first = api_client.post(share, {"platform": "whatsapp"}, format="json")
        again = api_client.post(share, {"platform": "facebook"}, format="json")

        assert (first.status_code, again.status_code) == (200, 200)
        assert again.json()["share_count"] == 1
        assert again.json()["facebook"].startswith("https://www.facebook.com/sharer/sharer.php?u=")
        assert "Kente%20Stole" in again.json()["whatsapp"]
        assert buyer_client.post(share, {"platform": "x"}, format="json").json()["share_count"] == 2
        product.refresh_from_db()
        assert product.share_count == 2
