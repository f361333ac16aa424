"""Posts through the public API: POST/GET /api/social/posts/, GET/PATCH/DELETE
/api/social/posts/{id}/, the API document's POST /api/products/{id}/create_social_post/ and
GET/POST /api/social/schedules/. Creation validates every target's platform and leaves targets
`draft` or `scheduled`; publishing is another step."""

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ai.models import AIUsage
from products.models import ProductImage
from social.models import AccountStatus, PostImage, PostStatus, PostTarget, SocialPost
from tests.accounts.factories import UserFactory
from tests.products.factories import ProductFactory
from tests.social.factories import PostTargetFactory, SocialAccountFactory

pytestmark = pytest.mark.django_db

FUTURE = "2030-01-15T09:00:00Z"
WHATSAPP_REFUSED = ("WhatsApp: SellFlow sends WhatsApp messages to customers from the chat and marketing apps, not as "
                    "posts (the WhatsApp Cloud API sends a message to one customer's number; it cannot post to Status "
                    "or Channels).")


def images_of(product, count: int) -> list[int]:
    return [ProductImage.objects.create(product=product, image=f"products/{product.pk}/{n}.jpg", position=n).pk
            for n in range(count)]


def link(product_id: int, platform: str, code: str) -> str:
    return f"{settings.API_PUBLIC_URL}/r/{code}"  # counts the visit, then on to the product (test_attribution)


def target_body(target: PostTarget, product_id: int | None, **changes) -> dict:
    return {"id": target.pk, "account": target.account_id, "account_username": target.account.platform_username,
            "platform": target.platform, "status": "draft", "scheduled_at": None, "published_at": None,
            "removed_at": None, "platform_post_id": "", "platform_url": "", "attempts": 0, "last_error": "",
            "code": target.code, "link": link(product_id, target.platform, target.code) if product_id else "",
            **changes}


def target_with_results(target: PostTarget, product_id: int | None, **changes) -> dict:
    return {**target_body(target, product_id, **changes), "clicks": 0, "orders": 0, "revenue": "0.00",
            "currency": target.post.seller.currency}


@pytest.fixture(autouse=True)
def frontend(settings):
    settings.FRONTEND_URL = "http://localhost:3000"


@pytest.fixture
def product(seller):
    return ProductFactory(seller=seller, name="Kente scarf")


@pytest.fixture
def facebook(seller):
    return SocialAccountFactory(seller=seller, platform="facebook", platform_username="amagadgets")


@pytest.fixture
def instagram(seller):
    return SocialAccountFactory(seller=seller, platform="instagram", platform_username="ama.gadgets")


@pytest.fixture
def x_account(seller):
    return SocialAccountFactory(seller=seller, platform="twitter", platform_username="ama_gadgets")


# --- create -------------------------------------------------------------------------------------

def test_a_cross_post_is_one_post_with_a_draft_target_per_account(seller_client, product, facebook, instagram):
    [first, second] = images_of(product, 2)

    response = seller_client.post("/api/social/posts/", {
        "content": "Handwoven kente, new colours this week.", "hashtags": ["#Kente", "Ghana"],
        "product": product.pk, "accounts": [facebook.pk, instagram.pk], "media": [second, first]}, format="json")

    assert response.status_code == 201, response.json()
    post = SocialPost.objects.get()
    on_facebook, on_instagram = post.targets.order_by("pk")
    media = list(post.media.order_by("position"))
    assert response.json() == {
        "id": post.pk, "product": product.pk, "content": "Handwoven kente, new colours this week.",
        "hashtags": ["#Kente", "#Ghana"], "text": "Handwoven kente, new colours this week.\n\n#Kente #Ghana",
        "media": [{"id": media[0].pk, "product_image": second, "upload": None, "position": 0,
                   "url": f"http://testserver/media/products/{product.pk}/1.jpg"},
                  {"id": media[1].pk, "product_image": first, "upload": None, "position": 1,
                   "url": f"http://testserver/media/products/{product.pk}/0.jpg"}],
        "targets": [target_with_results(on_facebook, product.pk), target_with_results(on_instagram, product.pk)],
        "created_at": response.json()["created_at"], "updated_at": response.json()["updated_at"],
    }
    assert on_facebook.code != on_instagram.code and len(on_facebook.code) == 10


def test_scheduled_at_without_an_offset_is_read_in_the_sellers_time_zone(seller, seller_client, facebook):
    seller.timezone = "Africa/Lagos"  # UTC+1 all year
    seller.save(update_fields=["timezone"])

    naive = seller_client.post("/api/social/posts/", {"content": "Sale on Saturday", "accounts": [facebook.pk],
                                                      "scheduled_at": "2030-01-15T09:00"}, format="json")
    offset = seller_client.post("/api/social/posts/", {"content": "Sale on Sunday", "accounts": [facebook.pk],
                                                       "scheduled_at": "2030-01-16T09:00:00-05:00"}, format="json")

    assert naive.status_code == 201, naive.json()
    assert [(t["status"], t["scheduled_at"]) for t in naive.json()["targets"]] == [
        ("scheduled", "2030-01-15T08:00:00Z")]
    assert [t["scheduled_at"] for t in offset.json()["targets"]] == ["2030-01-16T14:00:00Z"]
    assert naive.json()["targets"][0]["link"] == ""  # no product, no link


def test_the_document_body_posts_about_the_product_to_every_active_account_of_the_platform(
        seller, seller_client, product, facebook):
    second_page = SocialAccountFactory(seller=seller, platform="facebook")
    SocialAccountFactory(seller=seller, platform="facebook", status=AccountStatus.REVOKED)
    SocialAccountFactory(seller=seller, platform="instagram")

    response = seller_client.post(f"/api/products/{product.pk}/create_social_post/", {
        "platform": "facebook", "content": "Check out our new product!", "hashtags": "#Wireless #Tech",
        "is_scheduled": False}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    post = SocialPost.objects.get()
    assert (body["product"], body["content"], body["hashtags"], body["text"]) == (
        product.pk, "Check out our new product!", ["#Wireless", "#Tech"],
        "Check out our new product!\n\n#Wireless #Tech")
    assert [(t["account"], t["status"]) for t in body["targets"]] == [(facebook.pk, "draft"),
                                                                      (second_page.pk, "draft")]
    assert body["targets"][0]["link"] == link(product.pk, "facebook", post.targets.get(account=facebook).code)


def test_the_document_body_schedules_with_is_scheduled_and_chosen_accounts(seller_client, product, facebook,
                                                                          x_account):
    response = seller_client.post(f"/api/products/{product.pk}/create_social_post/", {
        "platform": "x", "content": "Back in stock", "hashtags": "#Kente", "is_scheduled": True,
        "scheduled_at": FUTURE, "accounts": [x_account.pk]}, format="json")

    assert response.status_code == 201, response.json()
    assert [(t["account"], t["platform"], t["status"], t["scheduled_at"]) for t in response.json()["targets"]] == [
        (x_account.pk, "twitter", "scheduled", FUTURE)]


def test_the_document_body_needs_a_connected_account_of_the_platform(seller_client, product, facebook):
    response = seller_client.post(f"/api/products/{product.pk}/create_social_post/", {
        "platform": "instagram", "content": "Hi", "hashtags": "", "is_scheduled": False}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_connected"
    assert SocialPost.objects.count() == 0


def test_generate_writes_the_copy_with_the_ai_app(seller, seller_client, product, x_account):
    response = seller_client.post("/api/social/posts/", {"product": product.pk, "accounts": [x_account.pk],
                                                         "generate": True}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["content"] and body["hashtags"]
    assert AIUsage.objects.filter(user=seller, feature="social_post", success=True).count() == 1


def test_generate_follows_the_sellers_ai_switch(seller, seller_client, product, x_account):
    seller.ai_description_enabled = False
    seller.save(update_fields=["ai_description_enabled"])

    response = seller_client.post("/api/social/posts/", {"product": product.pk, "accounts": [x_account.pk],
                                                         "generate": True}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "ai_disabled"
    assert SocialPost.objects.count() == 0


# --- the validation table ------------------------------------------------------------------------

TABLE = [
    # (platforms, body changes, images, field, message)
    (["twitter"], {"content": "a" * 281}, 0, "content",
     "X (Twitter): at most 280 characters with the hashtags and the link (281 here)."),
    (["twitter"], {"content": "a" * 256, "with_product": True}, 0, "content",
     "X (Twitter): at most 280 characters with the hashtags and the link (281 here)."),  # the link counts 23
    (["twitter"], {"content": "Hi"}, 5, "media", "X (Twitter): at most 4 images in a post (5 here)."),
    (["instagram"], {"content": "Hi"}, 0, "media", "Instagram: a post needs at least 1 image."),
    (["instagram"], {"content": "Hi", "hashtags": [f"#tag{n}" for n in range(31)]}, 1, "hashtags",
     "Instagram: At most 30 hashtags here."),
    (["instagram"], {"content": "a" * 2201}, 1, "content",
     "Instagram: at most 2200 characters with the hashtags and the link (2201 here)."),
    (["whatsapp"], {"content": "Hi"}, 0, "accounts", WHATSAPP_REFUSED),
    (["facebook"], {"content": "New #Tech and #tech"}, 0, "hashtags", "Facebook: #tech repeats #Tech."),
    (["facebook"], {"content": "Hello #Fête"}, 0, "hashtags",
     "Facebook: #Fête: hashtags use only letters A-Z, digits and _ (try #Fete)."),
    (["facebook"], {"content": "  "}, 0, "content", "Facebook: write something or add an image."),
    (["tiktok"], {"content": "Hi"}, 0, "accounts", "TikTok: SellFlow cannot publish there yet."),
]


@pytest.mark.parametrize(("platforms", "changes", "image_count", "field", "message"), TABLE,
                         ids=[f"{row[0][0]}-{row[3]}-{n}" for n, row in enumerate(TABLE)])
def test_a_post_a_platform_would_refuse_is_not_kept(seller, seller_client, product, platforms, changes, image_count,
                                                     field, message):
    accounts = [SocialAccountFactory(seller=seller, platform=platform).pk for platform in platforms]
    body = {"accounts": accounts, "media": images_of(product, image_count), **changes}
    if body.pop("with_product", False):
        body["product"] = product.pk

    response = seller_client.post("/api/social/posts/", body, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert message in response.json()["details"][field]
    assert SocialPost.objects.count() == PostTarget.objects.count() == 0


# --- WhatsApp takes messages, not posts -----------------------------------------------------------

@pytest.fixture
def whatsapp(seller):
    return SocialAccountFactory(seller=seller, platform="whatsapp", platform_user_id="106540352242922")


def test_a_whatsapp_account_is_refused_as_a_target_when_the_post_is_made(seller_client, product, facebook,
                                                                          whatsapp):
    response = seller_client.post("/api/social/posts/", {"content": "Back in stock", "product": product.pk,
                                                         "accounts": [facebook.pk, whatsapp.pk]}, format="json")

    assert response.status_code == 400
    assert response.json() == {"error": "The post breaks the rules of a platform it goes to.", "code": "invalid",
                               "details": {"accounts": [WHATSAPP_REFUSED]}}
    assert SocialPost.objects.count() == PostTarget.objects.count() == 0


def test_a_whatsapp_target_is_refused_before_the_ai_writes_anything(seller, seller_client, product, whatsapp):
    response = seller_client.post("/api/social/posts/", {"product": product.pk, "accounts": [whatsapp.pk],
                                                         "generate": True}, format="json")

    assert response.status_code == 400
    assert response.json()["details"] == {"accounts": [WHATSAPP_REFUSED]}
    assert AIUsage.objects.filter(user=seller).count() == 0


@pytest.mark.parametrize("generate", [False, True], ids=["written", "generate"])
@pytest.mark.parametrize("named", [False, True], ids=["every account", "named accounts"])
def test_the_document_body_refuses_whatsapp_with_the_reason(seller, seller_client, product, whatsapp, named,
                                                            generate):
    body = {"platform": "whatsapp", "content": "" if generate else "Back in stock", "hashtags": "",
            "is_scheduled": False, "generate": generate}
    if named:
        body["accounts"] = [whatsapp.pk]

    response = seller_client.post(f"/api/products/{product.pk}/create_social_post/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["details"] == {"platform": [WHATSAPP_REFUSED]}
    assert SocialPost.objects.count() == 0
    assert AIUsage.objects.filter(user=seller).count() == 0


def test_the_document_body_refuses_whatsapp_even_with_no_account_connected(seller_client, product):
    response = seller_client.post(f"/api/products/{product.pk}/create_social_post/", {
        "platform": "WhatsApp", "content": "Hi", "hashtags": "", "is_scheduled": False}, format="json")

    assert response.status_code == 400  # the reason, not "connect an account" (404 not_connected)
    assert response.json()["details"] == {"platform": [WHATSAPP_REFUSED]}


def test_the_same_text_fits_x_with_the_link_at_the_limit(seller_client, product, x_account):
    response = seller_client.post("/api/social/posts/", {"content": "a" * 255, "product": product.pk,
                                                         "accounts": [x_account.pk]}, format="json")

    assert response.status_code == 201, response.json()


def test_every_platform_says_what_it_refuses_in_one_answer(seller_client, x_account, instagram, product):
    response = seller_client.post("/api/social/posts/", {"content": "a" * 300, "accounts": [x_account.pk,
                                                                                          instagram.pk]},
                                  format="json")

    assert response.status_code == 400
    assert response.json()["details"] == {
        "content": ["X (Twitter): at most 280 characters with the hashtags and the link (300 here)."],
        "media": ["Instagram: a post needs at least 1 image."]}


def test_more_than_ten_images_are_refused(seller_client, product, instagram):
    response = seller_client.post("/api/social/posts/", {"content": "Hi", "accounts": [instagram.pk],
                                                         "media": images_of(product, 11)}, format="json")

    assert response.status_code == 400
    assert response.json()["details"] == {"media": ["Ensure this field has no more than 10 elements."]}


@pytest.mark.parametrize(("body", "field"), [
    ({"hashtags": ["#Fête"]}, "hashtags"),
    ({"hashtags": 12}, "hashtags"),
    ({"scheduled_at": "2020-01-01T09:00:00Z"}, "scheduled_at"),
    ({"scheduled_at": "next week"}, "scheduled_at"),
    ({"accounts": []}, "accounts"),
    ({"uploads": [2**63]}, "uploads"),  # past any database's integer: refused, not a 500
    ({"generate": True, "content": "", "product": None}, "product"),
    ({"generate": True}, "generate"),
])
def test_invalid_bodies(seller_client, facebook, body, field):
    response = seller_client.post("/api/social/posts/", {"content": "Hi", "accounts": [facebook.pk], **body},
                                  format="json")

    assert response.status_code == 400, response.json()
    assert (response.json()["code"], list(response.json()["details"])) == ("invalid", [field])


def test_an_account_that_is_not_active_is_refused(seller, seller_client, facebook):
    expired = SocialAccountFactory(seller=seller, platform="instagram", status=AccountStatus.EXPIRED)

    response = seller_client.post("/api/social/posts/", {"content": "Hi", "accounts": [facebook.pk, expired.pk]},
                                  format="json")

    assert response.status_code == 400
    assert response.json()["details"] == {"accounts": [f"{expired.pk}: Instagram account is expired."]}


def test_the_document_body_needs_scheduled_at_when_scheduled(seller_client, product, facebook):
    response = seller_client.post(f"/api/products/{product.pk}/create_social_post/", {
        "platform": "facebook", "content": "Hi", "hashtags": "#Tech", "is_scheduled": True}, format="json")

    assert response.status_code == 400
    assert response.json()["details"] == {"scheduled_at": ["Say when, with is_scheduled: true."]}


def test_the_document_body_refuses_accounts_of_another_platform(seller_client, product, facebook, instagram):
    response = seller_client.post(f"/api/products/{product.pk}/create_social_post/", {
        "platform": "facebook", "content": "Hi", "hashtags": "", "is_scheduled": False,
        "accounts": [facebook.pk, instagram.pk]}, format="json")

    assert response.status_code == 400
    assert response.json()["details"] == {"accounts": [f"{instagram.pk}: a Instagram account."]}


# --- ownership ----------------------------------------------------------------------------------

@pytest.fixture
def stranger():
    return UserFactory(account_type="seller")


def test_another_sellers_account_product_or_image_is_not_found(seller_client, facebook, stranger):
    their_account = SocialAccountFactory(seller=stranger)
    their_product = ProductFactory(seller=stranger)
    [their_image] = images_of(their_product, 1)

    answers = [
        seller_client.post("/api/social/posts/", {"content": "Hi", "accounts": [their_account.pk]}, format="json"),
        seller_client.post("/api/social/posts/", {"content": "Hi", "accounts": [facebook.pk],
                                                  "product": their_product.pk}, format="json"),
        seller_client.post("/api/social/posts/", {"content": "Hi", "accounts": [facebook.pk],
                                                  "media": [their_image]}, format="json"),
        seller_client.post(f"/api/products/{their_product.pk}/create_social_post/", {
            "platform": "facebook", "content": "Hi", "hashtags": "", "is_scheduled": False}, format="json"),
    ]

    assert [(answer.status_code, answer.json()["code"]) for answer in answers] == [(404, "not_found")] * 4
    assert answers[0].json()["details"] == {"accounts": [f"{their_account.pk}: no such account of yours."]}
    assert SocialPost.objects.count() == 0


def test_another_sellers_post_is_not_found(seller_client, stranger):
    their_post = PostTargetFactory(post__seller=stranger).post

    answers = [seller_client.get(f"/api/social/posts/{their_post.pk}/"),
               seller_client.patch(f"/api/social/posts/{their_post.pk}/", {"content": "Mine"}, format="json"),
               seller_client.delete(f"/api/social/posts/{their_post.pk}/"),
               seller_client.post("/api/social/schedules/", {"post": their_post.pk, "scheduled_at": FUTURE},
                                  format="json")]

    assert [answer.status_code for answer in answers] == [404] * 4
    assert seller_client.get("/api/social/posts/").json() == []
    assert SocialPost.objects.get().content != "Mine"


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/api/social/posts/"), ("post", "/api/social/posts/"), ("get", "/api/social/posts/1/"),
    ("get", "/api/social/schedules/"), ("post", "/api/social/schedules/"),
    ("post", "/api/products/1/create_social_post/")])
def test_buyers_are_refused(buyer_client, method, url):
    response = getattr(buyer_client, method)(url, {}, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


# --- idempotency --------------------------------------------------------------------------------

def test_a_retried_creation_with_the_same_key_creates_one_post(seller_client, product, facebook):
    body = {"platform": "facebook", "content": "Check out our new product!", "hashtags": "#Wireless #Tech",
            "is_scheduled": False}
    url = f"/api/products/{product.pk}/create_social_post/"

    first = seller_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="post-1")
    again = seller_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="post-1")
    other = seller_client.post("/api/social/posts/", {"content": "Hi", "accounts": [facebook.pk]}, format="json",
                               HTTP_IDEMPOTENCY_KEY="post-2")
    replayed_other = seller_client.post("/api/social/posts/", {"content": "Hi", "accounts": [facebook.pk]},
                                        format="json", HTTP_IDEMPOTENCY_KEY="post-2")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert replayed_other.json() == other.json()
    assert SocialPost.objects.count() == 2


def test_a_key_reused_for_another_body_is_refused(seller_client, facebook):
    seller_client.post("/api/social/posts/", {"content": "Hi", "accounts": [facebook.pk]}, format="json",
                       HTTP_IDEMPOTENCY_KEY="k")

    response = seller_client.post("/api/social/posts/", {"content": "Bye", "accounts": [facebook.pk]},
                                  format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert (response.status_code, response.json()["code"]) == (409, "idempotency_key_reused")
    assert SocialPost.objects.count() == 1


# --- detail, edit, delete -----------------------------------------------------------------------

def test_a_post_is_edited_and_checked_again_before_publishing(seller, seller_client, product):
    target = PostTargetFactory(post__seller=seller, post__product=product, account__platform="twitter")
    post = target.post
    [image] = images_of(product, 1)

    edited = seller_client.patch(f"/api/social/posts/{post.pk}/", {
        "content": "Now in blue", "hashtags": "#Kente #Blue", "media": [image],
        "scheduled_at": FUTURE}, format="json")
    too_long = seller_client.patch(f"/api/social/posts/{post.pk}/", {"content": "a" * 300}, format="json")

    assert edited.status_code == 200, edited.json()
    assert (edited.json()["text"], [m["product_image"] for m in edited.json()["media"]]) == (
        "Now in blue\n\n#Kente #Blue", [image])
    assert [(t["status"], t["scheduled_at"]) for t in edited.json()["targets"]] == [("scheduled", FUTURE)]
    assert too_long.status_code == 400 and "content" in too_long.json()["details"]
    assert seller_client.get(f"/api/social/posts/{post.pk}/").json() == edited.json()

    unscheduled = seller_client.patch(f"/api/social/posts/{post.pk}/", {"scheduled_at": None}, format="json")
    assert [(t["status"], t["scheduled_at"]) for t in unscheduled.json()["targets"]] == [("draft", None)]


def test_a_draft_post_is_deleted(seller, seller_client):
    post = PostTargetFactory(post__seller=seller).post

    response = seller_client.delete(f"/api/social/posts/{post.pk}/")

    assert response.status_code == 204
    assert SocialPost.objects.count() == PostTarget.objects.count() == 0


@pytest.mark.parametrize("locked", [PostStatus.PUBLISHED, PostStatus.PUBLISHING])
def test_a_post_on_its_way_to_a_platform_is_neither_edited_nor_deleted(seller, seller_client, locked):
    post = PostTargetFactory(post__seller=seller, status=PostStatus.DRAFT).post
    PostTargetFactory(post=post, account__platform="instagram", status=locked)

    edit = seller_client.patch(f"/api/social/posts/{post.pk}/", {"content": "Changed"}, format="json")
    delete = seller_client.delete(f"/api/social/posts/{post.pk}/")

    assert [(r.status_code, r.json()["code"]) for r in (edit, delete)] == [(409, "post_locked")] * 2
    post.refresh_from_db()
    assert post.content == "Fresh kente scarves, handwoven in Bonwire."


# --- list ----------------------------------------------------------------------------------------

def test_the_list_filters_by_status_platform_product_and_dates(seller, seller_client, product):
    on_x = PostTargetFactory(post__seller=seller, account__platform="twitter").post
    published = PostTargetFactory(post__seller=seller, post__product=product, status=PostStatus.PUBLISHED).post
    SocialPost.objects.filter(pk=on_x.pk).update(created_at="2026-01-10T12:00:00Z")

    def ids(query: str) -> list[int]:
        response = seller_client.get(f"/api/social/posts/?{query}")
        assert response.status_code == 200, response.json()
        return [post["id"] for post in response.json()]

    assert ids("") == [published.pk, on_x.pk]
    assert ids("status=published") == [published.pk]
    assert ids("platform=x") == [on_x.pk]
    assert ids(f"product={product.pk}") == [published.pk]
    assert ids("to=2026-02-01T00:00:00Z") == [on_x.pk]
    assert ids("from=2026-02-01T00:00:00Z") == [published.pk]
    assert ids("status=failed") == []
    assert seller_client.get("/api/social/posts/?status=gone").status_code == 400


def test_the_list_costs_the_same_queries_for_any_number_of_posts(seller, seller_client, product,
                                                                  django_assert_num_queries):
    def make_posts(count: int) -> None:
        [image] = images_of(product, 1)
        for _ in range(count):
            target = PostTargetFactory(post__seller=seller, post__product=product)
            PostTargetFactory(post=target.post, account__platform="instagram")
            target.post.media.create(product_image_id=image, position=0)

    make_posts(1)
    # the user, due targets to publish first (none), the count, posts, targets+accounts, media+images
    with django_assert_num_queries(6) as small:
        assert len(seller_client.get("/api/social/posts/").json()) == 1
    make_posts(5)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(seller_client.get("/api/social/posts/").json()) == 6


# --- schedules ----------------------------------------------------------------------------------

def test_the_calendar_lists_scheduled_targets_between_from_and_to(seller, seller_client, product):
    january = PostTargetFactory(post__seller=seller, post__product=product, status=PostStatus.SCHEDULED,
                                scheduled_at="2030-01-15T09:00:00Z")
    march = PostTargetFactory(post__seller=seller, status=PostStatus.SCHEDULED, scheduled_at="2030-03-01T09:00:00Z")
    PostTargetFactory(post__seller=seller, status=PostStatus.DRAFT)
    PostTargetFactory(status=PostStatus.SCHEDULED, scheduled_at="2030-01-20T09:00:00Z")  # another seller's

    everything = seller_client.get("/api/social/schedules/")
    in_january = seller_client.get("/api/social/schedules/?from=2030-01-01T00:00:00Z&to=2030-01-31T23:59:59Z")

    assert [row["id"] for row in everything.json()] == [january.pk, march.pk]
    assert everything["X-Total-Count"] == "2"
    assert in_january.json() == [{
        "post": january.post_id, "product": product.pk, "text": "Fresh kente scarves, handwoven in Bonwire.\n\n#Kente",
        **target_body(january, product.pk, status="scheduled", scheduled_at="2030-01-15T09:00:00Z")}]


def test_the_calendar_reads_bounds_without_an_offset_in_the_sellers_time_zone(seller, seller_client):
    seller.timezone = "Africa/Lagos"
    seller.save(update_fields=["timezone"])
    target = PostTargetFactory(post__seller=seller, status=PostStatus.SCHEDULED, scheduled_at="2030-01-15T23:30:00Z")

    # 23:30 UTC is 00:30 on the 16th in Lagos: not on the 15th of the seller's calendar.
    on_the_15th = seller_client.get("/api/social/schedules/?from=2030-01-15T00:00&to=2030-01-15T23:59:59")
    on_the_16th = seller_client.get("/api/social/schedules/?from=2030-01-16T00:00&to=2030-01-16T23:59:59")

    assert (on_the_15th.json(), [row["id"] for row in on_the_16th.json()]) == ([], [target.pk])


def test_scheduling_a_post_schedules_its_open_targets_only(seller, seller_client):
    draft = PostTargetFactory(post__seller=seller)
    published = PostTargetFactory(post=draft.post, account__platform="instagram", status=PostStatus.PUBLISHED)

    response = seller_client.post("/api/social/schedules/", {"post": draft.post_id, "scheduled_at": FUTURE},
                                  format="json", HTTP_IDEMPOTENCY_KEY="schedule-1")

    assert response.status_code == 200, response.json()
    assert [(row["id"], row["status"], row["scheduled_at"]) for row in response.json()] == [
        (draft.pk, "scheduled", FUTURE)]
    published.refresh_from_db()
    assert (published.status, published.scheduled_at) == (PostStatus.PUBLISHED, None)
    assert seller_client.post("/api/social/schedules/", {"post": draft.post_id, "scheduled_at": FUTURE},
                              format="json", HTTP_IDEMPOTENCY_KEY="schedule-1").json() == response.json()


def test_scheduling_names_accounts_of_the_post_only(seller, seller_client, facebook, instagram):
    target = PostTargetFactory(post__seller=seller, account=facebook)

    only_facebook = seller_client.post("/api/social/schedules/", {
        "post": target.post_id, "scheduled_at": FUTURE, "accounts": [facebook.pk]}, format="json")
    not_a_target = seller_client.post("/api/social/schedules/", {
        "post": target.post_id, "scheduled_at": FUTURE, "accounts": [instagram.pk]}, format="json")

    assert [row["account"] for row in only_facebook.json()] == [facebook.pk]
    assert not_a_target.status_code == 400
    assert not_a_target.json()["details"] == {"accounts": [f"{instagram.pk}: not a target of this post."]}


def test_a_post_with_nothing_left_to_schedule_is_a_conflict(seller, seller_client):
    target = PostTargetFactory(post__seller=seller, status=PostStatus.PUBLISHED)

    response = seller_client.post("/api/social/schedules/", {"post": target.post_id, "scheduled_at": FUTURE},
                                  format="json")

    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")


def test_scheduling_in_the_past_is_refused(seller, seller_client):
    target = PostTargetFactory(post__seller=seller)

    response = seller_client.post("/api/social/schedules/", {"post": target.post_id,
                                                             "scheduled_at": "2020-01-01T00:00:00Z"}, format="json")

    assert response.status_code == 400
    assert response.json()["details"] == {"scheduled_at": ["Choose a time in the future."]}


def test_another_sellers_account_is_not_found_when_scheduling(seller, seller_client, stranger):
    target = PostTargetFactory(post__seller=seller)
    theirs = SocialAccountFactory(seller=stranger)

    response = seller_client.post("/api/social/schedules/", {"post": target.post_id, "scheduled_at": FUTURE,
                                                             "accounts": [theirs.pk]}, format="json")

    assert response.status_code == 404


def test_generate_costs_nothing_when_an_account_is_refused_first(seller, seller_client, product):
    expired = SocialAccountFactory(seller=seller, platform="twitter", status=AccountStatus.EXPIRED)

    response = seller_client.post("/api/social/posts/", {"product": product.pk, "accounts": [expired.pk],
                                                         "generate": True}, format="json")

    assert response.status_code == 400
    assert AIUsage.objects.count() == 0


# --- uploaded images ----------------------------------------------------------------------------

def jpeg(name: str = "photo.jpg", size: tuple[int, int] = (40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "orange").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_uploaded_images_are_checked_like_product_images_and_go_with_a_post(seller, seller_client, instagram,
                                                                             product):
    [product_image] = images_of(product, 1)

    uploaded = seller_client.post("/api/social/media/", {"images": [jpeg(), jpeg("b.jpg", (20, 20))]},
                                  format="multipart")

    assert uploaded.status_code == 201, uploaded.json()
    first, second = PostImage.objects.order_by("pk")
    assert uploaded.json() == [
        {"id": first.pk, "url": f"http://testserver/media/{first.image.name}", "width": 40, "height": 30,
         "created_at": uploaded.json()[0]["created_at"]},
        {"id": second.pk, "url": f"http://testserver/media/{second.image.name}", "width": 20, "height": 20,
         "created_at": uploaded.json()[1]["created_at"]}]
    assert first.image.name.startswith(f"social/{seller.pk}/")

    post = seller_client.post("/api/social/posts/", {"content": "New in", "accounts": [instagram.pk],
                                                     "media": [product_image], "uploads": [second.pk, first.pk]},
                              format="json")

    assert post.status_code == 201, post.json()
    assert [(m["product_image"], m["upload"], m["position"]) for m in post.json()["media"]] == [
        (product_image, None, 0), (None, second.pk, 1), (None, first.pk, 2)]

    edited = seller_client.patch(f"/api/social/posts/{post.json()['id']}/", {"uploads": [first.pk]}, format="json")
    assert [(m["product_image"], m["upload"]) for m in edited.json()["media"]] == [
        (product_image, None), (None, first.pk)]


def test_a_file_that_is_not_an_image_is_refused(seller_client):
    fake = SimpleUploadedFile("x.jpg", b"GIF89a not really", content_type="image/jpeg")

    response = seller_client.post("/api/social/media/", {"images": [fake]}, format="multipart")

    assert (response.status_code, response.json()["code"]) == (400, "invalid_image")
    assert PostImage.objects.count() == 0


def test_uploads_count_towards_the_platforms_image_limits(seller, seller_client, x_account):
    uploads = [PostImage.objects.create(seller=seller, image=f"social/{seller.pk}/{n}.jpg").pk for n in range(5)]

    response = seller_client.post("/api/social/posts/", {"content": "Hi", "accounts": [x_account.pk],
                                                         "uploads": uploads}, format="json")

    assert response.status_code == 400
    assert response.json()["details"] == {"media": ["X (Twitter): at most 4 images in a post (5 here)."]}


def test_more_than_ten_images_together_are_refused(seller, seller_client, product, facebook):
    uploads = [PostImage.objects.create(seller=seller, image=f"social/{seller.pk}/{n}.jpg").pk for n in range(5)]

    response = seller_client.post("/api/social/posts/", {"content": "Hi", "accounts": [facebook.pk],
                                                         "media": images_of(product, 6), "uploads": uploads},
                                  format="json")

    assert response.status_code == 400
    assert response.json()["details"] == {"media": ["A post holds at most 10 images, media and uploads together."]}


def test_another_sellers_upload_is_not_found(seller_client, facebook, stranger):
    theirs = PostImage.objects.create(seller=stranger, image="social/x.jpg")

    response = seller_client.post("/api/social/posts/", {"content": "Hi", "accounts": [facebook.pk],
                                                         "uploads": [theirs.pk]}, format="json")

    assert response.status_code == 404
    assert response.json()["details"] == {"uploads": [f"{theirs.pk}: no such upload of yours."]}


def test_buyers_cannot_upload_post_images(buyer_client):
    response = buyer_client.post("/api/social/media/", {"images": [jpeg()]}, format="multipart")

    assert response.status_code == 403


def test_the_calendar_costs_the_same_queries_for_any_number_of_targets(seller, seller_client, product,
                                                                       django_assert_num_queries):
    def schedule(count: int) -> None:
        for _ in range(count):
            PostTargetFactory(post__seller=seller, post__product=product, status=PostStatus.SCHEDULED,
                              scheduled_at=FUTURE)

    schedule(1)
    # the user, due targets to publish first (none), the count, the targets with posts and accounts
    with django_assert_num_queries(4) as small:
        assert len(seller_client.get("/api/social/schedules/").json()) == 1
    schedule(5)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(seller_client.get("/api/social/schedules/").json()) == 6


def test_generate_counts_against_the_ai_quota(seller, seller_client, product, x_account, facebook, settings):
    settings.AI_DAILY_QUOTA = 1
    body = {"product": product.pk, "accounts": [x_account.pk], "generate": True}
    first = seller_client.post("/api/social/posts/", body, format="json")
    # The same copy asked again is the AI app's stored answer, free; copy for another platform is not.
    again = seller_client.post("/api/social/posts/", body, format="json")

    response = seller_client.post(f"/api/products/{product.pk}/create_social_post/", {
        "platform": "facebook", "content": "", "hashtags": "", "is_scheduled": False, "generate": True},
        format="json")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["content"] == first.json()["content"]

    assert (response.status_code, response.json()["code"]) == (429, "quota_exceeded")
    assert SocialPost.objects.count() == 2


@pytest.mark.parametrize("url", ["/api/social/posts/?to=", "/api/social/schedules/?from=",
                                 "/api/social/posts/?product="])
def test_a_blank_query_value_is_refused_not_ignored(seller_client, url):
    response = seller_client.get(url)

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert response.json()["details"] == {url.rsplit("?", 1)[1].rstrip("="): ["This field may not be blank."]}
