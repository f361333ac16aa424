"""One platform vocabulary (sellflow.platforms) across orders, AI and sharing: the API document's
words (`twitter`, `website`) are stored and answered, `x` and `web` are taken on input, and an
unknown order source never costs the order."""

import importlib
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ai.models import AIContent, AIJob
from orders.models import Order
from tests.products.factories import ProductFactory

ORDERS = "/api/orders/orders/"


@pytest.mark.parametrize("sent, stored", [
    ("instagram", "instagram"), ("website", "website"), ("twitter", "twitter"), ("x", "twitter"), ("X", "twitter"),
    ("web", "website"), (" WhatsApp ", "whatsapp"), ("tiktok", "tiktok"), ("chat", "chat"), ("myspace", "other"),
    ("a" * 300, "other"), (7, "other"), (["instagram"], "other"), ({"utm": "ig"}, "other"), (True, "other"),
    ("", "direct"), ("   ", "direct"), (None, "direct"),
])
def test_checkout_stores_any_source_in_the_vocabulary_and_never_refuses_one(place_order, sent, stored):
    order = place_order(source=sent)

    assert order["source"] == stored
    assert Order.objects.get(pk=order["id"]).source == stored


def test_checkout_without_a_source_is_direct(place_order):
    assert place_order()["source"] == "direct"


def test_the_checkout_service_keeps_the_vocabulary_whoever_calls_it(buyer, shop):
    from orders.services.cart import cart_add_item
    from orders.services.checkout import checkout

    cart_add_item(user=buyer, product=ProductFactory(seller=shop), variant_id=None, quantity=1)

    order = checkout(user=buyer, payment_method="card", source="X", full_name="Ama Mensah", phone="+233501234567",
                     address_line1="12 Oxford St", city="Accra", country="Ghana")

    assert order.source == "twitter"


def test_the_sellers_orders_filter_by_either_name_of_a_platform(shop_client, place_order):
    from_x = place_order(source="x")
    from_web = place_order(source="website")
    place_order(source="instagram")

    for asked, expected in (("twitter", from_x), ("x", from_x), ("X", from_x), ("Twitter", from_x), ("web", from_web),
                            ("WEBSITE", from_web)):
        response = shop_client.get(f"{ORDERS}seller_orders/", {"source": asked})
        assert response.status_code == 200
        assert [order["id"] for order in response.json()] == [expected["id"]]
    assert shop_client.get(f"{ORDERS}seller_orders/", {"source": "myspace"}).status_code == 400


def test_ai_content_is_stored_and_filtered_as_twitter(seller_client, seller):
    product = ProductFactory(seller=seller)

    response = seller_client.post("/api/ai/generate/social-post/", {"product_id": product.pk, "platform": "x"},
                                  format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["content"]["platform"] == "twitter"
    listed = seller_client.get(f"/api/products/{product.pk}/content/", {"platform": "x"})
    assert [item["platform"] for item in listed.json()] == ["twitter"]
    refused = seller_client.post("/api/ai/generate/hashtags/", {"product_id": product.pk, "platform": "website"},
                                 format="json")
    assert refused.status_code == 400 and "platform" in refused.json()["details"]


def test_a_share_on_x_is_tracked_as_twitter(db, api_client, settings):
    settings.FRONTEND_URL = "https://shop.example.com"
    product = ProductFactory(name="Kente Stole", price=Decimal("149.00"))

    response = api_client.post(f"/api/products/public/{product.pk}/share/", {"platform": "x"}, format="json")

    assert response.status_code == 200
    assert "utm_source=twitter&" in response.json()["url"]
    assert response.json()["twitter"].startswith("https://x.com/intent/tweet?text=Check%20out%20this%20product")
    assert "x" not in response.json()


def _run(app: str, name: str, function: str, reverse: bool = False) -> None:
    migration = importlib.import_module(f"{app}.migrations.{name}")
    state = MigrationExecutor(connection).loader.project_state((app, name))
    getattr(migration, function)(state.apps, None)


class TestTheDataMigrations:
    def test_order_sources_take_the_documents_words_and_back(self, place_order):
        orders = {old: place_order()["id"] for old in ("x", "web", "instagram", "myspace")}
        for old, pk in orders.items():
            Order.objects.filter(pk=pk).update(source=old)  # as an older release stored them

        _run("orders", "0005_platform_vocabulary", "to_vocabulary")

        stored = dict(Order.objects.values_list("pk", "source"))
        assert [stored[orders[old]] for old in ("x", "web", "instagram", "myspace")] == [
            "twitter", "website", "instagram", "other"]
        Order.objects.filter(pk=orders["instagram"]).update(source="chat")
        _run("orders", "0005_platform_vocabulary", "to_old_words")
        stored = dict(Order.objects.values_list("pk", "source"))
        assert [stored[orders[old]] for old in ("x", "web", "instagram")] == ["x", "web", "direct"]

    def test_ai_contents_their_options_and_jobs_say_twitter_and_back(self, seller):
        product = ProductFactory(seller=seller)
        content = AIContent.objects.create(product=product, content_type="social_post", platform="x", text="Hi",
                                           options={"platform": "x", "tone": "playful"}, provider="local")
        other = AIContent.objects.create(product=product, content_type="hashtags", platform="instagram", text="",
                                         options={"platform": "instagram"}, provider="local")
        waiting = AIJob.objects.create(user=seller, feature="social_post",
                                       params={"product_id": product.pk, "request": {"platform": "x"}})
        done = AIJob.objects.create(user=seller, feature="social_post", status="done", params={}, result={
            "post": "Hi", "content": {"id": content.pk, "platform": "x", "options": {"platform": "x"}}})

        _run("ai", "0003_platform_vocabulary", "x_to_twitter")

        for row in (content, other, waiting, done):
            row.refresh_from_db()
        assert (content.platform, content.options) == ("twitter", {"platform": "twitter", "tone": "playful"})
        assert waiting.params["request"] == {"platform": "twitter"}
        assert done.result["content"] == {"id": content.pk, "platform": "twitter", "options": {"platform": "twitter"}}
        assert (other.platform, other.options) == ("instagram", {"platform": "instagram"})

        _run("ai", "0003_platform_vocabulary", "twitter_to_x")

        for row in (content, waiting, done):
            row.refresh_from_db()
        assert (content.platform, content.options["platform"]) == ("x", "x")
        assert waiting.params["request"] == {"platform": "x"}
        assert done.result["content"]["platform"] == done.result["content"]["options"]["platform"] == "x"
