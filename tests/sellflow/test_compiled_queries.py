"""sellflow.compiled_queries: a query compiled once answers, for any parameter values, exactly what
the ORM answers for the queryset built with them (values converted the same way: decimals,
datetimes, JSON, booleans, nulls), in one query, and refuses what it cannot compile safely."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F, Min, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import StockReservation
from products.models import Product, ProductImage, Variant
from sellflow.compiled_queries import CompiledQuery
from tests.orders.factories import hold
from tests.products.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

FIELDS = ("id", "name", "price", "compare_at_price", "weight", "created_at", "category_id", "category__name",
          "seller__is_active")


def product_row(pk):
    return Product.objects.filter(pk=pk).order_by().values(*FIELDS)[:1]


def test_rows_are_the_orms_for_each_value():
    compiled = CompiledQuery(product_row, pk=int)
    plain = ProductFactory(price=Decimal("45.50"))
    full = ProductFactory(price=Decimal("0.99"), compare_at_price=Decimal("2.00"), weight=Decimal("1.250"),
                          category=CategoryFactory(name="Shoes"))

    for product in (plain, full, plain):
        assert compiled.rows(pk=product.pk) == list(product_row(product.pk))
    row = compiled.rows(pk=full.pk)[0]
    assert (row["price"], row["weight"], row["category__name"]) == (Decimal("0.99"), Decimal("1.250"), "Shoes")
    assert isinstance(row["created_at"], datetime) and row["created_at"].tzinfo is not None
    assert row["seller__is_active"] is True
    assert compiled.rows(pk=full.pk + 1000) == []


def test_values_list_rows_are_tuples_with_json_decoded():
    product = ProductFactory()
    VariantFactory(product=product, name="S", options={"size": "S", "fit": 2}, price=Decimal("25.00"))
    VariantFactory(product=product, name="M", options={}, position=1)

    def variants(pk):
        return Variant.objects.filter(product_id=pk).values_list("name", "options", "price")

    compiled = CompiledQuery(variants, pk=int)

    assert compiled.rows(pk=product.pk) == list(variants(product.pk))
    assert compiled.rows(pk=product.pk) == [("S", {"size": "S", "fit": 2}, Decimal("25.00")), ("M", {}, None)]


def test_a_datetime_parameter_is_substituted_at_each_call():
    product = ProductFactory(stock_quantity=10)
    soon = hold(product, 2)  # lapses in 15 minutes
    hold(product, 3, expired=True)

    def holds(pk, now):
        return (StockReservation.objects.filter(product_id=pk, expires_at__gt=now).order_by().values("product_id")
                .annotate(held=Sum("quantity"), until=Min("expires_at")))

    compiled = CompiledQuery(holds, pk=int, now=datetime)
    now = timezone.now()

    assert compiled.rows(pk=product.pk, now=now) == [{"product_id": product.pk, "held": 2, "until": soon.expires_at}]
    earlier = now - timedelta(hours=1)
    assert compiled.rows(pk=product.pk, now=earlier) == list(holds(product.pk, earlier))
    assert compiled.rows(pk=product.pk, now=earlier)[0]["held"] == 5
    assert compiled.rows(pk=product.pk, now=now + timedelta(hours=1)) == []


def test_one_query_per_call_the_orms_sql():
    product = ProductFactory()
    ProductImage.objects.create(product=product, image="products/1/a.jpg")
    compiled = CompiledQuery(lambda pk: ProductImage.objects.filter(product_id=pk).values_list("id", "image"), pk=int)
    compiled.rows(pk=product.pk)

    with CaptureQueriesContext(connection) as queries:
        compiled.rows(pk=product.pk)
    with CaptureQueriesContext(connection) as orm:
        list(ProductImage.objects.filter(product_id=product.pk).values_list("id", "image"))

    assert [query["sql"] for query in queries.captured_queries] == [query["sql"] for query in orm.captured_queries]


def test_what_it_cannot_run_safely_is_refused():
    product = ProductFactory()

    with pytest.raises(TypeError, match="values"):
        CompiledQuery(lambda pk: Product.objects.filter(pk=pk), pk=int).rows(pk=product.pk)
    with pytest.raises(TypeError, match="an int or a datetime"):
        CompiledQuery(lambda name: Product.objects.filter(name=name).values("id"), name=str)
    with pytest.raises(ValueError, match="'pk' is not among"):
        CompiledQuery(lambda pk: Product.objects.values("id"), pk=int).rows(pk=product.pk)

    compiled = CompiledQuery(product_row, pk=int)
    with pytest.raises(TypeError, match="expected int"):
        compiled.rows(pk=str(product.pk))
    with pytest.raises(TypeError, match="expected int"):
        compiled.rows(pk=True)
    since = CompiledQuery(lambda now: Product.objects.filter(created_at__lt=now).values("id"), now=datetime)
    with pytest.raises(TypeError, match="an aware datetime"):
        since.rows(now=datetime(2026, 1, 1))
    with pytest.raises(TypeError, match="Expected the parameters"):
        compiled.rows(id=product.pk)
    assert compiled.rows(pk=product.pk)[0]["id"] == product.pk


def test_columns_keep_the_order_values_names_them():
    product = ProductFactory(stock_quantity=7)

    def doubled(pk):
        return Product.objects.filter(pk=pk).annotate(double=F("stock_quantity") * 2).values("double", "id")

    assert CompiledQuery(doubled, pk=int).rows(pk=product.pk) == list(doubled(product.pk))
    assert CompiledQuery(doubled, pk=int).rows(pk=product.pk) == [{"double": 14, "id": product.pk}]


def test_columns_selected_only_for_the_order_are_not_in_the_rows():
    product = ProductFactory()
    ProductImage.objects.create(product=product, image="a.jpg", position=3)
    ProductImage.objects.create(product=product, image="b.jpg", position=1)

    def images(pk):
        return ProductImage.objects.filter(product_id=pk).distinct().order_by("position").values_list("image")

    def image_dicts(pk):
        return ProductImage.objects.filter(product_id=pk).distinct().order_by("position").values("image")

    assert CompiledQuery(images, pk=int).rows(pk=product.pk) == list(images(product.pk)) == [("b.jpg",), ("a.jpg",)]
    assert CompiledQuery(image_dicts, pk=int).rows(pk=product.pk) == list(image_dicts(product.pk))
