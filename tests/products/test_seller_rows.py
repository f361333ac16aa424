"""The seller's product list and product bodies are built from values (products.selectors.SellerRows),
without the DRF serializer the schema shows (products.serializers.ProductSerializer): for the same
products both give the same bytes (no category, discounts, weights, sold out, drafts, variants with
and without their own price, images with and without thumbnails, odd file names), and a page of the
list reads the same number of queries whatever its size."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from products.models import Product, ProductImage
from products.serializers import ProductSerializer
from tests.products.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

LIST = "/api/products/"


@pytest.fixture
def products(seller):
    category = CategoryFactory(name="Clothing & Shoes", slug="clothing")
    discounted = ProductFactory(seller=seller, category=category, price=Decimal("45.50"),
                                compare_at_price=Decimal("60.00"), weight=Decimal("1.250"), sku="KEN-1",
                                tag_names="kente, handmade", description="Woven by hand.\nIn Bonwire.")
    ProductImage.objects.create(product=discounted, image="products/1/side.jpg", position=0, width=800, height=600)
    ProductImage.objects.create(product=discounted, image="products/1/front é.jpg", thumbnail="products/1/t.webp",
                                alt_text="Front", is_primary=True, position=1)
    sold_out_draft = ProductFactory(seller=seller, stock_quantity=0, status="draft", low_stock_threshold=0)
    by_variant = ProductFactory(seller=seller, stock_quantity=6, price=Decimal("20.00"), view_count=12, share_count=3)
    VariantFactory(product=by_variant, name="S", options={"size": "S", "fit": 2}, sku="V-S", stock_quantity=3,
                   price=Decimal("25.00"))
    VariantFactory(product=by_variant, name="M", options={}, stock_quantity=3)
    return [discounted, sold_out_draft, by_variant]


def serialized(product: Product) -> bytes:
    """What ProductSerializer renders for the product, read the ordinary way (an instance)."""
    request = Request(APIRequestFactory().get(LIST))
    instance = (Product.objects.select_related("category").prefetch_related("images", "variants")
                .get(pk=product.pk))
    return JSONRenderer().render(ProductSerializer(instance, context={"request": request}).data)


def test_list_rows_are_the_serializers(seller_client, products):
    response = seller_client.get(LIST)

    assert response.status_code == 200
    rows = {row["id"]: JSONRenderer().render(row) for row in response.json()}
    assert rows == {product.pk: serialized(product) for product in products}
    discounted = response.json()[-1]
    assert discounted["weight"] == "1.250"
    assert discounted["category_detail"] == {"id": products[0].category_id, "name": "Clothing & Shoes",
                                             "slug": "clothing"}
    assert [image["thumbnail"] for image in discounted["images"]] == [
        "http://testserver/media/products/1/t.webp", None]
    assert discounted["images"][0]["image"] == "http://testserver/media/products/1/front%20%C3%A9.jpg"


@pytest.mark.parametrize("index", range(3))
def test_product_body_is_the_serializers(seller_client, products, index):
    product = products[index]

    response = seller_client.get(f"{LIST}{product.pk}/")

    assert response.status_code == 200
    assert response.content == serialized(product)


def test_created_and_updated_bodies_are_the_serializers(seller_client, products):
    created = seller_client.post(LIST, {"name": "Smock", "price": "30.00", "currency": "GHS", "weight": "0.5",
                                        "variants": [{"name": "L", "options": {"size": "L"}}]}, format="json")
    assert created.status_code == 201
    assert created.content == serialized(Product.objects.get(pk=created.json()["id"]))

    updated = seller_client.patch(f"{LIST}{products[0].pk}/", {"compare_at_price": None}, format="json")
    assert updated.status_code == 200
    assert updated.json()["compare_at_price"] is None
    assert updated.content == serialized(products[0])


def page_queries(client, size: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert len(client.get(LIST, {"page_size": size}).json()) == size
    return len(queries.captured_queries)


def test_a_page_reads_the_same_queries_whatever_its_size(seller_client, seller):
    for product in ProductFactory.create_batch(12, seller=seller):
        VariantFactory(product=product, name="One")
        ProductImage.objects.create(product=product, image=f"products/{product.pk}/a.jpg")

    assert page_queries(seller_client, 2) == page_queries(seller_client, 12)


def test_another_sellers_products_are_not_listed(seller_client, products):
    ProductFactory()  # someone else's

    assert {row["id"] for row in seller_client.get(LIST).json()} == {product.pk for product in products}
