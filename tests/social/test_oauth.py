"""Connecting accounts through the platforms' OAuth: GET /api/social/oauth/{platform}/start/ and
the browser's return to .../callback/. The state is signed, bound to the seller, good once and for
10 minutes; X gets PKCE (S256) with the verifier kept on the server; a refused callback stores
nothing and sends the browser back to the frontend with the reason."""

import base64
import hashlib
import logging
import time
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.utils import timezone

from social.models import OAuthState, SocialAccount
from tests.conftest import authenticated_client
from tests.social.accounts_helpers import X_CLIENT_ID, raw_columns
from tests.social.conftest import APP_ID, graph_error, sent_to

pytestmark = pytest.mark.django_db

RETURN_URL = "https://app.sellflow.test/social/accounts"
X_CALLBACK = "https://api.sellflow.test/api/social/oauth/twitter/callback/"
PAGE, INSTAGRAM = "1015550001", "17841400001"


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def start(client, platform: str = "twitter") -> str:
    response = client.get(f"/api/social/oauth/{platform}/start/")
    assert response.status_code == 200, response.json()
    return response.json()["authorization_url"]


def come_back(api_client, platform: str, **query):
    """The platform sends the browser back: no bearer token, only the query."""
    response = api_client.get(f"/api/social/oauth/{platform}/callback/", query)
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{RETURN_URL}?")
    return query_of(location)


def x_token_endpoint(fake_platform):
    def token(received):
        form = received.form
        assert received.headers["authorization"].startswith("Basic ")
        assert (form["grant_type"], form["code"], form["redirect_uri"]) == ("authorization_code", "the-code",
                                                                            X_CALLBACK)
        verifier = OAuthVerifiers.seen.get(form["code_verifier"])
        assert verifier, "the code_verifier is the one whose challenge went to X"
        return 200, {"token_type": "bearer", "access_token": "x-access-token", "refresh_token": "x-refresh-token",
                     "expires_in": 7200, "scope": "tweet.read tweet.write users.read offline.access"}

    fake_platform.routes["/2/oauth2/token"] = token
    fake_platform.routes["/2/users/me"] = (200, {"data": {"id": "2244994945", "username": "amagadgets",
                                                         "name": "Ama Gadgets"}})


class OAuthVerifiers:
    """Challenges sent to the platform, by the verifier that makes them (filled by the tests)."""

    seen: dict[str, str] = {}


def remember_challenge(url: str) -> None:
    started = OAuthState.objects.get()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(started.code_verifier.encode()).digest()).rstrip(b"=")
    assert query_of(url)["code_challenge"] == challenge.decode()
    OAuthVerifiers.seen = {started.code_verifier: challenge.decode()}


# --- start --------------------------------------------------------------------------------------

def test_x_starts_with_a_signed_state_and_an_s256_challenge(seller_client, seller, fake_platform):
    url = start(seller_client, "x")

    assert url.startswith("https://x.test/i/oauth2/authorize?")
    query = query_of(url)
    assert (query["client_id"], query["redirect_uri"], query["code_challenge_method"]) == (
        X_CLIENT_ID, X_CALLBACK, "S256")
    started = OAuthState.objects.get()
    assert (started.user_id, started.platform) == (seller.pk, "twitter")
    assert len(started.code_verifier) >= 43 and started.code_verifier not in url  # the verifier stays here
    remember_challenge(url)
    assert signing.loads(query["state"], salt="social.oauth.state")["u"] == seller.pk


def test_facebook_starts_at_the_login_dialog_without_pkce(seller_client, fake_platform):
    query = query_of(start(seller_client, "facebook"))

    assert query["client_id"] == APP_ID
    assert query["redirect_uri"] == "https://api.sellflow.test/api/social/oauth/facebook/callback/"
    assert "code_challenge" not in query
    assert OAuthState.objects.get().code_verifier == ""


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
def test_meta_asks_for_its_scopes_page_webhooks_included_without_a_login_configuration(seller_client,
                                                                                     fake_platform, platform):
    query = query_of(start(seller_client, platform))

    assert query["response_type"] == "code"
    assert "pages_manage_metadata" in query["scope"].split(",")
    assert "config_id" not in query and "override_default_response_type" not in query


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
def test_a_facebook_login_for_business_configuration_replaces_the_scopes(seller_client, fake_platform, settings,
                                                                         platform):
    settings.META_LOGIN_CONFIG_ID = "987654321012345"

    query = query_of(start(seller_client, platform))

    assert (query["config_id"], query["response_type"], query["override_default_response_type"]) == (
        "987654321012345", "code", "true")
    assert "scope" not in query
    assert query["client_id"] == APP_ID
    assert query["redirect_uri"] == f"https://api.sellflow.test/api/social/oauth/{platform}/callback/"


def test_the_login_configuration_is_meta_only(seller_client, fake_platform, settings):
    settings.META_LOGIN_CONFIG_ID = "987654321012345"

    query = query_of(start(seller_client, "twitter"))

    assert "config_id" not in query
    assert query["scope"] == "tweet.read tweet.write users.read media.write offline.access"


def test_the_redirect_uri_comes_from_settings_not_the_host_header(seller_client, fake_platform, settings):
    settings.ALLOWED_HOSTS = ["*"]

    url = seller_client.get("/api/social/oauth/twitter/start/", HTTP_HOST="evil.example").json()["authorization_url"]

    assert query_of(url)["redirect_uri"] == X_CALLBACK


@pytest.mark.parametrize("platform", ["whatsapp", "tiktok", "myspace"])
def test_platforms_without_oauth_here_are_refused(seller_client, fake_platform, platform):
    response = seller_client.get(f"/api/social/oauth/{platform}/start/")

    assert (response.status_code, response.json()["code"]) == (400, "platform_not_supported")


# --- callback -----------------------------------------------------------------------------------

def test_the_x_callback_stores_the_account_with_encrypted_tokens(seller_client, seller, api_client, fake_platform):
    x_token_endpoint(fake_platform)
    url = start(seller_client)
    remember_challenge(url)

    answer = come_back(api_client, "twitter", code="the-code", state=query_of(url)["state"])

    assert answer == {"social_connect": "success", "platform": "twitter", "accounts": "1"}
    account = SocialAccount.objects.get(seller=seller)
    assert (account.platform, account.platform_user_id, account.platform_username, account.status) == (
        "twitter", "2244994945", "amagadgets", "active")
    assert (account.access_token, account.refresh_token) == ("x-access-token", "x-refresh-token")
    assert account.scopes == ["offline.access", "tweet.read", "tweet.write", "users.read"]
    assert timezone.now() + timedelta(minutes=110) < account.token_expires_at < timezone.now() + timedelta(hours=3)
    raw_access, raw_refresh = raw_columns(account.pk)
    assert "x-access-token" not in raw_access and "x-refresh-token" not in raw_refresh
    assert not OAuthState.objects.exists()
    detail = seller_client.get(f"/api/social/accounts/{account.pk}/").content.decode()
    assert "x-access-token" not in detail and "x-refresh-token" not in detail


def test_a_state_is_good_for_one_callback_only(seller_client, seller, api_client, fake_platform):
    x_token_endpoint(fake_platform)
    url = start(seller_client)
    remember_challenge(url)
    state = query_of(url)["state"]
    come_back(api_client, "twitter", code="the-code", state=state)
    SocialAccount.objects.all().delete()

    answer = come_back(api_client, "twitter", code="the-code", state=state)

    assert answer == {"social_connect": "error", "platform": "twitter", "reason": "invalid_state"}
    assert len(sent_to(fake_platform, "/2/oauth2/token")) == 1
    assert not SocialAccount.objects.exists()


def altered(state: str) -> str:
    return state[:-3] + ("AAA" if not state.endswith("AAA") else "BBB")


def for_another_user(state: str, seller) -> str:
    """The payload rewritten to name someone else, without the key: the old signature kept."""
    value, _, signature = state.rpartition(":")
    payload, _, stamp = value.rpartition(":")
    forged = signing.b64_encode(signing.JSONSerializer().dumps({**signing.loads(
        state, salt="social.oauth.state"), "u": seller.pk + 1})).decode()
    return f"{forged}:{stamp}:{signature}"


@pytest.mark.parametrize("tamper", ["altered", "another_user", "unsigned", "empty", "missing"])
def test_a_tampered_state_is_refused_and_nothing_is_stored(seller_client, seller, api_client, fake_platform, tamper):
    x_token_endpoint(fake_platform)
    state = query_of(start(seller_client))["state"]
    bad = {"altered": altered(state), "another_user": for_another_user(state, seller),
           "unsigned": signing.b64_encode(b'{"n":"x","u":1,"p":"twitter"}').decode(), "empty": "",
           "missing": None}[tamper]

    answer = come_back(api_client, "twitter", code="the-code", **({"state": bad} if bad is not None else {}))

    assert answer["reason"] == "invalid_state"
    assert sent_to(fake_platform, "/2/oauth2/token") == []
    assert not SocialAccount.objects.exists()
    assert OAuthState.objects.count() == 1  # the real flow can still finish


def test_a_state_signed_with_another_key_is_refused(seller_client, seller, api_client, fake_platform):
    started = OAuthState.objects.create(nonce="n0nce", user=seller, platform="twitter", code_verifier="v" * 43)
    state = signing.dumps({"n": started.nonce, "u": seller.pk, "p": "twitter"}, salt="social.oauth.state",
                          key="not-the-servers-key-" * 3)

    assert come_back(api_client, "twitter", code="c", state=state)["reason"] == "invalid_state"
    assert sent_to(fake_platform, "/2/oauth2/token") == []


def test_a_state_older_than_ten_minutes_is_refused(seller_client, api_client, fake_platform, monkeypatch):
    x_token_endpoint(fake_platform)
    url = start(seller_client)
    remember_challenge(url)
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: time.time() + 601))

    answer = come_back(api_client, "twitter", code="the-code", state=query_of(url)["state"])

    assert answer["reason"] == "invalid_state"
    assert sent_to(fake_platform, "/2/oauth2/token") == []
    assert not SocialAccount.objects.exists()


def test_a_flow_started_more_than_ten_minutes_ago_is_refused_by_the_server_too(seller_client, api_client,
                                                                               fake_platform):
    x_token_endpoint(fake_platform)
    url = start(seller_client)
    OAuthState.objects.update(created_at=timezone.now() - timedelta(minutes=11))

    assert come_back(api_client, "twitter", code="the-code", state=query_of(url)["state"])["reason"] == "invalid_state"
    assert not SocialAccount.objects.exists()


def test_a_state_started_for_another_platform_is_refused(seller_client, api_client, fake_platform):
    state = query_of(start(seller_client, "facebook"))["state"]

    assert come_back(api_client, "twitter", code="the-code", state=state)["reason"] == "invalid_state"
    assert fake_platform.received == []


def test_the_seller_saying_no_uses_up_the_state(seller_client, api_client, fake_platform):
    state = query_of(start(seller_client))["state"]

    answer = come_back(api_client, "twitter", error="access_denied", state=state)

    assert answer == {"social_connect": "error", "platform": "twitter", "reason": "denied"}
    assert not OAuthState.objects.exists()
    assert fake_platform.received == []


@pytest.mark.parametrize(("answer", "reason"), [
    ((400, {"error": "invalid_grant", "error_description": "Value passed for the authorization code was invalid."}),
     "refused"),
    ((503, {"title": "Service Unavailable"}), "provider_error"),
])
def test_a_code_the_platform_refuses_stores_nothing(seller_client, api_client, fake_platform, answer, reason):
    fake_platform.routes["/2/oauth2/token"] = answer
    url = start(seller_client)

    assert come_back(api_client, "twitter", code="the-code", state=query_of(url)["state"])["reason"] == reason
    assert not SocialAccount.objects.exists()


def test_a_platform_that_is_down_at_the_callback_stores_nothing(seller_client, api_client, fake_platform,
                                                                settings):
    url = start(seller_client)
    settings.X_API_URL = "http://127.0.0.1:9"

    assert come_back(api_client, "twitter", code="the-code", state=query_of(url)["state"])["reason"] == \
        "provider_error"
    assert not SocialAccount.objects.exists()


@pytest.mark.parametrize("platform", ["myspace", "whatsapp", "tiktok"])
def test_a_callback_of_a_platform_without_oauth_is_not_found(api_client, fake_platform, platform):
    response = api_client.get(f"/api/social/oauth/{platform}/callback/", {"code": "c", "state": "s"})

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


# --- Meta: the managed Pages and Instagram accounts --------------------------------------------

@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """What the callback queues after its commit (the Page subscriptions, run eagerly when executed)."""
    return django_capture_on_commit_callbacks


def meta_routes(fake_platform, pages=None):
    def access_token(received):
        if received.query.get("grant_type") == "fb_exchange_token":
            return 200, {"access_token": "long-lived-user-token", "expires_in": 5184000}
        assert received.query["redirect_uri"].startswith("https://api.sellflow.test/api/social/oauth/")
        return 200, {"access_token": "short-lived-user-token", "expires_in": 3600}

    fake_platform.routes["/v24.0/oauth/access_token"] = access_token
    fake_platform.routes["/v24.0/me"] = (200, {"id": "4242", "name": "Ama Mensah"})
    fake_platform.routes["/v24.0/me/permissions"] = (200, {"data": [
        {"permission": "pages_manage_posts", "status": "granted"}]})
    fake_platform.routes["/v24.0/me/accounts"] = (200, {"data": pages if pages is not None else [
        {"id": PAGE, "name": "Ama's Gadgets", "access_token": "page-token-1",
         "instagram_business_account": {"id": INSTAGRAM, "username": "ama.gadgets", "name": "Ama Gadgets"}},
        {"id": "1015550002", "name": "Ama's Shoes", "access_token": "page-token-2"}]})
    for page in (PAGE, "1015550002"):
        fake_platform.routes[f"/v24.0/{page}/subscribed_apps"] = (200, {"success": True})


def test_the_facebook_callback_stores_every_page_with_its_own_token(seller_client, seller, api_client,
                                                                    fake_platform):
    meta_routes(fake_platform)
    state = query_of(start(seller_client, "facebook"))["state"]

    answer = come_back(api_client, "facebook", code="the-code", state=state)

    assert answer == {"social_connect": "success", "platform": "facebook", "accounts": "2"}
    pages = {account.platform_user_id: account for account in SocialAccount.objects.filter(seller=seller)}
    assert set(pages) == {PAGE, "1015550002"}
    assert (pages[PAGE].access_token, pages[PAGE].page_id, pages[PAGE].display_name) == (
        "page-token-1", PAGE, "Ama's Gadgets")
    assert pages[PAGE].token_expires_at is None  # a Page token from a long-lived user token does not expire
    assert "long-lived-user-token" not in {account.access_token for account in pages.values()}


def test_the_instagram_callback_stores_the_linked_instagram_accounts(seller_client, seller, api_client,
                                                                     fake_platform):
    meta_routes(fake_platform)
    state = query_of(start(seller_client, "instagram"))["state"]

    assert come_back(api_client, "instagram", code="the-code", state=state)["accounts"] == "1"
    account = SocialAccount.objects.get(seller=seller)
    assert (account.platform, account.platform_user_id, account.platform_username, account.page_id,
            account.access_token) == ("instagram", INSTAGRAM, "ama.gadgets", PAGE, "page-token-1")


def test_the_callback_redirects_at_once_and_the_pages_are_subscribed_after_its_commit(seller_client, seller,
                                                                                     api_client, fake_platform,
                                                                                     after_commit):
    meta_routes(fake_platform)
    state = query_of(start(seller_client, "facebook"))["state"]

    with after_commit() as queued:
        answer = come_back(api_client, "facebook", code="the-code", state=state)

    assert answer["social_connect"] == "success"
    assert not [sent for sent in fake_platform.received if "subscribed_apps" in sent.path]
    assert not SocialAccount.objects.filter(webhooks_subscribed_at__isnull=False).exists()
    [subscribe_task] = queued
    subscribe_task()  # what a worker (or, eagerly, the commit) does
    assert len([sent for sent in fake_platform.received if "subscribed_apps" in sent.path]) == 2
    assert all(account.webhooks_subscribed_at for account in SocialAccount.objects.filter(seller=seller))


def test_the_facebook_callback_subscribes_the_app_to_each_page_with_its_own_token(seller_client, seller, api_client,
                                                                                  fake_platform, after_commit):
    meta_routes(fake_platform)
    state = query_of(start(seller_client, "facebook"))["state"]

    with after_commit(execute=True):
        come_back(api_client, "facebook", code="the-code", state=state)

    for page, token in ((PAGE, "page-token-1"), ("1015550002", "page-token-2")):
        [subscribed] = sent_to(fake_platform, f"/v24.0/{page}/subscribed_apps")
        assert (subscribed.method, subscribed.headers["authorization"]) == ("POST", f"Bearer {token}")
        assert subscribed.form == {"subscribed_fields": "feed,mention"}
    assert all(account.webhooks_subscribed_at for account in SocialAccount.objects.filter(seller=seller))


def test_the_instagram_callback_subscribes_the_linked_page(seller_client, seller, api_client, fake_platform,
                                                           after_commit):
    meta_routes(fake_platform)
    state = query_of(start(seller_client, "instagram"))["state"]

    with after_commit(execute=True):
        come_back(api_client, "instagram", code="the-code", state=state)

    [subscribed] = sent_to(fake_platform, f"/v24.0/{PAGE}/subscribed_apps")
    assert subscribed.headers["authorization"] == "Bearer page-token-1"
    assert sent_to(fake_platform, "/v24.0/1015550002/subscribed_apps") == []  # no Instagram account linked
    assert SocialAccount.objects.get(seller=seller).webhooks_subscribed_at is not None


def test_a_page_that_refuses_the_subscription_is_connected_all_the_same(seller_client, seller, api_client,
                                                                       fake_platform, after_commit):
    meta_routes(fake_platform)
    fake_platform.routes["/v24.0/1015550002/subscribed_apps"] = graph_error(
        200, "(#200) To subscribe to the feed field, one of these permissions is needed: pages_manage_metadata",
        status=403)
    state = query_of(start(seller_client, "facebook"))["state"]

    with after_commit(execute=True):
        answer = come_back(api_client, "facebook", code="the-code", state=state)

    assert answer == {"social_connect": "success", "platform": "facebook", "accounts": "2"}
    pages = {account.platform_user_id: account for account in SocialAccount.objects.filter(seller=seller)}
    assert {page.status for page in pages.values()} == {"active"}
    assert (pages[PAGE].last_error, pages[PAGE].webhooks_subscribed_at is not None) == ("", True)
    refused = pages["1015550002"]
    assert refused.webhooks_subscribed_at is None
    assert "pages_manage_metadata" in refused.last_error


def test_a_grant_with_messenger_access_subscribes_the_pages_messages_too(seller_client, api_client, fake_platform,
                                                                        after_commit):
    meta_routes(fake_platform)
    fake_platform.routes["/v24.0/me/permissions"] = (200, {"data": [
        {"permission": "pages_manage_metadata", "status": "granted"},
        {"permission": "pages_messaging", "status": "granted"}]})
    state = query_of(start(seller_client, "facebook"))["state"]

    with after_commit(execute=True):
        come_back(api_client, "facebook", code="the-code", state=state)

    [subscribed] = sent_to(fake_platform, f"/v24.0/{PAGE}/subscribed_apps")
    assert subscribed.form == {"subscribed_fields": "feed,mention,messages"}


def test_the_x_callback_subscribes_nothing(seller_client, api_client, fake_platform, after_commit):
    x_token_endpoint(fake_platform)
    url = start(seller_client)
    remember_challenge(url)

    with after_commit(execute=True) as queued:
        come_back(api_client, "twitter", code="the-code", state=query_of(url)["state"])

    assert queued == []

    assert [sent.path.partition("?")[0] for sent in fake_platform.received] == ["/2/oauth2/token", "/2/users/me"]


def test_a_meta_user_without_pages_connects_nothing(seller_client, seller, api_client, fake_platform):
    meta_routes(fake_platform, pages=[])
    state = query_of(start(seller_client, "facebook"))["state"]

    assert come_back(api_client, "facebook", code="the-code", state=state)["reason"] == "no_accounts"
    assert not SocialAccount.objects.exists()


def test_a_meta_code_already_used_is_refused(seller_client, api_client, fake_platform):
    fake_platform.routes["/v24.0/oauth/access_token"] = graph_error(100, "This authorization code has been used.")
    state = query_of(start(seller_client, "facebook"))["state"]

    assert come_back(api_client, "facebook", code="used", state=state)["reason"] == "refused"


def test_the_callback_connects_the_seller_who_started_even_with_someone_elses_session(seller_client, seller,
                                                                                      buyer, fake_platform):
    meta_routes(fake_platform)
    state = query_of(start(seller_client, "facebook"))["state"]

    come_back(authenticated_client(buyer), "facebook", code="the-code", state=state)

    assert set(SocialAccount.objects.values_list("seller_id", flat=True)) == {seller.pk}


def test_the_access_log_shows_neither_the_code_nor_the_state(seller_client, api_client, fake_platform, caplog):
    x_token_endpoint(fake_platform)
    url = start(seller_client)
    remember_challenge(url)
    state = query_of(url)["state"]

    with caplog.at_level(logging.DEBUG):
        come_back(api_client, "twitter", code="the-secret-code", state=state)

    assert "/api/social/oauth/twitter/callback/" in caplog.text
    for secret in ("the-secret-code", state, "x-access-token", "x-refresh-token"):
        assert secret not in caplog.text
