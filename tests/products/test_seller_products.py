from decimal import Decimal

import pytest

from products.models import Category, HistoryEvent, Product, ProductHistory, Tag
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.images import image_upload
from tests.products.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

LIST = "/api/products/"


def detail(pk):
    return f"/api/products/{pk}/"


def document_body(**overrides):
    body = {
        "name": "Wireless Headphones",
        "description": "Premium noise-cancelling headphones",
        "price": "89.99",
        "compare_at_price": "129.99",
        "stock_quantity": 50,
        "sku": "WH-001",
        "tags": "audio,wireless,premium",
        "status": "active",
    }
    return {**body, **overrides}


class TestCreate:
    def test_the_documents_body_creates_a_product(self, seller_client, seller):
        category = CategoryFactory()

        response = seller_client.post(LIST, document_body(category=category.pk), format="json")

        assert response.status_code == 201
        body = response.json()
        assert body["name"] == "Wireless Headphones"
        assert body["price"] == "89.99"
        assert body["compare_at_price"] == "129.99"
        assert body["currency"] == seller.currency
        assert body["tags"] == "audio,wireless,premium"
        assert body["tag_list"] == ["audio", "wireless", "premium"]
        assert body["category"] == category.pk
        assert body["slug"] == "wireless-headphones"
        assert body["status"] == "active"
        history = ProductHistory.objects.get(product_id=body["id"])
        assert history.event == HistoryEvent.CREATED
        assert history.actor == seller
        assert history.snapshot["price"] == "89.99"

    def test_multipart_with_images_in_the_same_request(self, seller_client, django_capture_on_commit_callbacks):
        body = document_body()
        body.pop("compare_at_price")
        body["images"] = [image_upload("a.jpg"), image_upload("b.png", image_format="PNG")]

        with django_capture_on_commit_callbacks(execute=True):
            response = seller_client.post(LIST, body, format="multipart")

        assert response.status_code == 201, response.json()
        images = response.json()["images"]
        assert len(images) == 2
        assert [image["is_primary"] for image in images] == [True, False]
        # Thumbnails are made by a Celery task after commit (eager here).
        refreshed = seller_client.get(detail(response.json()["id"])).json()["images"]
        assert all(image["thumbnail"].endswith(".webp") for image in refreshed)

    def test_tags_are_normalised(self, seller_client):
        response = seller_client.post(LIST, document_body(tags=" Audio , WIRELESS,,audio "), format="json")

        assert response.json()["tag_list"] == ["audio", "wireless"]
        assert set(Tag.objects.values_list("name", flat=True)) == {"audio", "wireless"}

    def test_variants_make_the_stock(self, seller_client):
        variants = [{"name": "M / Red", "options": {"size": "M", "color": "Red"}, "stock_quantity": 3},
                    {"name": "L / Red", "options": {"size": "L", "color": "Red"}, "stock_quantity": 4,
                     "price": "95.00"}]

        response = seller_client.post(LIST, document_body(variants=variants), format="json")

        body = response.json()
        assert response.status_code == 201
        assert body["stock_quantity"] == 7
        assert [v["name"] for v in body["variants"]] == ["M / Red", "L / Red"]
        assert body["variants"][1]["price"] == "95.00"

    @pytest.mark.parametrize(
        "overrides, field",
        [
            ({"price": "-1.00"}, "price"),
            ({"stock_quantity": -5}, "stock_quantity"),
            ({"compare_at_price": "10.00"}, "compare_at_price"),
            ({"compare_at_price": "89.99"}, "compare_at_price"),
            ({"status": "published"}, "status"),
            ({"category": 999999}, "category"),
            ({"price": "abc"}, "price"),
            ({"name": ""}, "name"),
            ({"variants": [{"name": "A"}, {"name": "a"}]}, "variants"),
        ],
    )
    def test_invalid_input(self, seller_client, overrides, field):
        response = seller_client.post(LIST, document_body(**overrides), format="json")

        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
        assert field in response.json()["details"]
        assert not Product.objects.exists()

    def test_duplicate_sku_of_the_same_seller(self, seller_client, seller):
        ProductFactory(seller=seller, sku="WH-001")

        response = seller_client.post(LIST, document_body(), format="json")

        assert response.status_code == 400
        assert "sku" in response.json()["details"]

    def test_same_sku_for_two_sellers_is_fine(self, seller_client):
        ProductFactory(sku="WH-001")

        assert seller_client.post(LIST, document_body(), format="json").status_code == 201

    def test_sku_of_a_deleted_product_can_be_reused(self, seller_client, seller):
        ProductFactory(seller=seller, sku="WH-001", deleted_at="2026-01-01T00:00:00Z")

        assert seller_client.post(LIST, document_body(), format="json").status_code == 201

    def test_same_name_gets_a_distinct_slug(self, seller_client):
        first = seller_client.post(LIST, document_body(sku="A"), format="json").json()
        second = seller_client.post(LIST, document_body(sku="B"), format="json").json()

        assert (first["slug"], second["slug"]) == ("wireless-headphones", "wireless-headphones-2")

    def test_buyers_cannot_sell(self, buyer_client):
        response = buyer_client.post(LIST, document_body(), format="json")

        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"


class TestListAndFilters:
    def test_only_the_sellers_live_products(self, seller_client, seller):
        mine = ProductFactory(seller=seller)
        ProductFactory(seller=seller, deleted_at="2026-01-01T00:00:00Z")
        ProductFactory()

        response = seller_client.get(LIST)

        assert [p["id"] for p in response.json()] == [mine.pk]
        assert response["X-Total-Count"] == "1"

    def test_filters(self, seller_client, seller):
        parent = Category.objects.get(slug="fashion")  # the default tree of the data migration
        child = Category.objects.get(slug="shoes", parent=parent)
        shoes = ProductFactory(seller=seller, category=child, price=Decimal("120.00"), stock_quantity=0)
        draft = ProductFactory(seller=seller, status="draft", price=Decimal("20.00"), name="Kente stole")
        ProductFactory(seller=seller, price=Decimal("60.00"), tag_names="audio,wireless")

        def ids(**query):
            return [p["id"] for p in seller_client.get(LIST, query).json()]

        assert ids(status="draft") == [draft.pk]
        assert ids(category="fashion") == [shoes.pk]
        assert ids(category=str(child.pk)) == [shoes.pk]
        assert ids(min_price="100") == [shoes.pk]
        assert ids(max_price="30") == [draft.pk]
        assert shoes.pk not in ids(in_stock="true")
        assert ids(in_stock="false") == [shoes.pk]
        assert ids(search="kente") == [draft.pk]
        assert len(ids(search="wireless")) == 1
        assert ids(ordering="price")[0] == draft.pk
        assert ids(ordering="-price")[0] == shoes.pk

    def test_bad_filter_values_are_400(self, seller_client):
        assert seller_client.get(LIST, {"status": "nope"}).status_code == 400
        assert seller_client.get(LIST, {"in_stock": "maybe"}).status_code == 400
        assert seller_client.get(LIST, {"min_price": "cheap"}).status_code == 400
        assert seller_client.get(LIST, {"ordering": "password"}).status_code == 400

    @pytest.mark.parametrize("page_size", [1, 100])
    def test_query_count_is_fixed(self, seller, page_size, django_assert_max_num_queries):
        for product in ProductFactory.create_batch(30, seller=seller):
            VariantFactory(product=product)
        client = authenticated_client(seller)

        with django_assert_max_num_queries(5):  # user, count, page, images, variants
            response = client.get(LIST, {"page_size": page_size})

        assert len(response.json()) == min(page_size, 30)


class TestUpdate:
    def test_patch_records_history_of_tracked_fields(self, seller_client, seller):
        product = ProductFactory(seller=seller, price=Decimal("50.00"))

        response = seller_client.patch(
            detail(product.pk), {"price": "55.00", "description": "New words"}, format="json")

        assert response.status_code == 200
        assert response.json()["price"] == "55.00"
        entry = ProductHistory.objects.get(product=product, event=HistoryEvent.UPDATED)
        assert entry.changes == {"price": {"old": "50.00", "new": "55.00"}}
        assert entry.actor == seller

    def test_untracked_change_writes_no_history(self, seller_client, seller):
        product = ProductFactory(seller=seller)

        seller_client.patch(detail(product.pk), {"description": "Only words"}, format="json")

        assert not ProductHistory.objects.filter(product=product).exists()

    def test_compare_at_price_checked_against_the_stored_price(self, seller_client, seller):
        product = ProductFactory(seller=seller, price=Decimal("50.00"))

        response = seller_client.patch(detail(product.pk), {"compare_at_price": "40.00"}, format="json")

        assert response.status_code == 400
        assert "compare_at_price" in response.json()["details"]

    def test_put_needs_the_required_fields(self, seller_client, seller):
        product = ProductFactory(seller=seller)

        response = seller_client.put(detail(product.pk), {"description": "x"}, format="json")

        assert response.status_code == 400
        assert {"name", "price"} <= set(response.json()["details"])

    def test_stock_of_a_variant_product_is_set_on_variants(self, seller_client, seller):
        product = ProductFactory(seller=seller, stock_quantity=5)
        VariantFactory(product=product, stock_quantity=5)

        response = seller_client.patch(detail(product.pk), {"stock_quantity": 99}, format="json")

        assert response.status_code == 400
        assert "stock_quantity" in response.json()["details"]

    def test_variants_are_replaced_by_what_is_sent(self, seller_client, seller):
        product = ProductFactory(seller=seller)
        keep, drop = VariantFactory(product=product, name="S"), VariantFactory(product=product, name="M")

        response = seller_client.patch(
            detail(product.pk),
            {"variants": [{"id": keep.pk, "name": "S", "stock_quantity": 2}, {"name": "XL", "stock_quantity": 1}]},
            format="json",
        )

        assert response.status_code == 200
        assert [v["name"] for v in response.json()["variants"]] == ["S", "XL"]
        assert response.json()["stock_quantity"] == 3
        assert not product.variants.filter(pk=drop.pk).exists()

    def test_soft_delete(self, seller_client, seller):
        product = ProductFactory(seller=seller)

        response = seller_client.delete(detail(product.pk))

        assert response.status_code == 204
        product.refresh_from_db()
        assert product.deleted_at is not None
        assert seller_client.get(detail(product.pk)).status_code == 404
        assert seller_client.get(LIST).json() == []
        assert ProductHistory.objects.filter(product=product, event=HistoryEvent.DELETED).exists()


class TestOwnership:
    @pytest.mark.parametrize(
        "method, path, body",
        [
            ("get", "", None),
            ("put", "", document_body()),
            ("patch", "", {"name": "Mine now"}),
            ("delete", "", None),
            ("post", "upload_images/", None),
            ("post", "upload-images/", None),
            ("patch", "images/1/", {"alt_text": "x"}),
            ("delete", "images/1/", None),
            ("get", "history/", None),
            ("post", "adjust_stock/", {"delta": 1, "reason": "x"}),
            ("post", "duplicate/", None),
        ],
    )
    def test_another_sellers_product_is_404_everywhere(self, seller_client, method, path, body):
        theirs = ProductFactory(name="Not yours")

        call = getattr(seller_client, method)
        response = call(f"/api/products/{theirs.pk}/{path}", body, format="json") if body else call(
            f"/api/products/{theirs.pk}/{path}")

        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        theirs.refresh_from_db()
        assert theirs.name == "Not yours" and theirs.deleted_at is None

    def test_another_sellers_image_is_404(self, seller_client, seller):
        mine = ProductFactory(seller=seller)
        theirs = ProductFactory()
        other_client = authenticated_client(theirs.seller)
        image_id = other_client.post(f"/api/products/{theirs.pk}/upload_images/", {"images": [image_upload()]},
                                     format="multipart").json()[0]["id"]

        assert seller_client.patch(f"/api/products/{mine.pk}/images/{image_id}/", {"alt_text": "x"},
                                   format="json").status_code == 404
        assert seller_client.delete(f"/api/products/{theirs.pk}/images/{image_id}/").status_code == 404


class TestBulkAndDuplicate:
    def test_bulk_touches_only_own_products(self, seller_client, seller):
        mine = ProductFactory.create_batch(2, seller=seller, status="draft")
        theirs = ProductFactory(status="draft")

        response = seller_client.post("/api/products/bulk/", {
            "ids": [mine[0].pk, mine[1].pk, theirs.pk, 999999], "action": "set_status", "status": "active",
        }, format="json")

        assert response.status_code == 200
        assert response.json() == {"action": "set_status", "updated": sorted(p.pk for p in mine),
                                   "not_found": [theirs.pk, 999999]}
        theirs.refresh_from_db()
        assert theirs.status == "draft"
        assert set(Product.objects.filter(seller=seller).values_list("status", flat=True)) == {"active"}

    def test_bulk_delete(self, seller_client, seller):
        products = ProductFactory.create_batch(3, seller=seller)

        seller_client.post("/api/products/bulk/", {"ids": [p.pk for p in products], "action": "delete"}, format="json")

        assert Product.objects.alive().filter(seller=seller).count() == 0

    def test_bulk_status_needs_a_status(self, seller_client):
        response = seller_client.post("/api/products/bulk/", {"ids": [1], "action": "set_status"}, format="json")

        assert response.status_code == 400

    def test_duplicate_makes_a_draft_copy(self, seller_client, seller):
        product = ProductFactory(seller=seller, sku="ORIG", tag_names="audio")
        VariantFactory(product=product, name="S", stock_quantity=2)

        response = seller_client.post(f"/api/products/{product.pk}/duplicate/")

        body = response.json()
        assert response.status_code == 201
        assert body["id"] != product.pk
        assert body["status"] == "draft"
        assert body["sku"] == ""
        assert body["tag_list"] == ["audio"]
        assert [v["name"] for v in body["variants"]] == ["S"]


class TestTags:
    def test_tags_with_counts(self, seller_client, seller):
        ProductFactory(seller=seller, tag_names="audio,wireless")
        ProductFactory(seller=seller, tag_names="audio")
        ProductFactory(tag_names="audio,other-sellers-tag")

        response = seller_client.get("/api/products/tags/")

        assert response.json() == [{"name": "audio", "count": 2}, {"name": "wireless", "count": 1}]


def test_a_buyer_cannot_see_the_seller_list(buyer_client):
    assert buyer_client.get(LIST).status_code == 403


def test_anonymous_gets_401():
    from rest_framework.test import APIClient

    assert APIClient().get(LIST).status_code == 401


def test_another_seller_cannot_read_mine_by_listing(seller):
    ProductFactory(seller=seller)

    assert authenticated_client(UserFactory()).get(LIST).json() == []
