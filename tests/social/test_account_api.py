"""GET/POST /api/social/accounts/, GET /api/social/accounts/{id}/ and POST
/api/social/accounts/disconnect/ through the public API, against a fake Graph API and X API: the
token is checked at the platform before it is stored, never answered, never logged."""

import logging

import pytest

from social.models import AccountStatus, SocialAccount
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.social.accounts_helpers import raw_columns
from tests.social.conftest import graph_error, sent_to
from tests.social.factories import SocialAccountFactory

pytestmark = pytest.mark.django_db

PAGE = "1015550001"
TOKEN = "EAAPageToken-typed-by-the-seller"
CONNECT = {"platform": "facebook", "platform_user_id": PAGE, "platform_username": "mybusiness",
           "access_token": TOKEN}


def page_answers(fake_platform, page=PAGE):
    fake_platform.routes[f"/v24.0/{page}"] = (200, {"id": page, "name": "Ama's Gadgets",
                                                   "picture": {"data": {"url": "https://cdn.test/p.jpg"}}})
    fake_platform.routes[f"/v24.0/{page}/subscribed_apps"] = (200, {"success": True})


def assert_no_token_in(text: str, *tokens: str) -> None:
    for token in tokens:
        assert token not in text


# --- connect ------------------------------------------------------------------------------------

def test_a_token_the_platform_vouches_for_connects_the_account(seller_client, seller, fake_platform, caplog):
    page_answers(fake_platform)
    caplog.set_level(logging.DEBUG)

    response = seller_client.post("/api/social/accounts/", CONNECT)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in ("platform", "platform_user_id", "platform_username", "display_name",
                                       "avatar_url", "status")} == {
        "platform": "facebook", "platform_user_id": PAGE, "platform_username": "mybusiness",
        "display_name": "Ama's Gadgets", "avatar_url": "https://cdn.test/p.jpg", "status": "active"}
    assert_no_token_in(response.content.decode(), TOKEN)
    assert "access_token" not in body and "refresh_token" not in body
    [asked] = sent_to(fake_platform, f"/v24.0/{PAGE}")
    assert asked.headers["authorization"] == f"Bearer {TOKEN}"
    account = SocialAccount.objects.get(seller=seller)
    assert account.access_token == TOKEN
    assert TOKEN not in raw_columns(account.pk)[0]
    assert_no_token_in(caplog.text, TOKEN)


def test_connecting_the_same_account_again_replaces_its_token(seller_client, seller, fake_platform):
    page_answers(fake_platform)
    SocialAccountFactory(seller=seller, platform="facebook", platform_user_id=PAGE, status=AccountStatus.EXPIRED,
                         access_token="old-token", last_error="expired")

    response = seller_client.post("/api/social/accounts/", CONNECT)

    assert response.status_code == 200
    account = SocialAccount.objects.get(seller=seller)
    assert (account.status, account.access_token, account.last_error) == ("active", TOKEN, "")


def test_x_is_taken_as_twitter_and_the_token_names_its_own_account(seller_client, seller, fake_platform):
    fake_platform.routes["/2/users/me"] = (200, {"data": {"id": "2244994945", "username": "amagadgets",
                                                         "name": "Ama Gadgets"}})

    response = seller_client.post("/api/social/accounts/", {"platform": "X", "access_token": "x-token",
                                                            "refresh_token": "x-refresh"})

    assert response.status_code == 201, response.json()
    assert (response.json()["platform"], response.json()["platform_user_id"]) == ("twitter", "2244994945")
    account = SocialAccount.objects.get(seller=seller)
    assert (account.access_token, account.refresh_token) == ("x-token", "x-refresh")


def test_a_token_the_platform_refuses_is_not_stored(seller_client, fake_platform, caplog):
    fake_platform.routes[f"/v24.0/{PAGE}"] = graph_error(190, "Error validating access token", status=401)
    caplog.set_level(logging.DEBUG)

    response = seller_client.post("/api/social/accounts/", CONNECT)

    assert response.status_code == 400
    assert response.json()["code"] == "token_refused"
    assert response.json()["details"]["platform"] == "facebook"
    assert not SocialAccount.objects.exists()
    assert_no_token_in(response.content.decode() + caplog.text, TOKEN)


def test_a_token_acting_as_another_page_is_refused(seller_client, fake_platform):
    fake_platform.routes[f"/v24.0/{PAGE}"] = (200, {"id": "999", "name": "Someone else's page"})

    response = seller_client.post("/api/social/accounts/", CONNECT)

    assert (response.status_code, response.json()["code"]) == (400, "account_refused")
    assert not SocialAccount.objects.exists()


def test_a_platform_that_is_down_is_a_502(seller_client, fake_platform, settings):
    settings.META_GRAPH_URL = "http://127.0.0.1:9"  # nothing listens there

    response = seller_client.post("/api/social/accounts/", CONNECT)

    assert response.status_code == 502
    assert response.json()["code"] == "provider_error"
    assert not SocialAccount.objects.exists()


def test_a_rate_limited_platform_is_a_502_with_retry_after(seller_client, fake_platform):
    status, body = graph_error(4, "Application request limit reached")
    fake_platform.routes[f"/v24.0/{PAGE}"] = (status, body, {"Retry-After": "120"})

    response = seller_client.post("/api/social/accounts/", CONNECT)

    assert response.status_code == 502
    assert response["Retry-After"] == "120"
    assert response.json()["details"]["retry_after"] == 120


def test_a_platform_without_app_credentials_is_a_503(seller_client, fake_platform, settings):
    settings.X_CLIENT_ID = ""
    fake_platform.routes["/2/users/me"] = (200, {"data": {"id": "1", "username": "a"}})

    # A manual token needs no app: only OAuth does. The token is checked and stored.
    assert seller_client.post("/api/social/accounts/", {"platform": "twitter", "access_token": "t"}).status_code == 201
    assert seller_client.get("/api/social/oauth/twitter/start/").status_code == 503


@pytest.mark.parametrize(("body", "field"), [
    ({"platform": "myspace", "access_token": "t"}, "platform"),
    ({"platform": "website", "access_token": "t"}, "platform"),
    ({"platform": "facebook"}, "access_token"),
    ({"platform": "facebook", "access_token": "t" * 5000}, "access_token"),
])
def test_invalid_bodies_are_400_with_the_field(seller_client, body, field):
    response = seller_client.post("/api/social/accounts/", body)

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert field in response.json()["details"]


def test_a_platform_without_a_client_is_refused(seller_client):
    response = seller_client.post("/api/social/accounts/", {"platform": "tiktok", "access_token": "t"})

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert "platform" in response.json()["details"]


# --- the Page's webhooks -------------------------------------------------------------------------

def test_connecting_a_page_subscribes_the_app_to_its_webhooks_with_the_page_token(seller_client, seller,
                                                                                   fake_platform):
    page_answers(fake_platform)

    response = seller_client.post("/api/social/accounts/", CONNECT)

    assert response.status_code == 201
    [subscribed] = sent_to(fake_platform, f"/v24.0/{PAGE}/subscribed_apps")
    assert subscribed.method == "POST"
    assert subscribed.headers["authorization"] == f"Bearer {TOKEN}"
    assert subscribed.form == {"subscribed_fields": "feed,mention"}
    assert "appsecret_proof" in subscribed.query
    account = SocialAccount.objects.get(seller=seller)
    assert account.webhooks_subscribed_at is not None
    assert (account.status, response.json()["last_error"]) == ("active", "")


@pytest.mark.parametrize("answer", [
    graph_error(200, "(#200) To subscribe to the feed field, one of these permissions is needed: "
                     "pages_manage_metadata", status=403),
    (503, {"error": {"message": "Service temporarily unavailable", "code": 2}}),
])
def test_a_refused_subscription_leaves_the_page_connected_and_says_why(seller_client, seller, fake_platform,
                                                                       caplog, answer):
    page_answers(fake_platform)
    fake_platform.routes[f"/v24.0/{PAGE}/subscribed_apps"] = answer
    caplog.set_level(logging.DEBUG)

    response = seller_client.post("/api/social/accounts/", CONNECT)

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "active"
    assert body["last_error"].startswith("Connected, but Facebook does not send this account's comments")
    assert answer[1]["error"]["message"] in body["last_error"]
    account = SocialAccount.objects.get(seller=seller)
    assert (account.status, account.access_token, account.webhooks_subscribed_at) == ("active", TOKEN, None)
    assert "page webhooks not subscribed" in caplog.text
    assert_no_token_in(caplog.text, TOKEN)


def test_an_instagram_account_is_subscribed_through_its_linked_page(seller_client, seller, fake_platform):
    fake_platform.routes["/v24.0/17841400001"] = (200, {"id": "17841400001", "username": "ama.gadgets"})
    fake_platform.routes[f"/v24.0/{PAGE}/subscribed_apps"] = (200, {"success": True})

    response = seller_client.post("/api/social/accounts/", {"platform": "instagram", "access_token": TOKEN,
                                                            "platform_user_id": "17841400001", "page_id": PAGE})

    assert response.status_code == 201
    [subscribed] = sent_to(fake_platform, f"/v24.0/{PAGE}/subscribed_apps")
    assert subscribed.headers["authorization"] == f"Bearer {TOKEN}"
    assert SocialAccount.objects.get(seller=seller).webhooks_subscribed_at is not None


def test_an_instagram_account_without_its_page_is_connected_and_told_so(seller_client, seller, fake_platform):
    fake_platform.routes["/v24.0/17841400001"] = (200, {"id": "17841400001", "username": "ama.gadgets"})

    response = seller_client.post("/api/social/accounts/", {"platform": "instagram", "access_token": TOKEN,
                                                            "platform_user_id": "17841400001"})

    assert (response.status_code, response.json()["status"]) == (201, "active")
    assert "Facebook Page linked to this account is not known" in response.json()["last_error"]
    assert not [sent for sent in fake_platform.received if "subscribed_apps" in sent.path]


def test_x_accounts_subscribe_nothing(seller_client, fake_platform):
    fake_platform.routes["/2/users/me"] = (200, {"data": {"id": "2244994945", "username": "amagadgets"}})

    response = seller_client.post("/api/social/accounts/", {"platform": "twitter", "access_token": "x-token"})

    assert (response.status_code, response.json()["last_error"]) == (201, "")
    assert [sent.path.partition("?")[0] for sent in fake_platform.received] == ["/2/users/me"]


def test_without_the_app_secret_no_page_is_subscribed(seller_client, seller, fake_platform, settings):
    """Meta's deliveries could not be verified (so they would all be refused): nothing is asked."""
    settings.META_APP_SECRET = ""
    page_answers(fake_platform)

    response = seller_client.post("/api/social/accounts/", CONNECT)

    assert (response.status_code, response.json()["last_error"]) == (201, "")
    assert sent_to(fake_platform, f"/v24.0/{PAGE}/subscribed_apps") == []
    assert SocialAccount.objects.get(seller=seller).webhooks_subscribed_at is None


# --- reading ------------------------------------------------------------------------------------

def test_the_list_is_the_sellers_own_accounts_as_an_array_with_paging_headers(seller_client, seller):
    mine = SocialAccountFactory.create_batch(3, seller=seller)
    SocialAccountFactory()  # another seller's

    response = seller_client.get("/api/social/accounts/", {"page_size": 2})

    assert [row["id"] for row in response.json()] == [account.pk for account in mine[:2]]
    assert response["X-Total-Count"] == "3"
    assert 'rel="next"' in response["Link"]
    assert_no_token_in(response.content.decode(), *(account.access_token for account in mine))


def test_the_list_filters_by_platform_and_status(seller_client, seller):
    SocialAccountFactory(seller=seller, platform="facebook")
    twitter = SocialAccountFactory(seller=seller, platform="twitter")
    SocialAccountFactory(seller=seller, platform="twitter", status=AccountStatus.REVOKED, access_token="")

    response = seller_client.get("/api/social/accounts/", {"platform": "x", "status": "active"})

    assert [row["id"] for row in response.json()] == [twitter.pk]


@pytest.mark.parametrize("count", [2, 30])
def test_the_list_query_count_is_fixed(seller, count, django_assert_max_num_queries):
    SocialAccountFactory.create_batch(count, seller=seller)
    client = authenticated_client(seller)

    with django_assert_max_num_queries(3):  # user, count, page
        response = client.get("/api/social/accounts/")

    assert len(response.json()) == count


def test_one_account_is_shown_to_its_seller_only(seller_client, seller):
    account = SocialAccountFactory(seller=seller)
    foreign = SocialAccountFactory()

    assert seller_client.get(f"/api/social/accounts/{account.pk}/").json()["id"] == account.pk
    response = seller_client.get(f"/api/social/accounts/{foreign.pk}/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/api/social/accounts/"), ("post", "/api/social/accounts/"), ("get", "/api/social/accounts/1/"),
    ("post", "/api/social/accounts/disconnect/"), ("get", "/api/social/oauth/facebook/start/")])
def test_buyers_are_refused_and_strangers_must_sign_in(buyer_client, api_client, method, url):
    assert getattr(buyer_client, method)(url, {}).status_code == 403
    assert getattr(api_client, method)(url, {}).status_code == 401


# --- disconnect ---------------------------------------------------------------------------------

def test_disconnect_revokes_at_the_platform_deletes_the_tokens_and_keeps_the_row(seller_client, seller,
                                                                                fake_platform):
    account = SocialAccountFactory(seller=seller, platform="twitter", platform_user_id="2244994945",
                                   access_token="x-access", refresh_token="x-refresh")
    other = SocialAccountFactory(seller=seller, platform="facebook")
    fake_platform.routes["/2/oauth2/revoke"] = (200, {"revoked": True})

    response = seller_client.post("/api/social/accounts/disconnect/", {"platform": "twitter"})

    assert response.status_code == 200
    assert response.json()["platform"] == "twitter"
    assert [row["id"] for row in response.json()["disconnected"]] == [account.pk]
    assert response.json()["disconnected"][0]["status"] == "revoked"
    revoked = [received.form["token"] for received in sent_to(fake_platform, "/2/oauth2/revoke")]
    assert revoked == ["x-refresh", "x-access"]
    account.refresh_from_db()
    assert (account.status, account.access_token, account.refresh_token) == ("revoked", "", "")
    assert raw_columns(account.pk) == ("", "")
    other.refresh_from_db()
    assert other.status == "active" and other.access_token


@pytest.mark.parametrize("answer", [graph_error(200, "Page tokens cannot do this", status=400),
                                    (500, {"error": {"message": "boom", "code": 1}})])
def test_disconnect_goes_through_when_the_platform_refuses_or_fails_the_revocation(seller_client, seller,
                                                                                  fake_platform, answer):
    account = SocialAccountFactory(seller=seller, platform="facebook")
    fake_platform.routes["/v24.0/me/permissions"] = answer

    response = seller_client.post("/api/social/accounts/disconnect/", {"platform": "facebook"})

    assert response.status_code == 200
    assert sent_to(fake_platform, "/v24.0/me/permissions")
    account.refresh_from_db()
    assert (account.status, account.access_token) == ("revoked", "")


def test_disconnect_goes_through_when_the_platform_is_down(seller_client, seller, fake_platform, settings):
    settings.X_API_URL = "http://127.0.0.1:9"
    account = SocialAccountFactory(seller=seller, platform="twitter", refresh_token="r")

    assert seller_client.post("/api/social/accounts/disconnect/", {"platform": "x"}).status_code == 200
    account.refresh_from_db()
    assert (account.status, account.access_token, account.refresh_token) == ("revoked", "", "")


def test_disconnect_can_name_one_account(seller_client, seller, fake_platform):
    fake_platform.routes["/v24.0/me/permissions"] = (200, {"success": True})
    first, second = SocialAccountFactory.create_batch(2, seller=seller, platform="facebook")

    response = seller_client.post("/api/social/accounts/disconnect/",
                                  {"platform": "facebook", "platform_user_id": second.platform_user_id})

    assert [row["id"] for row in response.json()["disconnected"]] == [second.pk]
    first.refresh_from_db()
    assert first.status == "active"


def test_disconnect_never_touches_another_sellers_account(seller_client, fake_platform):
    foreign = SocialAccountFactory(platform="facebook")

    response = seller_client.post("/api/social/accounts/disconnect/", {"platform": "facebook"})

    assert (response.status_code, response.json()["code"]) == (404, "not_connected")
    assert fake_platform.received == []
    foreign.refresh_from_db()
    assert foreign.status == "active"


def test_a_disconnected_account_is_not_disconnected_twice(seller_client, seller, fake_platform):
    SocialAccountFactory(seller=seller, platform="facebook", status=AccountStatus.REVOKED, access_token="")

    assert seller_client.post("/api/social/accounts/disconnect/", {"platform": "facebook"}).status_code == 404


def test_disconnecting_a_page_unsubscribes_the_app_with_the_page_token_before_revoking(seller_client, seller,
                                                                                      fake_platform):
    account = SocialAccountFactory(seller=seller, platform="facebook", platform_user_id=PAGE, page_id=PAGE,
                                   access_token=TOKEN)
    fake_platform.routes[f"/v24.0/{PAGE}/subscribed_apps"] = (200, {"success": True})
    fake_platform.routes["/v24.0/me/permissions"] = (200, {"success": True})

    assert seller_client.post("/api/social/accounts/disconnect/", {"platform": "facebook"}).status_code == 200

    assert [(sent.method, sent.path.partition("?")[0]) for sent in fake_platform.received] == [
        ("DELETE", f"/v24.0/{PAGE}/subscribed_apps"), ("DELETE", "/v24.0/me/permissions")]
    assert sent_to(fake_platform, f"/v24.0/{PAGE}/subscribed_apps")[0].headers["authorization"] == f"Bearer {TOKEN}"
    account.refresh_from_db()
    assert (account.status, account.access_token) == ("revoked", "")


def test_disconnecting_an_instagram_account_unsubscribes_its_linked_page(seller_client, seller, fake_platform):
    SocialAccountFactory(seller=seller, platform="instagram", platform_user_id="17841400001", page_id=PAGE,
                         access_token=TOKEN)
    fake_platform.routes[f"/v24.0/{PAGE}/subscribed_apps"] = (200, {"success": True})

    assert seller_client.post("/api/social/accounts/disconnect/", {"platform": "instagram"}).status_code == 200

    [sent] = sent_to(fake_platform, f"/v24.0/{PAGE}/subscribed_apps")
    assert (sent.method, sent.headers["authorization"]) == ("DELETE", f"Bearer {TOKEN}")


INSTAGRAM_OF_PAGE = {"platform": "instagram", "platform_user_id": "17841400001", "page_id": PAGE}
FACEBOOK_PAGE = {"platform": "facebook", "platform_user_id": PAGE, "page_id": PAGE}


@pytest.mark.parametrize("leaving, staying, same_seller", [
    (INSTAGRAM_OF_PAGE, FACEBOOK_PAGE, True),  # the seller's Page itself
    (FACEBOOK_PAGE, INSTAGRAM_OF_PAGE, True),  # the Instagram account linked to it
    (INSTAGRAM_OF_PAGE, INSTAGRAM_OF_PAGE, False),  # another seller's connection of the same account
])
def test_a_page_another_active_account_still_needs_stays_subscribed(seller_client, seller, fake_platform, leaving,
                                                                     staying, same_seller):
    SocialAccountFactory(seller=seller, **leaving)
    other = SocialAccountFactory(**staying, **({"seller": seller} if same_seller else {}))
    fake_platform.routes["/v24.0/me/permissions"] = (200, {"success": True})

    response = seller_client.post("/api/social/accounts/disconnect/", {"platform": leaving["platform"]})

    assert response.status_code == 200
    assert sent_to(fake_platform, f"/v24.0/{PAGE}/subscribed_apps") == []
    other.refresh_from_db()
    assert other.status == "active"


@pytest.mark.parametrize("answer", [graph_error(200, "(#200) Permissions error", status=403),
                                    (500, {"error": {"message": "boom", "code": 1}}), (200, {"success": False})])
def test_a_page_that_cannot_be_unsubscribed_is_disconnected_all_the_same(seller_client, seller, fake_platform,
                                                                         caplog, answer):
    account = SocialAccountFactory(seller=seller, platform="facebook", platform_user_id=PAGE, access_token=TOKEN)
    fake_platform.routes[f"/v24.0/{PAGE}/subscribed_apps"] = answer
    fake_platform.routes["/v24.0/me/permissions"] = (200, {"success": True})

    assert seller_client.post("/api/social/accounts/disconnect/", {"platform": "facebook"}).status_code == 200

    assert sent_to(fake_platform, "/v24.0/me/permissions")  # revoked all the same
    account.refresh_from_db()
    assert (account.status, account.access_token) == ("revoked", "")
    assert "page webhooks not unsubscribed" in caplog.text
    assert_no_token_in(caplog.text, TOKEN)


def test_disconnecting_x_unsubscribes_nothing(seller_client, seller, fake_platform):
    SocialAccountFactory(seller=seller, platform="twitter", platform_user_id="2244994945")
    fake_platform.routes["/2/oauth2/revoke"] = (200, {"revoked": True})

    assert seller_client.post("/api/social/accounts/disconnect/", {"platform": "twitter"}).status_code == 200

    assert not [sent for sent in fake_platform.received if "subscribed_apps" in sent.path]


def test_connecting_is_throttled_per_user(seller, fake_platform, throttle_rates):
    throttle_rates(social_connect="2/minute")
    page_answers(fake_platform)
    client = authenticated_client(seller)

    statuses = [client.post("/api/social/accounts/", CONNECT).status_code for _ in range(3)]

    assert statuses == [201, 200, 429]
    assert client.get("/api/social/accounts/").status_code == 200  # reading is not a connection
    assert authenticated_client(UserFactory()).post("/api/social/accounts/", CONNECT).status_code == 201


def test_the_list_pages_by_100_by_default_and_up_to_500(seller_client, seller):
    SocialAccount.objects.bulk_create(SocialAccount(seller=seller, platform="facebook", platform_user_id=str(n))
                                      for n in range(101))

    first = seller_client.get("/api/social/accounts/")

    assert (len(first.json()), first["X-Total-Count"]) == (100, "101")
    assert len(seller_client.get("/api/social/accounts/", {"page_size": 500}).json()) == 101
    assert seller_client.get("/api/social/accounts/", {"page_size": 501}).status_code == 400


@pytest.mark.parametrize(("field", "value"), [
    ("platform_user_id", "../me"), ("platform_user_id", "12 34"), ("page_id", "me?fields=x"),
    ("access_token", "tok\u00e9n"), ("access_token", "two words"), ("refresh_token", "r\u00e9fresh")])
def test_ids_and_tokens_that_could_not_reach_the_platform_as_sent_are_400(seller_client, fake_platform, field, value):
    response = seller_client.post("/api/social/accounts/", {**CONNECT, field: value})

    assert (response.status_code, list(response.json()["details"])) == (400, [field])
    assert fake_platform.received == []


def test_a_token_whose_account_the_platform_does_not_name_is_refused(seller_client, fake_platform):
    fake_platform.routes["/2/users/me"] = (200, {"data": {}})

    response = seller_client.post("/api/social/accounts/", {"platform": "twitter", "access_token": "t"})

    assert (response.status_code, response.json()["code"]) == (400, "account_refused")
    assert not SocialAccount.objects.exists()
