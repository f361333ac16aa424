"""The public list and detail build their JSON from values, without the DRF serializers that the
schema shows (products.serializers.PublicProductSerializer and PublicProductDetailSerializer): for
the same products, both give the same bytes (discounts, sold out, held stock, variants, images,
every kind of seller name), and the listing's seller data stops at the public fields."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from products.holds import held_units
from products.models import ProductImage
from products.selectors import public_products
from products.serializers import PublicProductDetailSerializer, PublicProductSerializer
from tests.accounts.factories import UserFactory
from tests.orders.factories import hold
from tests.products.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

LIST = "/api/products/public/list/"


@pytest.fixture
def catalog():
    """Products of every shape the public rows show."""
    company = UserFactory(account_type="seller", company_name="Ama Styles", city="Accra", avatar="avatars/ama logo.png")
    person = UserFactory(account_type="seller", company_name="", first_name="Kofi", last_name="Mensah")
    nameless = UserFactory(account_type="seller", company_name="", first_name="", last_name="")
    category = CategoryFactory(name="Clothing & Shoes", slug="clothing")
    discounted = ProductFactory(seller=company, category=category, price=Decimal("45.50"),
                                compare_at_price=Decimal("60.00"), tag_names="kente, handmade")
    ProductImage.objects.create(product=discounted, image="products/1/side.jpg", position=0)
    ProductImage.objects.create(product=discounted, image="products/1/front é.jpg", thumbnail="products/1/t.webp",
                                alt_text="Front", is_primary=True, position=1)
    sold_out = ProductFactory(seller=person, stock_quantity=0)
    held = ProductFactory(seller=nameless, stock_quantity=2)
    hold(held, 2)
    by_variant = ProductFactory(seller=company, stock_quantity=6, price=Decimal("20.00"))
    VariantFactory(product=by_variant, name="S", options={"size": "S"}, stock_quantity=3, price=Decimal("25.00"))
    taken = VariantFactory(product=by_variant, name="M", options={"size": "M"}, stock_quantity=3)
    hold(by_variant, 3, variant=taken)
    return [discounted, sold_out, held, by_variant]


def reference(serializer_class, products) -> dict[int, bytes]:
    """What the DRF serializer renders for each product, read the ordinary way (instances)."""
    request = Request(APIRequestFactory().get(LIST))
    instances = public_products().prefetch_related("variants").filter(pk__in=[p.pk for p in products])
    context = {"request": request, "held": held_units([p.pk for p in products], now=timezone.now())}
    return {product.pk: JSONRenderer().render(serializer_class(product, context=context).data)
            for product in instances}


def rendered(row) -> bytes:
    return JSONRenderer().render(row)


def test_listing_rows_are_the_serializers(api_client, catalog):
    rows = api_client.get(LIST).json()

    expected = reference(PublicProductSerializer, catalog)
    assert {row["id"]: rendered(row) for row in rows} == expected
    by_id = {row["id"]: row for row in rows}
    assert by_id[catalog[0].pk]["compare_at_price"] == "60.00"
    assert [image["is_primary"] for image in by_id[catalog[0].pk]["images"]] == [True, False]
    assert by_id[catalog[0].pk]["seller"]["avatar"] == "http://testserver/media/avatars/ama%20logo.png"
    assert [by_id[p.pk]["in_stock"] for p in catalog] == [True, False, False, True]
    assert [by_id[p.pk]["seller"]["display_name"] for p in catalog[:3]] == [
        "Ama Styles", "Kofi Mensah", f"Seller {catalog[2].seller_id}"]


@pytest.mark.parametrize("index", range(4))
def test_detail_is_the_serializers(api_client, catalog, index):
    product = catalog[index]
    expected = reference(PublicProductDetailSerializer, [product])[product.pk]  # before the view is counted

    response = api_client.get(f"/api/products/public/{product.pk}/")

    assert response.status_code == 200
    assert response.content == expected


def test_detail_of_variants_counts_their_holds(api_client, catalog):
    variants = api_client.get(f"/api/products/public/{catalog[3].pk}/").json()["variants"]

    assert [(v["name"], v["price"], v["in_stock"]) for v in variants] == [("S", "25.00", True), ("M", "20.00", False)]


def test_no_private_seller_column_is_read(api_client, catalog, settings):
    settings.PUBLIC_CATALOG_CACHE_SECONDS = 0
    with CaptureQueriesContext(connection) as queries:
        assert api_client.get(LIST).status_code == 200
        assert api_client.get(f"/api/products/public/{catalog[0].pk}/").status_code == 200

    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert '"accounts_user"."first_name"' in sql
    for private in ("password", "email", "phone", "google_id", "is_superuser"):
        assert private not in sql
