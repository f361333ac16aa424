import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ai import recommendations as engine
from ai.models import ProductRecommendation
from products.models import Product
from tests.accounts.factories import UserFactory
from tests.products.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_refresh_cost(api_client):
    cat = CategoryFactory()
    other = UserFactory(account_type="seller")
    Product.objects.bulk_create([Product(seller=other, name=f"Cotton shirt {i} blue w{i % 997}", slug=f"s-{i}",
                                         price=Decimal("10"), currency="GHS", status="active", stock_quantity=5,
                                         category=cat, description=f"A soft cotton shirt word{i % 503} " * 20)
                                 for i in range(20000)])
    p = Product.objects.order_by("pk").first()
    engine._CORPUS.__init__()
    for n in range(3):
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            engine.recommendations_refresh_product(product_id=p.pk)
        print(f"refresh {n}: {time.perf_counter() - t:.2f}s, {len(q)} queries")
    # on-demand path of the public GET: empty table for another product
    p2 = Product.objects.order_by("pk")[5]
    ProductRecommendation.objects.filter(product=p2).delete()
    t = time.perf_counter()
    r = api_client.get("/api/ai/recommendations/", {"product_id": p2.pk})
    print(f"GET on demand: {r.status_code} {time.perf_counter() - t:.2f}s")
    t = time.perf_counter()
    r = api_client.get("/api/ai/recommendations/", {"product_id": p2.pk})
    print(f"GET stored: {r.status_code} {time.perf_counter() - t:.2f}s")
