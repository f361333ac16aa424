"""Query counts of the remaining catalog lists, and the operators' admin."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from products.models import Product, ProductHistory
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page_size", [1, 100])
def test_history_query_count_is_fixed(seller, page_size, django_assert_max_num_queries):
    product = ProductFactory(seller=seller)
    client = authenticated_client(seller)
    for n in range(30):
        client.post(f"/api/products/{product.pk}/adjust_stock/", {"delta": 1, "reason": f"delivery {n}"},
                    format="json")

    with django_assert_max_num_queries(4):  # user, product, count, page with actors
        response = client.get(f"/api/products/{product.pk}/history/", {"page_size": page_size})

    assert len(response.json()) == min(page_size, 30)
    assert response.json()[0]["actor"] == {"id": seller.pk, "email": seller.email}


@pytest.mark.parametrize("page_size", [1, 100])
def test_favorites_query_count_is_fixed(buyer, page_size, django_assert_max_num_queries):
    client = authenticated_client(buyer)
    for product in ProductFactory.create_batch(25):
        client.post(f"/api/products/{product.pk}/favorite/")

    with django_assert_max_num_queries(5):  # user, count, page with sellers, images, held stock
        response = client.get("/api/products/favorites/", {"page_size": page_size})

    assert len(response.json()) == min(page_size, 25)


@pytest.mark.parametrize("page_size", [1, 100])
def test_vendor_query_count_is_fixed(api_client, page_size, django_assert_max_num_queries):
    vendor = UserFactory()
    ProductFactory.create_batch(25, seller=vendor)

    with django_assert_max_num_queries(5):  # vendor, count, page, images, held stock
        response = api_client.get(f"/api/products/public/vendor/{vendor.pk}/", {"page_size": page_size})

    assert len(response.json()["products"]) == min(page_size, 25)


@pytest.mark.parametrize("count", [3, 30])
def test_tags_query_count_is_fixed(seller, count, django_assert_max_num_queries):
    for n in range(count):
        ProductFactory(seller=seller, tag_names=f"tag{n},common")
    client = authenticated_client(seller)

    with django_assert_max_num_queries(3):  # user, count, page
        response = client.get("/api/products/tags/")

    assert response.json()[0] == {"name": "common", "count": count}
    assert response["X-Total-Count"] == str(count + 1)


def test_product_admin_lists_searches_and_filters(operator_client):
    ProductFactory(name="Kente stole", sku="KT-1", status="active")
    ProductFactory(name="Bead necklace", sku="BD-1", status="draft")

    by_sku = operator_client.get("/admin/products/product/", {"q": "KT-1"}).content.decode()
    drafts = operator_client.get("/admin/products/product/", {"status__exact": "draft"}).content.decode()

    assert "Kente stole" in by_sku and "Bead necklace" not in by_sku
    assert "Bead necklace" in drafts and "Kente stole" not in drafts


def test_product_change_page_has_images_variants_and_read_only_history(operator_client, seller):
    product = ProductFactory(seller=seller)
    authenticated_client(seller).post(f"/api/products/{product.pk}/adjust_stock/", {"delta": 2, "reason": "x"},
                                      format="json")

    page = operator_client.get(f"/admin/products/product/{product.pk}/change/").content.decode()

    assert "images-TOTAL_FORMS" in page and "variants-TOTAL_FORMS" in page and "stock_adjusted" in page
    assert operator_client.get("/admin/products/producthistory/add/").status_code == 403


def test_import_jobs_show_in_the_admin_without_their_file(operator_client, seller):
    response = authenticated_client(seller).post(
        "/api/products/import/", {"file": SimpleUploadedFile("c.csv", b"name,price\nStole,10.00\n"), "async": "true"},
        format="multipart")
    job_id = response.json()["id"]

    page = operator_client.get(f"/admin/products/catalogimport/{job_id}/change/")

    assert page.status_code == 200
    assert "imports/" not in page.content.decode()  # a seller's file is neither linked nor named


def test_category_admin_shows_the_tree(operator_client):
    page = operator_client.get("/admin/products/category/").content.decode()

    assert "Fashion › Shoes" in page


def test_operator_price_change_reaches_buyers_with_history(operator_client, api_client,
                                                          django_capture_on_commit_callbacks):
    product = ProductFactory()
    assert api_client.get(f"/api/products/public/{product.pk}/").json()["price"] == "50.00"
    data = {field: getattr(product, field) for field in ("name", "slug", "price", "currency", "status",
                                                         "stock_quantity", "low_stock_threshold")}
    data.update(seller=product.seller.pk, price="42.00", description="", sku="", view_count=0, share_count=0,
                **{f"{prefix}-{key}": value for prefix in ("images", "variants", "history")
                   for key, value in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))})

    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(f"/admin/products/product/{product.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert Product.objects.get(pk=product.pk).price == 42
    assert api_client.get(f"/api/products/public/{product.pk}/").json()["price"] == "42.00"
    entry = ProductHistory.objects.get(product=product)
    assert entry.changes == {"price": {"old": "50.00", "new": "42.00"}}
    assert entry.reason == "Edited in the admin"


def test_operator_delete_is_a_soft_delete(operator_client, api_client, django_capture_on_commit_callbacks):
    product = ProductFactory()
    assert api_client.get(f"/api/products/public/{product.pk}/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        operator_client.post(f"/admin/products/product/{product.pk}/delete/", {"post": "yes"})

    assert Product.objects.get(pk=product.pk).deleted_at is not None
    assert api_client.get(f"/api/products/public/{product.pk}/").status_code == 404
    assert api_client.get("/api/products/public/list/").json() == []


def test_banning_a_seller_in_the_admin_hides_their_products(operator_client, api_client,
                                                            django_capture_on_commit_callbacks):
    product = ProductFactory()
    assert api_client.get("/api/products/public/list/").json()
    assert api_client.get(f"/api/products/public/{product.pk}/").status_code == 200
    seller = product.seller
    seller.is_active = False
    with django_capture_on_commit_callbacks(execute=True):
        from django.contrib import admin as django_admin

        from accounts.admin import UserAdmin

        UserAdmin(type(seller), django_admin.site).save_model(None, seller, None, True)

    assert api_client.get("/api/products/public/list/").json() == []
    assert api_client.get(f"/api/products/public/{product.pk}/").status_code == 404
