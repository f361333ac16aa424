"""The Facebook Pages client against a fake Graph API: what it sends (paths, bearer token,
appsecret_proof, form fields), how each answer maps to a value or to the one error hierarchy, and
Facebook Login's token exchange."""

import json
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from social.platforms import (
    Credentials,
    GoneUnconfirmed,
    MediaFile,
    NotConfigured,
    PermanentError,
    PostRequest,
    RateLimited,
    TokenExpired,
    TransientError,
    Uncertain,
)
from social.platforms.facebook import FacebookClient
from tests.social.conftest import (
    APP_ID,
    APP_SECRET,
    NOW,
    PAGE_TOKEN,
    answered_too_late,
    appsecret_proof,
    clock,
    graph_error,
    sent_to,
)

PAGE = "1015550001"
CREDENTIALS = Credentials(access_token=PAGE_TOKEN, platform_user_id=PAGE)
LINK = "https://shop.test/r/AbC123/"


def client(server, **options) -> FacebookClient:
    values = {"app_id": APP_ID, "app_secret": APP_SECRET, "graph_url": server.url, "graph_version": "v24.0",
              "dialog_url": "https://www.facebook.test", "timeout": 2, "now": clock}
    return FacebookClient(**{**values, **options})


def post(**fields) -> PostRequest:
    return PostRequest(**{"text": "New wireless headphones #Tech", "link": LINK, **fields})


# --- publishing -------------------------------------------------------------------------------

def test_a_text_post_goes_to_the_page_feed_with_its_link_as_the_page(platform):
    platform.routes[f"/v24.0/{PAGE}/feed"] = (200, {"id": f"{PAGE}_777"})

    published = client(platform).publish(CREDENTIALS, post())

    assert published.platform_post_id == f"{PAGE}_777"
    assert published.url == f"https://www.facebook.com/{PAGE}_777"
    [sent] = platform.received
    assert sent.method == "POST"
    assert sent.headers["authorization"] == f"Bearer {PAGE_TOKEN}"
    assert sent.query == {"appsecret_proof": appsecret_proof(PAGE_TOKEN)}
    assert sent.form == {"message": f"New wireless headphones #Tech\n\n{LINK}", "link": LINK}
    assert PAGE_TOKEN not in sent.path and PAGE_TOKEN not in sent.body.decode()


def test_one_image_is_a_photo_post_with_the_text_as_caption(platform):
    platform.routes[f"/v24.0/{PAGE}/photos"] = (200, {"id": "555", "post_id": f"{PAGE}_888"})

    published = client(platform).publish(CREDENTIALS, post(image_urls=("https://cdn.test/p/1.jpg",)))

    assert published.platform_post_id == f"{PAGE}_888"
    [sent] = platform.received
    assert sent.form == {"published": "true", "caption": f"New wireless headphones #Tech\n\n{LINK}",
                         "url": "https://cdn.test/p/1.jpg"}


def test_image_bytes_are_uploaded_as_the_photo_source(platform):
    platform.routes[f"/v24.0/{PAGE}/photos"] = (200, {"id": "555", "post_id": f"{PAGE}_888"})
    image = MediaFile(content=b"\xff\xd8\xffJPEGDATA", content_type="image/jpeg", filename="headphones.jpg")

    client(platform).publish(CREDENTIALS, post(images=(image,)))

    [sent] = platform.received
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert b'name="source"; filename="headphones.jpg"' in sent.body
    assert b"\xff\xd8\xffJPEGDATA" in sent.body


def test_several_images_are_uploaded_unpublished_then_attached_to_one_feed_post(platform):
    photo_ids = iter(["901", "902"])
    platform.routes[f"/v24.0/{PAGE}/photos"] = lambda received: (200, {"id": next(photo_ids)})
    platform.routes[f"/v24.0/{PAGE}/feed"] = (200, {"id": f"{PAGE}_999"})

    published = client(platform).publish(CREDENTIALS, post(image_urls=("https://cdn.test/1.jpg",
                                                                        "https://cdn.test/2.jpg")))

    assert published.platform_post_id == f"{PAGE}_999"
    uploads = sent_to(platform, f"/v24.0/{PAGE}/photos")
    assert [upload.form for upload in uploads] == [{"published": "false", "url": "https://cdn.test/1.jpg"},
                                                   {"published": "false", "url": "https://cdn.test/2.jpg"}]
    [feed] = sent_to(platform, f"/v24.0/{PAGE}/feed")
    assert json.loads(feed.form["attached_media[0]"]) == {"media_fbid": "901"}
    assert json.loads(feed.form["attached_media[1]"]) == {"media_fbid": "902"}


# --- errors -----------------------------------------------------------------------------------

def test_a_429_is_rate_limited_for_as_long_as_retry_after_says(platform):
    platform.routes[f"/v24.0/{PAGE}/feed"] = (429, {"error": {"message": "slow down", "code": 4}},
                                              {"Retry-After": "30"})

    with pytest.raises(RateLimited) as error:
        client(platform).publish(CREDENTIALS, post())

    assert error.value.retry_after == 30
    assert error.value.platform == "facebook"


def test_a_page_rate_limit_code_waits_for_metas_estimate(platform):
    usage = {PAGE: [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 7}]}
    status, body = graph_error(32, "Page request limit reached")
    platform.routes[f"/v24.0/{PAGE}/feed"] = (status, body, {"X-Business-Use-Case-Usage": json.dumps(usage)})

    with pytest.raises(RateLimited) as error:
        client(platform).publish(CREDENTIALS, post())

    assert error.value.retry_after == 7 * 60
    assert error.value.code == "32"


@pytest.mark.parametrize("code", [4, 17, 613, 80001])
def test_metas_rate_limit_codes_without_an_estimate_wait_the_default(platform, code):
    platform.routes[f"/v24.0/{PAGE}/feed"] = graph_error(code)

    with pytest.raises(RateLimited) as error:
        client(platform).publish(CREDENTIALS, post())

    assert error.value.retry_after == 300


@pytest.mark.parametrize("subcode", [None, 463, 460])
def test_code_190_is_an_expired_token(platform, subcode):
    platform.routes[f"/v24.0/{PAGE}/feed"] = graph_error(190, "Error validating access token",
                                                         **({"error_subcode": subcode} if subcode else {}))

    with pytest.raises(TokenExpired):
        client(platform).publish(CREDENTIALS, post())


def test_a_validation_error_is_permanent_with_metas_words_for_the_user(platform):
    platform.routes[f"/v24.0/{PAGE}/feed"] = graph_error(100, "Invalid parameter",
                                                         error_user_msg="The link could not be read.")

    with pytest.raises(PermanentError) as error:
        client(platform).publish(CREDENTIALS, post())

    assert str(error.value) == "facebook: The link could not be read."
    assert error.value.code == "100"


def test_a_permission_error_is_permanent(platform):
    platform.routes[f"/v24.0/{PAGE}/feed"] = graph_error(200, "Requires pages_manage_posts permission", status=403)

    with pytest.raises(PermanentError):
        client(platform).publish(CREDENTIALS, post())


def test_a_publish_answered_after_the_timeout_is_uncertain_and_not_resent(platform):
    with answered_too_late(platform, f"/v24.0/{PAGE}/feed", (200, {"id": f"{PAGE}_777"})):
        with pytest.raises(Uncertain):
            client(platform, timeout=0.2).publish(CREDENTIALS, post())

    assert len(platform.received) == 1


def test_a_server_error_on_a_publish_is_uncertain_but_on_a_read_transient(platform):
    platform.routes[f"/v24.0/{PAGE}/feed"] = graph_error(2, "Service temporarily unavailable", status=500)
    platform.routes[f"/v24.0/{PAGE}/insights"] = graph_error(2, "Service temporarily unavailable", status=500)

    with pytest.raises(Uncertain):
        client(platform).publish(CREDENTIALS, post())
    with pytest.raises(TransientError):
        client(platform).insights(CREDENTIALS, since=date(2026, 12, 1), until=date(2026, 12, 5))


def test_a_transient_graph_error_on_a_read_is_transient(platform):
    platform.routes[f"/v24.0/{PAGE}/posts"] = graph_error(1, "An unknown error occurred", is_transient=True)

    with pytest.raises(TransientError):
        client(platform).find_published(CREDENTIALS, marker="AbC123", since=NOW)


def test_an_unreachable_platform_is_transient_even_for_a_publish():
    unreachable = FacebookClient(app_id=APP_ID, app_secret=APP_SECRET, graph_url="http://127.0.0.1:9", timeout=1)

    with pytest.raises(TransientError) as error:
        unreachable.publish(CREDENTIALS, post())

    assert not isinstance(error.value, Uncertain)


def test_a_redirect_is_not_followed_with_the_token(platform):
    platform.routes[f"/v24.0/{PAGE}/feed"] = (302, b"", {"Location": "http://127.0.0.1:9/steal"})

    with pytest.raises(PermanentError):
        client(platform).publish(CREDENTIALS, post())


def test_no_token_or_secret_appears_in_errors_or_reprs(platform):
    platform.routes[f"/v24.0/{PAGE}/feed"] = graph_error(190, "Error validating access token")
    facebook = client(platform)

    with pytest.raises(TokenExpired) as error:
        facebook.publish(CREDENTIALS, post())

    for text in (str(error.value), repr(error.value), repr(facebook), repr(CREDENTIALS)):
        assert PAGE_TOKEN not in text and APP_SECRET not in text


# --- lookup, delete, insights ------------------------------------------------------------------

def test_an_uncertain_post_is_found_by_its_attribution_code(platform):
    platform.routes[f"/v24.0/{PAGE}/posts"] = (200, {"data": [
        {"id": f"{PAGE}_1", "message": "another post", "permalink_url": "https://facebook.com/p/1"},
        {"id": f"{PAGE}_2", "message": f"Headphones {LINK}", "permalink_url": "https://facebook.com/p/2"},
    ]})
    since = NOW - timedelta(minutes=10)

    found = client(platform).find_published(CREDENTIALS, marker="AbC123", since=since)
    missing = client(platform).find_published(CREDENTIALS, marker="Zz9999", since=since)

    assert (found.platform_post_id, found.url) == (f"{PAGE}_2", "https://facebook.com/p/2")
    assert missing is None
    assert sent_to(platform, f"/v24.0/{PAGE}/posts")[0].query["since"] == str(int(since.timestamp()))


def test_delete_removes_the_post_and_a_post_already_gone_counts_as_deleted(platform):
    platform.routes[f"/v24.0/{PAGE}_777"] = (200, {"success": True})
    platform.routes[f"/v24.0/{PAGE}_778"] = graph_error(100, "Object does not exist", error_subcode=33)
    platform.routes[f"/v24.0/{PAGE}_779"] = graph_error(10, "Permission denied", status=403)
    platform.routes["/v24.0/me"] = (200, {"id": PAGE})

    client(platform).delete(CREDENTIALS, f"{PAGE}_777")
    client(platform).delete(CREDENTIALS, f"{PAGE}_778")
    with pytest.raises(PermanentError):
        client(platform).delete(CREDENTIALS, f"{PAGE}_779")

    assert [(received.method, received.path.partition("?")[0]) for received in platform.received] == [
        ("DELETE", f"/v24.0/{PAGE}_777"), ("DELETE", f"/v24.0/{PAGE}_778"), ("GET", "/v24.0/me"),
        ("DELETE", f"/v24.0/{PAGE}_779")]
    assert sent_to(platform, "/v24.0/me")[0].headers["authorization"] == f"Bearer {PAGE_TOKEN}"


@pytest.mark.parametrize("me", [
    graph_error(100, "Object does not exist, cannot be loaded due to missing permissions", error_subcode=33),
    (200, {"id": "999", "name": "Someone else"}),  # the token acts as another Page (or as a user)
])
def test_a_post_graph_cannot_load_is_not_taken_as_gone_when_the_token_no_longer_acts_as_the_page(platform, me):
    """Graph answers 100/33 alike for a deleted post and for one the token may not load."""
    platform.routes[f"/v24.0/{PAGE}_778"] = graph_error(100, "Object does not exist", error_subcode=33)
    platform.routes["/v24.0/me"] = me

    with pytest.raises(GoneUnconfirmed, match=f"account {PAGE} no longer answers to its token"):
        client(platform).delete(CREDENTIALS, f"{PAGE}_778")


def test_a_post_graph_cannot_load_with_an_expired_token_is_an_expired_token(platform):
    platform.routes[f"/v24.0/{PAGE}_778"] = graph_error(100, "Object does not exist", error_subcode=33)
    platform.routes["/v24.0/me"] = graph_error(190, "Error validating access token", status=401)

    with pytest.raises(TokenExpired):
        client(platform).delete(CREDENTIALS, f"{PAGE}_778")


def test_insights_are_read_per_day_from_the_pages_metrics(platform):
    def series(name, values):
        return {"name": name, "period": "day", "values": [
            {"value": value, "end_time": f"2026-12-{day:02d}T08:00:00+0000"} for day, value in values]}

    platform.routes[f"/v24.0/{PAGE}/insights"] = (200, {"data": [
        series("page_follows", [(5, 120), (6, 123)]),
        series("page_media_view", [(5, 900), (6, 1100)]),
        series("page_total_media_view_unique", [(5, 400), (6, 410)]),
        series("page_post_engagements", [(5, 31), (6, 44)]),
        series("page_something_new", [(5, 1)]),
    ]})

    rows = client(platform).insights(CREDENTIALS, since=date(2026, 12, 4), until=date(2026, 12, 5))

    assert [(row.day, row.followers, row.impressions, row.reach, row.engagement, row.link_clicks) for row in rows] == [
        (date(2026, 12, 4), 120, 900, 400, 31, None),
        (date(2026, 12, 5), 123, 1100, 410, 44, None),
    ]
    query = platform.received[0].query
    assert query["metric"] == "page_follows,page_media_view,page_total_media_view_unique,page_post_engagements"
    assert query["period"] == "day"
    assert query["since"] == str(int(datetime(2026, 12, 4, tzinfo=UTC).timestamp()))
    assert query["until"] == str(int(datetime(2026, 12, 6, tzinfo=UTC).timestamp()))


# --- accounts and OAuth -----------------------------------------------------------------------

def test_a_manual_token_is_checked_against_the_page_it_claims(platform):
    platform.routes[f"/v24.0/{PAGE}"] = (200, {"id": PAGE, "name": "Ama's Gadgets",
                                               "picture": {"data": {"url": "https://cdn.test/a.png"}}})
    platform.routes["/v24.0/me"] = (200, {"id": "999", "name": "Someone else"})

    profile = client(platform).verify_token(PAGE_TOKEN, platform_user_id=PAGE)

    assert (profile.user_id, profile.display_name, profile.avatar_url) == (PAGE, "Ama's Gadgets",
                                                                           "https://cdn.test/a.png")
    platform.routes[f"/v24.0/{PAGE}"] = (200, {"id": "999"})
    with pytest.raises(PermanentError):
        client(platform).verify_token(PAGE_TOKEN, platform_user_id=PAGE)


def test_a_revoked_manual_token_is_an_expired_token(platform):
    platform.routes["/v24.0/me"] = graph_error(190, "Session has been invalidated", error_subcode=460)

    with pytest.raises(TokenExpired):
        client(platform).verify_token("EAArevoked")


def test_the_authorization_url_asks_for_the_page_scopes_with_the_state(platform):
    url = client(platform).authorization_url(state="signed-state", redirect_uri="https://api.test/cb/")

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://www.facebook.test/v24.0/dialog/oauth"
    assert parse_qs(parts.query) == {
        "client_id": [APP_ID], "redirect_uri": ["https://api.test/cb/"], "state": ["signed-state"],
        "response_type": ["code"],
        "scope": ["pages_show_list,pages_manage_posts,pages_read_engagement,read_insights,pages_manage_metadata"]}


def test_a_login_for_business_configuration_is_named_instead_of_the_scopes(platform):
    url = client(platform, login_config_id="987654321012345").authorization_url(
        state="signed-state", redirect_uri="https://api.test/cb/")

    assert parse_qs(urlsplit(url).query) == {
        "client_id": [APP_ID], "redirect_uri": ["https://api.test/cb/"], "state": ["signed-state"],
        "response_type": ["code"], "config_id": ["987654321012345"], "override_default_response_type": ["true"]}


def test_without_the_meta_app_oauth_is_not_configured(platform):
    with pytest.raises(NotConfigured):
        client(platform, app_id="", app_secret="").authorization_url(state="s", redirect_uri="https://api.test/cb/")


def oauth_routes(platform):
    def access_token(received):
        if received.query.get("grant_type") == "fb_exchange_token":
            assert received.query["fb_exchange_token"] == "short-lived"
            return 200, {"access_token": "long-lived", "token_type": "bearer", "expires_in": 5184000}
        assert received.query["code"] == "the-code"
        return 200, {"access_token": "short-lived", "token_type": "bearer", "expires_in": 3600}

    platform.routes["/v24.0/oauth/access_token"] = access_token
    platform.routes["/v24.0/me"] = (200, {"id": "4242", "name": "Ama Mensah"})
    platform.routes["/v24.0/me/permissions"] = (200, {"data": [
        {"permission": "pages_manage_posts", "status": "granted"},
        {"permission": "read_insights", "status": "declined"},
        {"permission": "pages_show_list", "status": "granted"}]})
    platform.routes["/v24.0/me/accounts"] = (200, {"data": [
        {"id": PAGE, "name": "Ama's Gadgets", "access_token": "page-token",
         "instagram_business_account": {"id": "17841400001", "username": "ama.gadgets", "name": "Ama Gadgets"}},
        {"id": "1015550002", "name": "No token page"}]})


def test_a_code_becomes_a_long_lived_user_token_with_the_pages_it_manages(platform):
    oauth_routes(platform)

    grant = client(platform).exchange_code(code="the-code", redirect_uri="https://api.test/cb/")

    assert grant.access_token == "long-lived"
    assert grant.expires_at == NOW + timedelta(seconds=5184000)
    assert (grant.user_id, grant.display_name) == ("4242", "Ama Mensah")
    assert grant.scopes == ("pages_manage_posts", "pages_show_list")
    [page] = grant.accounts
    assert (page.profile.user_id, page.profile.display_name, page.access_token) == (PAGE, "Ama's Gadgets",
                                                                                     "page-token")
    first = sent_to(platform, "/v24.0/oauth/access_token")[0].query
    assert first["client_id"] == APP_ID and first["client_secret"] == APP_SECRET
    assert first["redirect_uri"] == "https://api.test/cb/"
    assert "long-lived" not in repr(grant) and "page-token" not in repr(grant)


def test_a_refused_code_is_permanent(platform):
    platform.routes["/v24.0/oauth/access_token"] = graph_error(100, "This authorization code has been used.",
                                                               error_subcode=36009)

    with pytest.raises(PermanentError):
        client(platform).exchange_code(code="used", redirect_uri="https://api.test/cb/")


def test_refresh_exchanges_the_long_lived_token_for_a_fresh_one(platform):
    platform.routes["/v24.0/oauth/access_token"] = (200, {"access_token": "fresher", "expires_in": 5184000})

    grant = client(platform).refresh(CREDENTIALS)

    assert grant.access_token == "fresher"
    query = platform.received[0].query
    assert query["grant_type"] == "fb_exchange_token" and query["fb_exchange_token"] == PAGE_TOKEN


def test_revoke_removes_the_apps_permissions(platform):
    platform.routes["/v24.0/me/permissions"] = (200, {"success": True})

    client(platform).revoke(CREDENTIALS)

    [sent] = platform.received
    assert (sent.method, sent.headers["authorization"]) == ("DELETE", f"Bearer {PAGE_TOKEN}")


# --- the Page's webhooks --------------------------------------------------------------------------

def test_subscribing_the_page_posts_its_fields_with_the_page_token(platform):
    platform.routes[f"/v24.0/{PAGE}/subscribed_apps"] = (200, {"success": True})

    client(platform).subscribe_webhooks(CREDENTIALS, scopes=("pages_manage_metadata",))

    [sent] = platform.received
    assert (sent.method, sent.path.partition("?")[0]) == ("POST", f"/v24.0/{PAGE}/subscribed_apps")
    assert sent.headers["authorization"] == f"Bearer {PAGE_TOKEN}"
    assert sent.query == {"appsecret_proof": appsecret_proof(PAGE_TOKEN)}
    assert sent.form == {"subscribed_fields": "feed,mention"}


def test_messenger_messages_are_subscribed_only_with_pages_messaging(platform):
    platform.routes[f"/v24.0/{PAGE}/subscribed_apps"] = (200, {"success": True})

    client(platform).subscribe_webhooks(CREDENTIALS, scopes=("pages_manage_metadata", "pages_messaging"))

    assert platform.received[0].form == {"subscribed_fields": "feed,mention,messages"}


def test_a_page_subscription_without_the_permission_is_refused_for_good(platform):
    platform.routes[f"/v24.0/{PAGE}/subscribed_apps"] = graph_error(
        200, "(#200) To subscribe to the feed field, one of these permissions is needed: pages_manage_metadata",
        status=403)

    with pytest.raises(PermanentError, match="pages_manage_metadata"):
        client(platform).subscribe_webhooks(CREDENTIALS)


def test_unsubscribing_the_page_deletes_the_apps_subscription_with_the_page_token(platform):
    platform.routes[f"/v24.0/{PAGE}/subscribed_apps"] = (200, {"success": True})

    client(platform).unsubscribe_webhooks(CREDENTIALS)

    [sent] = platform.received
    assert (sent.method, sent.path.partition("?")[0]) == ("DELETE", f"/v24.0/{PAGE}/subscribed_apps")
    assert sent.headers["authorization"] == f"Bearer {PAGE_TOKEN}"
    assert sent.query == {"appsecret_proof": appsecret_proof(PAGE_TOKEN)}

    platform.routes[f"/v24.0/{PAGE}/subscribed_apps"] = (200, {"success": False})
    with pytest.raises(TransientError):
        client(platform).unsubscribe_webhooks(CREDENTIALS)


def test_a_page_subscription_meta_does_not_confirm_is_tried_again(platform):
    platform.routes[f"/v24.0/{PAGE}/subscribed_apps"] = (200, {"success": False})

    with pytest.raises(TransientError):
        client(platform).subscribe_webhooks(CREDENTIALS)
