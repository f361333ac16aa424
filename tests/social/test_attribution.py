"""Post-to-sale attribution, as buyers and sellers reach it: a published post's link (/r/<code>)
counts the visit and sends the visitor to the product with a signed referral; a checkout by that
visitor within ATTRIBUTION_WINDOW_DAYS is credited to the post, and the post shows its clicks,
orders and revenue per target."""

import time
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from orders.models import Order
from sellflow.referrals import REFERRAL_COOKIE, VISITOR_COOKIE, read_referral
from social.models import PostClick, PostStatus
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.orders.conftest import ADDRESS
from tests.products.factories import ProductFactory
from tests.social.factories import PostTargetFactory, SocialPostFactory

BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"


@pytest.fixture(autouse=True)
def frontend(settings):
    settings.FRONTEND_URL = "https://shop.example"
    settings.API_PUBLIC_URL = "https://api.example"


@pytest.fixture
def seller(db):
    return UserFactory(account_type="seller", currency="GHS")


@pytest.fixture
def product(seller):
    return ProductFactory(seller=seller, price=Decimal("45.00"), currency="GHS", stock_quantity=20)


@pytest.fixture
def target(seller, product):
    post = SocialPostFactory(seller=seller, product=product)
    return PostTargetFactory(post=post, account__platform="instagram", status=PostStatus.PUBLISHED,
                             platform_post_id="17900001")


@pytest.fixture
def buyer(db):
    return UserFactory(account_type="buyer", is_verified=True)


@pytest.fixture
def buyer_client(buyer):
    return authenticated_client(buyer)


def visit(client, target, user_agent=BROWSER, **query):
    return client.get(f"/r/{target.code}", query, HTTP_USER_AGENT=user_agent, HTTP_REFERER="https://l.instagram.com/")


def checkout(client, product, quantity=1, **body):
    added = client.post("/api/orders/cart/add_item/", {"product_id": product.pk, "quantity": quantity}, format="json")
    assert added.status_code == 200, added.json()
    response = client.post("/api/orders/checkout/", {**ADDRESS, "payment_method": "cash_on_delivery", **body},
                           format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def target_results(client, post_id) -> list[tuple]:
    body = client.get(f"/api/social/posts/{post_id}/").json()
    return [(t["id"], t["clicks"], t["orders"], t["revenue"], t["currency"]) for t in body["targets"]]


# --- the link ----------------------------------------------------------------------------------

def test_a_visit_is_recorded_and_sent_on_to_the_product_with_its_referral(buyer_client, target, product):
    response = visit(buyer_client, target, utm_campaign="december_sale")

    assert response.status_code == 302
    assert response["Cache-Control"] == "no-store"
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"https://shop.example/product/{product.pk}/"
    query = parse_qs(location.query)
    assert (query["utm_source"], query["utm_medium"], query["utm_campaign"], query["ref"]) == (
        ["instagram"], ["social"], ["social_post"], [target.code])
    click = PostClick.objects.get()
    assert (click.seller, click.post, click.target, click.product, click.platform) == (
        target.post.seller, target.post, target, product, "instagram")
    assert click.utm == {"utm_campaign": "december_sale"}
    assert click.referrer == "https://l.instagram.com/"
    visitor = response.cookies[VISITOR_COOKIE]
    assert click.visitor == visitor.value and visitor["httponly"] and visitor["samesite"] == "Lax"
    referral = read_referral(response.cookies[REFERRAL_COOKIE].value)
    assert (referral.click_id, referral.seller_id, referral.post_id, referral.platform) == (
        click.pk, target.post.seller_id, target.post_id, "instagram")
    assert query["sf_ref"] == [response.cookies[REFERRAL_COOKIE].value]


def test_the_same_visitor_back_through_the_same_link_is_the_same_click(target):
    browser = APIClient()
    first = visit(browser, target)
    again = visit(browser, target)

    assert PostClick.objects.count() == 1
    assert read_referral(again.cookies[REFERRAL_COOKIE].value).click_id == PostClick.objects.get().pk
    assert again.cookies[VISITOR_COOKIE].value == first.cookies[VISITOR_COOKIE].value
    visit(APIClient(), target)  # another browser
    assert PostClick.objects.count() == 2


@pytest.mark.parametrize("user_agent", [
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "Twitterbot/1.0",
    "WhatsApp/2.23.20.0", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)", "curl/8.5.0",
    "python-requests/2.32.3", ""])
def test_link_previews_and_crawlers_are_sent_on_uncounted(target, product, user_agent):
    response = visit(APIClient(), target, user_agent=user_agent)

    assert response.status_code == 302 and f"/product/{product.pk}/" in response["Location"]
    assert "sf_ref" not in response["Location"] and REFERRAL_COOKIE not in response.cookies
    assert PostClick.objects.count() == 0


@pytest.mark.parametrize("user_agent", [
    "Mozilla/5.0 (Linux; Android 13; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile "
    "Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    "[LinkedInApp]/9.29.8962",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    "Instagram 334.0.4.32.98 (iPhone14,5; iOS 17_5; en_GB)"])
def test_phones_and_in_app_browsers_are_visitors(target, user_agent):
    visit(APIClient(), target, user_agent=user_agent)

    assert PostClick.objects.count() == 1


def test_a_head_request_is_not_a_visit(target):
    response = APIClient().head(f"/r/{target.code}", HTTP_USER_AGENT=BROWSER)

    assert response.status_code == 302
    assert PostClick.objects.count() == 0


@pytest.mark.parametrize("status", [PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.FAILED])
def test_the_link_of_a_post_not_published_counts_nothing(target, status):
    target.status = status
    target.save()

    assert visit(APIClient(), target).status_code == 302
    assert PostClick.objects.count() == 0


def test_one_address_past_its_visits_a_minute_through_a_link_is_sent_on_uncounted(target, settings, seller):
    settings.SOCIAL_CLICKS_PER_MINUTE = 2

    answers = [visit(APIClient(), target) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [302, 302, 302]
    assert PostClick.objects.count() == 2
    assert REFERRAL_COOKIE not in answers[2].cookies
    # Buyers behind the same carrier address keep counting through the seller's other links.
    other = PostTargetFactory(post=SocialPostFactory(seller=seller), status=PostStatus.PUBLISHED)
    assert REFERRAL_COOKIE in visit(APIClient(), other).cookies


def test_an_unknown_code_is_a_404_in_the_error_shape(db):
    response = APIClient().get("/r/NOSUCHCODE", HTTP_USER_AGENT=BROWSER)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_post_without_a_product_any_more_sends_the_visitor_to_the_shop(target, product):
    product.delete()  # hard delete: the post's product is set to null

    response = visit(APIClient(), target)

    assert response.status_code == 302 and response["Location"] == "https://shop.example/"
    assert PostClick.objects.get().product is None


# --- from click to order ------------------------------------------------------------------------

def test_a_checkout_after_a_visit_is_credited_to_the_post(buyer_client, target, product, seller):
    visit(buyer_client, target)  # the cookie is kept by the buyer's browser
    click = PostClick.objects.get()

    order = checkout(buyer_client, product, quantity=2, source="website")

    assert order["source"] == "instagram"  # the post's platform, not what the page guessed
    assert order["attribution"] == {"post_id": target.post_id, "click_id": click.pk,
                                    "clicked_at": click.clicked_at.replace(microsecond=0).isoformat().replace("+00:00",
                                                                                                           "Z")}
    stored = Order.objects.get()
    assert (stored.referral_click_id, stored.referral_post_id) == (click.pk, target.post_id)
    seller_client = authenticated_client(seller)
    # Pending: an order, no revenue yet; confirmed by the seller: its total counts.
    assert target_results(seller_client, target.post_id) == [(target.pk, 1, 1, "0.00", "GHS")]
    assert seller_client.post(f"/api/orders/orders/{stored.pk}/confirm/").status_code == 200
    assert target_results(seller_client, target.post_id) == [(target.pk, 1, 1, stored.total_amount and
                                                              f"{stored.total_amount:.2f}", "GHS")]


def test_the_referral_in_the_body_credits_the_order_without_the_cookie(target, product, buyer):
    link = visit(APIClient(), target)  # clicked in an in-app browser, bought in another
    referral = parse_qs(urlsplit(link["Location"]).query)["sf_ref"][0]

    order = checkout(authenticated_client(buyer), product, referral=referral)

    assert order["source"] == "instagram"
    assert order["attribution"]["click_id"] == PostClick.objects.get().pk


def test_a_cancelled_order_counts_neither_as_an_order_nor_as_revenue(buyer_client, target, product, seller):
    visit(buyer_client, target)
    order = checkout(buyer_client, product)
    assert buyer_client.post(f"/api/orders/orders/{order['id']}/cancel/", {}, format="json").status_code == 200

    assert target_results(authenticated_client(seller), target.post_id) == [(target.pk, 1, 0, "0.00", "GHS")]


def test_a_referral_credits_the_buyer_who_first_ordered_with_it_and_nobody_else(target, product, buyer):
    link = visit(APIClient(), target)
    referral = parse_qs(urlsplit(link["Location"]).query)["sf_ref"][0]
    first = authenticated_client(buyer)
    assert checkout(first, product, referral=referral)["attribution"] is not None

    # The product link passed on, referral and all: another buyer's order is theirs, not the post's.
    passed_on = checkout(authenticated_client(UserFactory(account_type="buyer", is_verified=True)), product,
                         referral=referral, source="whatsapp")
    assert (passed_on["source"], passed_on["attribution"]) == ("whatsapp", None)
    # The first buyer coming back within the window is still the post's.
    assert checkout(first, product, referral=referral)["attribution"]["click_id"] == PostClick.objects.get().pk


def test_a_refunded_order_is_not_counted(buyer_client, target, product, seller):
    visit(buyer_client, target)
    order = checkout(buyer_client, product)
    Order.objects.filter(pk=order["id"]).update(status="refunded")  # the money went back

    assert target_results(authenticated_client(seller), target.post_id) == [(target.pk, 1, 0, "0.00", "GHS")]


def test_a_link_with_a_slash_added_goes_to_the_link(target):
    response = APIClient().get(f"/r/{target.code}/?utm_source=ig", HTTP_USER_AGENT=BROWSER)

    assert response.status_code == 302 and response["Location"] == f"/r/{target.code}?utm_source=ig"


def test_a_visit_to_another_sellers_post_credits_nothing_here(buyer_client, target, buyer):
    other_product = ProductFactory(price=Decimal("20.00"), currency="GHS", stock_quantity=5)
    visit(buyer_client, target)

    order = checkout(buyer_client, other_product, source="facebook")

    assert (order["source"], order["attribution"]) == ("facebook", None)


def test_a_referral_past_the_window_credits_nothing(buyer_client, target, product, settings, monkeypatch):
    settings.ATTRIBUTION_WINDOW_DAYS = 7
    real_time = time.time
    with monkeypatch.context() as past:
        past.setattr(time, "time", lambda: real_time() - 8 * 86400)
        visit(buyer_client, target)

    order = checkout(buyer_client, product)

    assert (order["source"], order["attribution"]) == ("direct", None)


def test_an_altered_referral_is_ignored(buyer_client, target, product):
    link = visit(APIClient(), target)
    token = parse_qs(urlsplit(link["Location"]).query)["sf_ref"][0]
    tampered = token.replace(token.split(":")[0], token.split(":")[0][:-2] + "AA", 1)

    for value in ("not-a-referral", tampered):
        order = checkout(buyer_client, product, referral=value)
        assert (order["source"], order["attribution"]) == ("direct", None)
    buyer_client.cookies[REFERRAL_COOKIE] = "x" * 600  # a cookie is read, never refused
    assert checkout(buyer_client, product)["attribution"] is None


def test_a_referral_longer_than_any_this_server_signs_is_a_400(buyer_client, product):
    buyer_client.post("/api/orders/cart/add_item/", {"product_id": product.pk, "quantity": 1}, format="json")

    response = buyer_client.post("/api/orders/checkout/", {**ADDRESS, "payment_method": "cash_on_delivery",
                                                           "referral": "x" * 501}, format="json")

    assert response.status_code == 400
    assert response.json()["details"]["referral"] == ["Ensure this field has no more than 500 characters."]
    assert Order.objects.count() == 0


# --- after the post --------------------------------------------------------------------------------

def test_a_click_outlives_its_post_for_the_reports(buyer_client, target, seller):
    visit(buyer_client, target)
    post = target.post
    post.targets.update(status=PostStatus.DRAFT)  # deletable again
    assert authenticated_client(seller).delete(f"/api/social/posts/{post.pk}/").status_code == 204

    click = PostClick.objects.get()
    assert (click.post, click.target, click.seller, click.platform) == (None, None, seller, "instagram")


def test_the_post_list_reads_its_results_in_fixed_queries(seller, product, buyer_client):
    seller_client = authenticated_client(seller)

    def queries_for_list():
        with CaptureQueriesContext(connection) as captured:
            assert seller_client.get("/api/social/posts/").status_code == 200
        return len(captured)

    first = PostTargetFactory(post=SocialPostFactory(seller=seller, product=product), status=PostStatus.PUBLISHED)
    visit(buyer_client, first)
    checkout(buyer_client, product)
    few = queries_for_list()
    for _ in range(4):
        more = PostTargetFactory(post=SocialPostFactory(seller=seller, product=product), status=PostStatus.PUBLISHED)
        visit(APIClient(), more)

    assert queries_for_list() == few
    listed = seller_client.get("/api/social/posts/").json()
    assert sorted((t["clicks"], t["orders"]) for post in listed for t in post["targets"]) == [
        (1, 0), (1, 0), (1, 0), (1, 0), (1, 1)]


@pytest.mark.parametrize("path", ["/r/e%C3%A9", "/r/a/b/c", "/r/", "/r/" + "A" * 40])
def test_any_other_link_is_a_json_404(db, path):
    response = APIClient().get(path, HTTP_USER_AGENT=BROWSER)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
