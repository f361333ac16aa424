"""Product copy through the API: the three /api/ai/generate/ endpoints, the API document's
generate_ai_content, seed 002's content review, switches, quota, caching, async jobs and usage,
on the local provider and, through the real SDK, on a fake OpenAI-compatible server."""

from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from accounts.services import tokens_for_user
from ai.models import AIContent, AIJob, AIUsage, JobStatus
from ai.rules import HASHTAG_PATTERN, POST_LIMITS, platform_length
from products.models import Product
from sellflow.asgi import application
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.products.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stole(seller):
    product = ProductFactory(
        seller=seller, name="Handwoven Kente Stole", price=Decimal("180.00"), compare_at_price=Decimal("220.00"),
        description="Woven by hand in Bonwire from cotton and silk threads. Each stole is 2 metres long.",
        category=CategoryFactory(name="Accessories", slug="accessories"), tag_names="kente, handmade, ghana",
        stock_quantity=12)
    VariantFactory(product=product, name="Gold", options={"Color": "Gold"}, stock_quantity=7)
    VariantFactory(product=product, name="Green", options={"Color": "Green"}, stock_quantity=5)
    return product


def describe(client, product, **body):
    return client.post("/api/ai/generate/description/", {"product_id": product.pk, **body}, format="json")


# --- Descriptions, hashtags, posts on the local provider --------------------------------------

def test_a_description_is_written_stored_as_a_draft_and_counted(seller_client, seller, stole):
    response = describe(seller_client, stole, style="persuasive", length="short")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["message"] == "Description generated successfully."
    assert "Kente" in body["description"] and body["cached"] is False
    content = body["content"]
    assert (content["product"], content["content_type"], content["status"], content["version"]) == (
        stole.pk, "description", "draft", 1)
    assert (content["provider"], content["language"], content["options"]) == (
        "local", "en", {"style": "persuasive", "length": "short"})
    assert content["text"] == body["description"]
    usage = AIUsage.objects.get(user=seller)
    assert (usage.feature, usage.provider, usage.success, usage.error) == ("description", "local", True, "")
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0


def test_french_copy_and_languages_the_local_provider_cannot_write(seller_client, stole):
    french = describe(seller_client, stole, language="fr")
    assert french.status_code == 200 and french.json()["content"]["language"] == "fr"

    german = describe(seller_client, stole, language="de")
    assert german.status_code == 400
    assert german.json()["code"] == "language_unsupported"
    assert german.json()["details"] == {"language": "de", "provider": "local"}

    unknown = describe(seller_client, stole, language="zz")
    assert unknown.status_code == 400 and unknown.json()["details"]["language"] == ["Unknown language code."]
    assert AIUsage.objects.count() == 1  # refusals before the provider cost nothing


def test_an_identical_request_for_an_unchanged_product_is_answered_from_the_store(seller_client, seller, stole):
    first = describe(seller_client, stole).json()
    again = describe(seller_client, stole).json()
    assert again["cached"] is True and again["content"]["id"] == first["content"]["id"]
    assert AIUsage.objects.filter(user=seller).count() == 1

    # Another style is another request; regenerate writes a new version of the same request.
    assert describe(seller_client, stole, style="casual").json()["cached"] is False
    fresh = describe(seller_client, stole, regenerate=True).json()
    assert fresh["cached"] is False and fresh["content"]["version"] == 3

    # A changed product is written about afresh.
    assert seller_client.patch(f"/api/products/{stole.pk}/", {"price": "150.00"}, format="json").status_code == 200
    changed = describe(seller_client, stole).json()
    assert changed["cached"] is False and "150" in changed["description"]


def test_a_rejected_text_is_not_handed_out_again(seller_client, stole):
    first = describe(seller_client, stole).json()["content"]
    seller_client.patch(f"/api/products/{stole.pk}/content/{first['id']}/", {"status": "rejected"}, format="json")
    assert describe(seller_client, stole).json()["cached"] is False


@pytest.mark.parametrize("platform", ["instagram", "facebook", "whatsapp", "twitter", "tiktok"])
def test_hashtags_follow_the_platform_rules(seller_client, stole, platform):
    response = seller_client.post("/api/ai/generate/hashtags/",
                                  {"product_id": stole.pk, "platform": platform, "count": 30}, format="json")

    assert response.status_code == 200, response.json()
    tags = response.json()["hashtags"]
    assert 1 <= len(tags) <= 30
    assert all(HASHTAG_PATTERN.fullmatch(tag) for tag in tags)
    assert len({tag.lower() for tag in tags}) == len(tags)
    assert response.json()["content"]["platform"] == platform


def test_hashtag_counts_are_bounded_and_x_means_twitter(seller_client, stole):
    for count in (0, 31, "many"):
        response = seller_client.post("/api/ai/generate/hashtags/", {"product_id": stole.pk, "count": count},
                                      format="json")
        assert response.status_code == 400 and "count" in response.json()["details"]
    three = seller_client.post("/api/ai/generate/hashtags/",
                               {"product_id": stole.pk, "platform": "X", "count": 3}, format="json").json()
    assert len(three["hashtags"]) == 3 and three["content"]["platform"] == "twitter"
    bad = seller_client.post("/api/ai/generate/hashtags/", {"product_id": stole.pk, "platform": "myspace"},
                             format="json")
    assert bad.status_code == 400 and "platform" in bad.json()["details"]


@pytest.mark.parametrize("platform", ["instagram", "facebook", "whatsapp", "twitter", "tiktok"])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_social_posts_fit_their_platform(seller_client, stole, platform, language):
    response = seller_client.post("/api/ai/generate/social-post/", {
        "product_id": stole.pk, "platform": platform, "language": language, "tone": "playful",
        "call_to_action": "WhatsApp 024 000 0000 to order"}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["message"] == "Social post generated successfully."
    assert platform_length(body["post"], platform) <= POST_LIMITS[platform]
    assert body["post"] == body["content"]["text"]
    assert all(tag in body["post"] for tag in body["hashtags"])
    if platform == "instagram":
        assert len(body["hashtags"]) <= 30


def test_a_post_without_the_price(seller_client, stole):
    body = seller_client.post("/api/ai/generate/social-post/", {
        "product_id": stole.pk, "platform": "facebook", "include_price": False}, format="json").json()
    assert "180" not in body["post"]
    with_price = seller_client.post("/api/ai/generate/social-post/", {
        "product_id": stole.pk, "platform": "facebook"}, format="json").json()
    assert "180" in with_price["post"]


def test_a_post_needs_a_platform(seller_client, stole):
    response = seller_client.post("/api/ai/generate/social-post/", {"product_id": stole.pk}, format="json")
    assert response.status_code == 400 and "platform" in response.json()["details"]


# --- The API document's endpoint ----------------------------------------------------------------

def test_generate_ai_content_answers_the_documents_shape(seller_client, stole):
    url = f"/api/products/{stole.pk}/generate_ai_content/"

    description = seller_client.post(url, {"content_type": "description"}, format="json")
    assert description.status_code == 200
    assert description.json()["message"] == "Description generated successfully."
    assert description.json()["description"]

    hashtags = seller_client.post(url, {"content_type": "hashtags"}, format="json").json()
    assert hashtags["message"] == "Hashtags generated successfully." and hashtags["hashtags"]
    assert hashtags["content"]["platform"] == "instagram"

    post = seller_client.post(url, {"content_type": "social_post", "platform": "instagram"}, format="json").json()
    assert post["message"] == "Social post generated successfully." and post["post"]

    missing = seller_client.post(url, {"content_type": "social_post"}, format="json")
    assert missing.status_code == 400 and missing.json()["details"] == {
        "platform": ["Say which platform the post is for."]}
    wrong = seller_client.post(url, {"content_type": "poem"}, format="json")
    assert wrong.status_code == 400 and "content_type" in wrong.json()["details"]


# --- Who may generate ---------------------------------------------------------------------------

def test_no_generating_for_another_sellers_product(seller_client, buyer_client, api_client):
    someone_elses = ProductFactory()
    assert describe(seller_client, someone_elses).status_code == 404
    assert seller_client.post(f"/api/products/{someone_elses.pk}/generate_ai_content/",
                              {"content_type": "description"}, format="json").status_code == 404
    assert seller_client.get(f"/api/products/{someone_elses.pk}/content/").status_code == 404
    assert describe(buyer_client, someone_elses).json()["code"] == "permission_denied"
    assert describe(api_client, someone_elses).status_code == 401
    deleted = ProductFactory(seller=someone_elses.seller, deleted_at=timezone.now())
    assert describe(authenticated_client(someone_elses.seller), deleted).status_code == 404
    assert AIUsage.objects.count() == 0


@pytest.mark.parametrize(("switch", "url", "extra"), [
    ("ai_description_enabled", "/api/ai/generate/description/", {}),
    ("ai_description_enabled", "/api/ai/generate/social-post/", {"platform": "twitter"}),
    ("ai_hashtags_enabled", "/api/ai/generate/hashtags/", {}),
])
def test_switched_off_features_answer_403(seller, seller_client, stole, switch, url, extra):
    setattr(seller, switch, False)
    seller.save()
    response = seller_client.post(url, {"product_id": stole.pk, **extra}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "ai_disabled" and response.json()["details"] == {"switch": switch}
    # The switch also closes the stored answers and the async path.
    assert seller_client.post(url, {"product_id": stole.pk, "async": True, **extra}, format="json").status_code == 403


def test_the_quota_counts_the_last_24_hours(settings, seller_client, seller, stole):
    settings.AI_DAILY_QUOTA = 2
    assert describe(seller_client, stole).status_code == 200
    assert describe(seller_client, stole).json()["cached"] is True  # stored answers are free
    assert describe(seller_client, stole, style="casual").status_code == 200

    spent = describe(seller_client, stole, style="persuasive")
    assert spent.status_code == 429
    assert spent.json()["code"] == "quota_exceeded" and spent.json()["details"]["quota"] == 2
    assert 0 < int(spent["Retry-After"]) <= 24 * 3600 + 1
    assert describe(seller_client, stole, style="persuasive", **{"async": True}).status_code == 429

    # A place comes back when the oldest call leaves the window, and Retry-After says when.
    first, second = AIUsage.objects.filter(user=seller).order_by("id")
    now = timezone.now()
    AIUsage.objects.filter(pk=first.pk).update(created_at=now - timedelta(hours=23))
    AIUsage.objects.filter(pk=second.pk).update(created_at=now - timedelta(hours=1))
    waiting = describe(seller_client, stole, style="persuasive")
    assert waiting.status_code == 429
    assert 3600 - 60 <= int(waiting["Retry-After"]) <= 3601
    assert waiting.json()["details"]["retry_after"] == int(waiting["Retry-After"])

    AIUsage.objects.filter(pk=first.pk).update(created_at=now - timedelta(hours=24, minutes=1))
    assert describe(seller_client, stole, style="persuasive").status_code == 200


def test_changing_time_zone_does_not_start_a_fresh_quota(settings, seller, stole):
    settings.AI_DAILY_QUOTA = 1
    # UTC-11 and UTC+14 are always on different calendar days.
    seller.timezone = "Pacific/Pago_Pago"
    seller.save(update_fields=["timezone"])
    client = authenticated_client(seller)
    assert describe(client, stole).status_code == 200
    assert describe(client, stole, style="casual").status_code == 429

    assert client.patch("/api/auth/profile/", {"timezone": "Pacific/Kiritimati"}, format="json").status_code == 200
    again = describe(client, stole, style="casual")

    assert again.status_code == 429
    assert again.json()["code"] == "quota_exceeded"
    usage = client.get("/api/ai/usage/").json()["quota"]
    assert (usage["used"], usage["remaining"]) == (1, 0)


# --- Review (seed 002) --------------------------------------------------------------------------

def test_content_list_filters_and_keeps_its_query_count(seller_client, stole, django_assert_max_num_queries):
    describe(seller_client, stole)
    seller_client.post("/api/ai/generate/hashtags/", {"product_id": stole.pk}, format="json")
    url = f"/api/products/{stole.pk}/content/"

    listed = seller_client.get(url)
    assert listed.status_code == 200 and listed["X-Total-Count"] == "2"
    assert [row["content_type"] for row in listed.json()] == ["hashtags", "description"]
    assert [row["content_type"] for row in seller_client.get(url, {"content_type": "description"}).json()] == [
        "description"]
    assert seller_client.get(url, {"status": "nonsense"}).status_code == 400

    for _ in range(12):
        seller_client.post("/api/ai/generate/description/", {"product_id": stole.pk, "regenerate": True},
                           format="json")
    with django_assert_max_num_queries(6):
        assert len(seller_client.get(url, {"page_size": 50}).json()) == 14


def test_editing_approving_and_applying_a_description(seller_client, stole):
    content = describe(seller_client, stole).json()["content"]
    url = f"/api/products/{stole.pk}/content/{content['id']}/"

    edited = seller_client.patch(url, {"text": "  Hand-woven in Bonwire. Two metres of kente.  "}, format="json")
    assert edited.status_code == 200
    assert (edited.json()["text"], edited.json()["edited"], edited.json()["status"]) == (
        "Hand-woven in Bonwire. Two metres of kente.", True, "draft")

    too_soon = seller_client.patch(url, {"apply": True}, format="json")
    assert too_soon.status_code == 400 and too_soon.json()["code"] == "not_applicable"

    applied = seller_client.patch(url, {"status": "approved", "apply": True}, format="json")
    assert applied.status_code == 200
    assert applied.json()["status"] == "approved" and applied.json()["applied_at"] and applied.json()["reviewed_at"]
    stole.refresh_from_db()
    assert stole.description == "Hand-woven in Bonwire. Two metres of kente."
    assert seller_client.get(f"/api/products/{stole.pk}/").json()["description"] == stole.description

    assert seller_client.put(url, {"status": "approved"}, format="json").status_code == 400  # PUT: every field
    rejected = seller_client.put(url, {"text": "Kente.", "status": "rejected"}, format="json")
    assert rejected.json()["status"] == "rejected"
    assert seller_client.patch(url, {"status": "published"}, format="json").status_code == 400
    assert seller_client.get(url).json()["text"] == "Kente."


def test_edits_keep_the_platform_rules(seller_client, stole):
    tags = seller_client.post("/api/ai/generate/hashtags/", {"product_id": stole.pk}, format="json").json()
    url = f"/api/products/{stole.pk}/content/{tags['content']['id']}/"
    edited = seller_client.patch(url, {"text": "#Kente kente, #Accra #accra hand made"}, format="json").json()
    assert edited["hashtags"] == ["#Kente", "#Accra", "#hand", "#made"]
    apply_tags = seller_client.patch(url, {"status": "approved", "apply": True}, format="json")
    assert apply_tags.status_code == 400 and apply_tags.json()["code"] == "not_applicable"

    post = seller_client.post("/api/ai/generate/social-post/", {"product_id": stole.pk, "platform": "twitter"},
                              format="json").json()
    post_url = f"/api/products/{stole.pk}/content/{post['content']['id']}/"
    too_long = seller_client.patch(post_url, {"text": "kente " * 60}, format="json")
    assert too_long.status_code == 400 and "280" in too_long.json()["details"]["text"][0]
    assert seller_client.patch(post_url, {"text": "   "}, format="json").status_code == 400
    broken = seller_client.patch(post_url, {"text": "New! #Kente #kente #Fête"}, format="json")
    assert broken.status_code == 400 and broken.json()["details"]["text"] == [
        "#kente repeats #Kente.", "#Fête: hashtags use only letters A-Z, digits and _ (try #Fete)."]
    link = seller_client.patch(post_url, {"text": "k" * 257 + " wa.me/233240000000"}, format="json")
    assert link.status_code == 400  # X counts every link as 23 characters: 281


def test_hashtags_stay_stored_when_only_the_stock_changes(seller_client, stole):
    first = seller_client.post("/api/ai/generate/hashtags/", {"product_id": stole.pk}, format="json").json()
    Product.objects.filter(pk=stole.pk).update(stock_quantity=1)
    again = seller_client.post("/api/ai/generate/hashtags/", {"product_id": stole.pk}, format="json").json()
    assert again["cached"] is True and again["content"]["id"] == first["content"]["id"]


def test_a_call_to_action_cannot_smuggle_broken_hashtags(seller_client, stole):
    post = seller_client.post("/api/ai/generate/social-post/", {
        "product_id": stole.pk, "platform": "instagram", "call_to_action": "#Kente #kente #KENTE #Fête order now"},
        format="json").json()["post"]
    assert "#Fête" not in post and "#kente" not in post and "#KENTE" not in post


def test_another_sellers_content_is_not_found(seller_client, stole):
    content = describe(seller_client, stole).json()["content"]
    other = authenticated_client(UserFactory(account_type="seller"))
    assert other.patch(f"/api/products/{stole.pk}/content/{content['id']}/", {"status": "approved"},
                       format="json").status_code == 404
    own = ProductFactory(seller=stole.seller)
    assert seller_client.get(f"/api/products/{own.pk}/content/{content['id']}/").status_code == 404


def test_generate_content_regenerates_in_the_language_asked(seller_client, stole):
    url = f"/api/products/{stole.pk}/generate_content/"
    first = seller_client.post(url, {"language_code": "fr"}, format="json").json()
    second = seller_client.post(url, {"language_code": "fr"}, format="json").json()
    assert (first["content"]["language"], first["content"]["version"]) == ("fr", 1)
    assert second["content"]["version"] == 2 and second["cached"] is False
    stored = seller_client.post(url, {"language_code": "fr", "regenerate": False}, format="json").json()
    assert stored["cached"] is True and stored["content"]["id"] == second["content"]["id"]
    assert seller_client.post(url, {"language_code": "de"}, format="json").json()["code"] == "language_unsupported"
    assert AIContent.objects.filter(product=stole).count() == 2


# --- Async --------------------------------------------------------------------------------------

def test_async_generation_answers_202_and_the_job_holds_the_result(seller_client, stole,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = describe(seller_client, stole, **{"async": True})

    assert response.status_code == 202
    job = response.json()
    assert job["url"] == f"/api/ai/jobs/{job['id']}/" and response["Location"] == job["url"]
    polled = seller_client.get(job["url"]).json()  # eager here: already done
    assert polled["status"] == "done" and polled["feature"] == "description"
    assert polled["result"]["message"] == "Description generated successfully."
    assert polled["result"]["content"]["id"] == AIContent.objects.get().pk

    with django_capture_on_commit_callbacks(execute=True):
        preferred = seller_client.post("/api/ai/generate/hashtags/", {"product_id": stole.pk},
                                       format="json", HTTP_PREFER="respond-async")
    assert preferred.status_code == 202 and preferred["Preference-Applied"] == "respond-async"

    other = authenticated_client(UserFactory(account_type="seller"))
    assert other.get(job["url"]).status_code == 404


def test_a_failed_async_job_carries_the_error(fake_openai, seller_client, stole, django_capture_on_commit_callbacks):
    fake_openai.fail(500)
    with django_capture_on_commit_callbacks(execute=True):
        job = describe(seller_client, stole, **{"async": True}).json()
    polled = seller_client.get(job["url"]).json()
    assert polled["status"] == "failed"
    assert polled["error"]["status"] == 502 and polled["error"]["code"] == "provider_error"
    assert polled["result"] is None


def test_a_job_no_worker_took_is_reported_failed(seller, seller_client, settings):
    job = AIJob.objects.create(user=seller, feature="description", params={})
    stale = timezone.now() - timedelta(minutes=settings.AI_JOB_STALE_MINUTES + 1)
    AIJob.objects.filter(pk=job.pk).update(created_at=stale)
    polled = seller_client.get(f"/api/ai/jobs/{job.pk}/").json()
    assert polled["status"] == "failed" and polled["error"]["code"] == "unavailable"


@pytest.mark.django_db(transaction=True)
def test_the_notifications_socket_hears_when_a_job_is_done(seller, stole):
    token = tokens_for_user(seller)["access"]
    client = authenticated_client(seller)

    async def scenario():
        socket = WebsocketCommunicator(application, f"/ws/notifications/?token={token}")
        await socket.connect()
        await socket.receive_json_from(timeout=2)  # the unread count on connect
        response = await database_sync_to_async(describe)(client, stole, **{"async": True})
        event = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return response.json(), event

    job, event = async_to_sync(scenario)()
    assert event == {"type": "job", "kind": "ai_generation", "id": job["id"], "feature": "description",
                     "status": "done", "url": job["url"]}
    assert AIJob.objects.get(pk=job["id"]).status == JobStatus.DONE


# --- Usage --------------------------------------------------------------------------------------

def test_usage_sums_the_users_calls_by_day_and_feature(settings, seller_client, seller, stole):
    settings.AI_DAILY_QUOTA = 10
    describe(seller_client, stole)
    describe(seller_client, stole, style="casual")
    seller_client.post("/api/ai/generate/hashtags/", {"product_id": stole.pk}, format="json")
    AIUsage.objects.create(user=UserFactory(), feature="description", provider="local", day=timezone.localdate(),
                           success=True)  # someone else's

    body = seller_client.get("/api/ai/usage/").json()

    assert body["provider"] == "local"
    assert body["quota"]["limit"] == 10 and body["quota"]["used"] == 3 and body["quota"]["remaining"] == 7
    assert body["quota"]["window_hours"] == 24
    oldest = AIUsage.objects.filter(user=seller).earliest("created_at").created_at
    assert body["quota"]["frees_up_at"] == (oldest + timedelta(hours=24)).isoformat().replace("+00:00", "Z")
    assert {(row["feature"], row["requests"], row["succeeded"]) for row in body["days"]} == {
        ("description", 2, 2), ("hashtags", 1, 1)}
    assert body["totals"]["requests"] == 3 and body["totals"]["prompt_tokens"] > 0
    assert seller_client.get("/api/ai/usage/", {"days": 0}).status_code == 400


# --- The openai provider behind the endpoints ----------------------------------------------------

def test_openai_descriptions_and_failures(fake_openai, seller_client, seller, stole):
    fake_openai.reply_text("Gold and green kente, woven by hand in Bonwire.", model="gpt-4o-mini-2024-07-18")
    ok = describe(seller_client, stole)
    assert ok.status_code == 200
    assert ok.json()["description"] == "Gold and green kente, woven by hand in Bonwire."
    assert (ok.json()["content"]["provider"], ok.json()["content"]["model"]) == ("openai", "gpt-4o-mini-2024-07-18")
    request = fake_openai.last_request
    assert "Handwoven Kente Stole" in request["messages"][-1]["content"]  # the product goes as data

    for script in (lambda: fake_openai.fail(500), lambda: fake_openai.refuse(), lambda: fake_openai.reply_text(""),
                   lambda: fake_openai.stall()):
        fake_openai.clear()
        script()
        failed = describe(seller_client, stole, regenerate=True)
        assert failed.status_code == 502 and failed.json()["code"] == "provider_error"
    reasons = list(AIUsage.objects.filter(user=seller, success=False).order_by("id").values_list("error", flat=True))
    assert reasons == ["provider_error", "refusal", "empty", "timeout"]
    # Failed calls give their place in the quota back.
    assert seller_client.get("/api/ai/usage/").json()["quota"]["used"] == 1


def test_openai_lists_are_cleaned_to_the_platform_rules(fake_openai, seller_client, stole):
    fake_openai.reply_json({"hashtags": ["#Kente", "kente", "#Ghana Fashion", "#", "#100", "#Accra!"]})
    tags = seller_client.post("/api/ai/generate/hashtags/", {"product_id": stole.pk, "count": 3},
                              format="json").json()["hashtags"]
    assert tags == ["#Kente", "#GhanaFashion", "#Accra"]
    assert fake_openai.last_request["response_format"]["type"] == "json_schema"

    fake_openai.clear()
    fake_openai.reply_json({"text": "Kente " * 100, "hashtags": ["#kente", "#ghana", "#accra"]})
    post = seller_client.post("/api/ai/generate/social-post/", {"product_id": stole.pk, "platform": "twitter"},
                              format="json").json()["post"]
    assert platform_length(post, "twitter") <= 280 and post.endswith("#kente #ghana")

    fake_openai.clear()
    fake_openai.reply_json({"hashtags": ["!!!", "   "]})
    nothing = seller_client.post("/api/ai/generate/hashtags/", {"product_id": stole.pk, "count": 5},
                                 format="json")
    assert nothing.status_code == 502 and nothing.json()["details"]["reason"] == "no_valid_hashtags"
    rejected = AIUsage.objects.latest("id")
    assert (rejected.success, rejected.error) == (False, "no_valid_hashtags")
    assert rejected.completion_tokens > 0  # billed by the provider, so it counts against the quota
    usage = seller_client.get("/api/ai/usage/").json()
    assert usage["quota"]["used"] == 3 and usage["totals"]["failed"] == 1


def test_openai_writes_languages_the_local_provider_cannot(fake_openai, seller_client, stole):
    fake_openai.reply_text("Kente a wɔnwene no wɔ Bonwire.")
    response = describe(seller_client, stole, language="tw")
    assert response.status_code == 200 and response.json()["content"]["language"] == "tw"
    assert "Twi" in fake_openai.last_request["messages"][0]["content"]


def test_products_still_serialize_with_generated_content(seller_client, stole):
    describe(seller_client, stole)
    assert seller_client.get(f"/api/products/{stole.pk}/").status_code == 200
    assert seller_client.delete(f"/api/products/{stole.pk}/").status_code == 204
    assert Product.objects.filter(pk=stole.pk, deleted_at__isnull=False).exists()
