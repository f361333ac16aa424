import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ai.models import AIUsage, AIContent
from ai.rules import compose_post, platform_length, clip
from products.models import Product, Category
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.products.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_unusable_output_is_recorded_as_success(fake_openai, seller_client, seller):
    p = ProductFactory(seller=seller, name="Kente")
    fake_openai.reply_json({"hashtags": ["!!!", "  "]})
    r = seller_client.post("/api/ai/generate/hashtags/", {"product_id": p.pk}, format="json")
    print("status", r.status_code, r.json())
    rows = list(AIUsage.objects.values_list("feature", "success", "error"))
    print("usage rows", rows)
    usage = seller_client.get("/api/ai/usage/").json()
    print("usage report", usage["totals"], usage["quota"])
    assert r.status_code == 502
    assert rows == [("hashtags", True, "")]  # BUG: a 502 counted as a success, quota spent


def test_anonymous_openai_search_has_no_quota(fake_openai, api_client, settings):
    settings.AI_DAILY_QUOTA = 1
    ProductFactory(name="Kente stole")
    fake_openai.reply_json({"text": "kente", "min_price": None, "max_price": None, "currency": None,
                            "in_stock": None, "colors": [], "sizes": [], "category": None, "sort": None})
    for i in range(20):
        assert api_client.get("/api/ai/search/", {"q": f"kente {i}"}).status_code == 200
    print("openai calls from anonymous:", len(fake_openai.requests), AIUsage.objects.filter(user=None).count())
    assert len(fake_openai.requests) == 20


def test_seller_edit_keeps_duplicate_and_non_ascii_hashtags(seller_client, seller):
    p = ProductFactory(seller=seller, name="Kente stole")
    post = seller_client.post("/api/ai/generate/social-post/", {"product_id": p.pk, "platform": "instagram"},
                              format="json").json()["content"]
    r = seller_client.patch(f"/api/products/{p.pk}/content/{post['id']}/",
                            {"text": "New! #Kente #kente #KENTE #Fête #Été"}, format="json")
    print(r.status_code, r.json()["text"], r.json()["hashtags"])
    assert r.status_code == 200
    assert r.json()["text"].lower().count("#kente") == 3  # duplicates (case-insensitive) stored in the post text
    assert "#F" in r.json()["hashtags"]  # '#Fête' recorded as '#F'


def test_x_bare_link_undercount():
    # X (twitter-text) counts a protocol-less link like wa.me/... as 23 characters.
    body = "a" * 257 + " wa.me/233240000000"  # 276 chars by our count; X: 257 + 1 + 23 = 281
    print(platform_length(body, "x"))
    assert platform_length(body, "x") <= 280


def test_refresh_cost_on_product_update(seller_client, seller, django_capture_on_commit_callbacks):
    cat = CategoryFactory()
    other = UserFactory(account_type="seller")
    Product.objects.bulk_create([Product(seller=other, name=f"Cotton shirt {i} blue", slug=f"s-{i}", price=Decimal("10"),
                                         currency="GHS", status="active", stock_quantity=5, category=cat,
                                         description="A soft cotton shirt " * 20) for i in range(5000)])
    mine = ProductFactory(seller=seller, name="Linen shirt", category=cat)
    for attempt in range(3):
        with CaptureQueriesContext(connection) as q, django_capture_on_commit_callbacks(execute=True):
            t = time.perf_counter()
            r = seller_client.patch(f"/api/products/{mine.pk}/", {"price": f"{20 + attempt}.00"}, format="json")
            elapsed = time.perf_counter() - t
        print(f"PATCH {attempt}: {r.status_code} {elapsed:.2f}s {len(q)} queries")
