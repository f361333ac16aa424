"""The X client against a fake API v2: posts with uploaded images, the rate-limit headers, the
errors, the lookup of an uncertain post, OAuth 2.0 with PKCE (exchange, rotating refresh,
revocation), and per-day figures from the posts' public metrics."""

import base64
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from social.platforms import (
    Credentials,
    MediaFile,
    NotConfigured,
    PermanentError,
    PostRequest,
    RateLimited,
    TokenExpired,
    TransientError,
    Uncertain,
)
from social.platforms.x import XClient
from tests.social.conftest import NOW, answered_too_late, clock, sent_to

USER = "2244994945"
TOKEN = "x-user-access-token"
REFRESH = "x-user-refresh-token"
CLIENT_ID = "x-client-id"
CLIENT_SECRET = "x-client-secret"
CREDENTIALS = Credentials(access_token=TOKEN, platform_user_id=USER, refresh_token=REFRESH)
LINK = "https://shop.test/r/Xy7890/"
IMAGE = MediaFile(content=b"\x89PNGDATA", content_type="image/png", filename="front.png")


def client(server, **options) -> XClient:
    values = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "consumer_secret": "consumer",
              "api_url": server.url, "authorize_url": "https://x.test/i/oauth2/authorize", "timeout": 2,
              "now": clock}
    return XClient(**{**values, **options})


def post(**fields) -> PostRequest:
    return PostRequest(**{"text": "Headphones, half price today", "link": LINK, **fields})


# --- posts ------------------------------------------------------------------------------------

def test_a_post_is_created_with_the_users_bearer_token(platform):
    platform.routes["/2/tweets"] = (201, {"data": {"id": "1460323737035677698", "text": "..."}})

    published = client(platform).publish(CREDENTIALS, post())

    assert (published.platform_post_id, published.url) == (
        "1460323737035677698", "https://x.com/i/web/status/1460323737035677698")
    [sent] = platform.received
    assert (sent.method, sent.headers["authorization"]) == ("POST", f"Bearer {TOKEN}")
    assert sent.json() == {"text": f"Headphones, half price today\n\n{LINK}"}


def test_images_are_uploaded_first_and_attached_by_media_id(platform):
    media_ids = iter(["1880000000000000001", "1880000000000000002"])
    platform.routes["/2/media/upload"] = lambda received: (200, {"data": {"id": next(media_ids),
                                                                          "media_key": "3_1"}})
    platform.routes["/2/tweets"] = (201, {"data": {"id": "1460323737035677699", "text": "..."}})

    client(platform).publish(CREDENTIALS, post(images=(IMAGE, IMAGE)))

    uploads = sent_to(platform, "/2/media/upload")
    assert len(uploads) == 2
    assert uploads[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert b'name="media_category"' in uploads[0].body and b"tweet_image" in uploads[0].body
    assert b'name="media_type"\r\n\r\nimage/png' in uploads[0].body
    assert b'name="media"; filename="front.png"' in uploads[0].body and b"\x89PNGDATA" in uploads[0].body
    assert sent_to(platform, "/2/tweets")[0].json()["media"] == {
        "media_ids": ["1880000000000000001", "1880000000000000002"]}


@pytest.mark.parametrize("fields", [
    {"images": (IMAGE,) * 5},
    {"image_urls": ("https://cdn.test/1.jpg",)},
], ids=["five images", "urls only"])
def test_what_x_cannot_take_is_refused_before_anything_is_sent(platform, fields):
    with pytest.raises(PermanentError):
        client(platform).publish(CREDENTIALS, post(**fields))

    assert platform.received == []


def test_a_429_waits_until_the_window_resets(platform):
    reset = int(NOW.timestamp()) + 420
    platform.routes["/2/tweets"] = (429, {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
                                    {"x-rate-limit-limit": "200", "x-rate-limit-remaining": "0",
                                     "x-rate-limit-reset": str(reset)})

    with pytest.raises(RateLimited) as error:
        client(platform).publish(CREDENTIALS, post())

    assert error.value.retry_after == 420


def test_a_429_with_retry_after_waits_that_long(platform):
    platform.routes["/2/tweets"] = (429, {"title": "Too Many Requests"}, {"Retry-After": "60",
                                                                          "x-rate-limit-reset": "0"})

    with pytest.raises(RateLimited) as error:
        client(platform).publish(CREDENTIALS, post())

    assert error.value.retry_after == 60


def test_the_users_24_hour_cap_waits_for_its_own_reset(platform):
    now = int(NOW.timestamp())
    platform.routes["/2/tweets"] = (429, {"title": "Too Many Requests"}, {
        "x-rate-limit-reset": str(now + 60), "x-user-limit-24hour-remaining": "0",
        "x-user-limit-24hour-reset": str(now + 7200)})

    with pytest.raises(RateLimited) as error:
        client(platform).publish(CREDENTIALS, post())

    assert error.value.retry_after == 7200


def test_a_401_is_an_expired_token(platform):
    platform.routes["/2/tweets"] = (401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                                          "detail": "Unauthorized"})

    with pytest.raises(TokenExpired):
        client(platform).publish(CREDENTIALS, post())


def test_a_refused_post_is_permanent_with_xs_reason(platform):
    platform.routes["/2/tweets"] = (403, {"detail": "You are not allowed to create a Tweet with duplicate content.",
                                          "type": "about:blank", "title": "Forbidden", "status": 403})

    with pytest.raises(PermanentError) as error:
        client(platform).publish(CREDENTIALS, post())

    assert "duplicate content" in str(error.value)


def test_a_server_error_on_a_post_is_uncertain(platform):
    platform.routes["/2/tweets"] = (503, {"title": "Service Unavailable"})

    with pytest.raises(Uncertain):
        client(platform).publish(CREDENTIALS, post())


def test_a_lost_upload_is_transient_not_uncertain(platform):
    with answered_too_late(platform, "/2/media/upload", (200, {"data": {"id": "1"}})):
        with pytest.raises(TransientError):
            client(platform, timeout=0.2).publish(CREDENTIALS, post(images=(IMAGE,)))

    assert sent_to(platform, "/2/tweets") == []


def test_a_post_answered_after_the_timeout_is_uncertain_then_found_by_its_expanded_link(platform):
    platform.routes[f"/2/users/{USER}/tweets"] = (200, {"data": [
        {"id": "1", "text": "older post", "created_at": "2026-12-06T11:58:00.000Z"},
        {"id": "2", "text": "Headphones https://t.co/abc", "created_at": "2026-12-06T11:59:00.000Z",
         "entities": {"urls": [{"url": "https://t.co/abc", "expanded_url": LINK}]}}],
        "meta": {"result_count": 2}})

    with answered_too_late(platform, "/2/tweets", (201, {"data": {"id": "2"}})):
        with pytest.raises(Uncertain):
            client(platform, timeout=0.2).publish(CREDENTIALS, post())
    found = client(platform).find_published(CREDENTIALS, marker="Xy7890", since=NOW - timedelta(minutes=5))

    assert len(sent_to(platform, "/2/tweets")) == 1
    assert found.platform_post_id == "2"
    lookup = sent_to(platform, f"/2/users/{USER}/tweets")[0].query
    assert lookup["start_time"] == "2026-12-06T11:55:00Z"
    assert client(platform).find_published(CREDENTIALS, marker="Nope00", since=NOW) is None


def test_delete_removes_the_post_and_a_missing_one_counts_as_deleted(platform):
    platform.routes["/2/tweets/11"] = (200, {"data": {"deleted": True}})
    platform.routes["/2/tweets/12"] = (404, {"title": "Not Found Error", "detail": "Could not find tweet"})
    platform.routes["/2/tweets/13"] = (403, {"detail": "You are not allowed to delete this Tweet."})

    client(platform).delete(CREDENTIALS, "11")
    client(platform).delete(CREDENTIALS, "12")
    with pytest.raises(PermanentError):
        client(platform).delete(CREDENTIALS, "13")

    assert [r.method for r in platform.received] == ["DELETE"] * 3


@pytest.mark.parametrize("answer", [(200, {"data": {"deleted": False}}), (200, {}),
                                    (200, {"errors": [{"message": "Tweet is protected"}]})])
def test_a_deletion_x_does_not_confirm_is_not_taken_for_one(platform, answer):
    platform.routes["/2/tweets/11"] = answer

    with pytest.raises(PermanentError, match="X did not delete the post"):
        client(platform).delete(CREDENTIALS, "11")


# --- OAuth 2.0 with PKCE ----------------------------------------------------------------------

def test_the_authorization_url_carries_the_pkce_challenge_and_scopes(platform):
    url = client(platform).authorization_url(state="st", redirect_uri="https://api.test/cb/", code_challenge="ch4l")

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://x.test/i/oauth2/authorize"
    assert parse_qs(parts.query) == {
        "response_type": ["code"], "client_id": [CLIENT_ID], "redirect_uri": ["https://api.test/cb/"],
        "scope": ["tweet.read tweet.write users.read media.write offline.access"], "state": ["st"],
        "code_challenge": ["ch4l"], "code_challenge_method": ["S256"]}
    with pytest.raises(ValueError):
        client(platform).authorization_url(state="st", redirect_uri="https://api.test/cb/")
    with pytest.raises(NotConfigured):
        client(platform, client_id="").authorization_url(state="st", redirect_uri="x", code_challenge="c")


def test_a_code_is_exchanged_with_its_verifier_by_a_confidential_client(platform):
    platform.routes["/2/oauth2/token"] = (200, {"token_type": "bearer", "expires_in": 7200, "access_token": "at-1",
                                                "scope": "tweet.write users.read offline.access tweet.read",
                                                "refresh_token": "rt-1"})
    platform.routes["/2/users/me"] = (200, {"data": {"id": USER, "name": "Ama Mensah", "username": "amagadgets",
                                                     "profile_image_url": "https://pbs.test/a.jpg"}})

    grant = client(platform).exchange_code(code="c0de", redirect_uri="https://api.test/cb/", code_verifier="v3rif")

    assert (grant.access_token, grant.refresh_token) == ("at-1", "rt-1")
    assert grant.expires_at == NOW + timedelta(hours=2)
    assert grant.scopes == ("offline.access", "tweet.read", "tweet.write", "users.read")
    assert (grant.user_id, grant.username, grant.display_name) == (USER, "amagadgets", "Ama Mensah")
    token_request = sent_to(platform, "/2/oauth2/token")[0]
    assert token_request.form == {"grant_type": "authorization_code", "code": "c0de",
                                  "redirect_uri": "https://api.test/cb/", "code_verifier": "v3rif",
                                  "client_id": CLIENT_ID}
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert token_request.headers["authorization"] == f"Basic {basic}"
    assert sent_to(platform, "/2/users/me")[0].headers["authorization"] == "Bearer at-1"


def test_a_public_client_names_itself_without_basic_auth(platform):
    platform.routes["/2/oauth2/token"] = (200, {"access_token": "at-2", "expires_in": 7200})

    client(platform, client_secret="").refresh(CREDENTIALS)

    sent = platform.received[0]
    assert "authorization" not in sent.headers
    assert sent.form == {"grant_type": "refresh_token", "refresh_token": REFRESH, "client_id": CLIENT_ID}


def test_refresh_returns_the_rotated_refresh_token(platform):
    platform.routes["/2/oauth2/token"] = (200, {"access_token": "at-3", "refresh_token": "rt-3", "expires_in": 7200,
                                                "scope": "tweet.write"})

    grant = client(platform).refresh(CREDENTIALS)

    assert (grant.access_token, grant.refresh_token, grant.user_id) == ("at-3", "rt-3", USER)
    assert sent_to(platform, "/2/users/me") == []


def test_a_refused_refresh_token_means_reconnecting(platform):
    platform.routes["/2/oauth2/token"] = (400, {"error": "invalid_grant", "error_description": "Token was invalid."})

    with pytest.raises(TokenExpired):
        client(platform).refresh(CREDENTIALS)
    with pytest.raises(TokenExpired):
        client(platform).refresh(Credentials(access_token=TOKEN, platform_user_id=USER))


def test_refused_client_credentials_are_the_apps_problem_not_an_expired_account(platform):
    platform.routes["/2/oauth2/token"] = (401, {"error": "unauthorized_client",
                                                "error_description": "Missing valid authorization header"})

    with pytest.raises(PermanentError) as error:
        client(platform).refresh(CREDENTIALS)

    assert not isinstance(error.value, TokenExpired)
    assert CLIENT_SECRET not in str(error.value)


def test_revoke_revokes_both_tokens(platform):
    platform.routes["/2/oauth2/revoke"] = (200, {"revoked": True})

    client(platform).revoke(CREDENTIALS)

    assert [r.form["token_type_hint"] for r in platform.received] == ["refresh_token", "access_token"]
    assert [r.form["token"] for r in platform.received] == [REFRESH, TOKEN]


def test_a_manual_token_is_checked_against_the_account_it_claims(platform):
    platform.routes["/2/users/me"] = (200, {"data": {"id": USER, "name": "Ama", "username": "amagadgets"}})

    assert client(platform).verify_token(TOKEN, platform_user_id=USER).username == "amagadgets"
    with pytest.raises(PermanentError):
        client(platform).verify_token(TOKEN, platform_user_id="999")


# --- insights ---------------------------------------------------------------------------------

def test_insights_sum_each_days_posts_public_metrics_across_pages(platform):
    def metrics(impressions, likes):
        return {"impression_count": impressions, "like_count": likes, "reply_count": 1, "retweet_count": 2,
                "quote_count": 0, "bookmark_count": 9}

    def timeline(received):
        if received.query.get("pagination_token") == "page2":
            return 200, {"data": [{"id": "3", "text": "c", "created_at": "2026-12-05T09:00:00.000Z",
                                   "public_metrics": metrics(50, 5)}], "meta": {"result_count": 1}}
        return 200, {"data": [
            {"id": "1", "text": "a", "created_at": "2026-12-06T08:00:00.000Z", "public_metrics": metrics(300, 10)},
            {"id": "2", "text": "b", "created_at": "2026-12-05T20:00:00.000Z", "public_metrics": metrics(100, 4)}],
            "meta": {"result_count": 2, "next_token": "page2"}}

    platform.routes[f"/2/users/{USER}/tweets"] = timeline
    platform.routes[f"/2/users/{USER}"] = (200, {"data": {"id": USER, "public_metrics": {"followers_count": 321}}})

    rows = client(platform).insights(CREDENTIALS, since=date(2026, 12, 4), until=date(2026, 12, 6))

    assert [(r.day, r.followers, r.impressions, r.reach, r.engagement, r.link_clicks) for r in rows] == [
        (date(2026, 12, 4), None, 0, None, 0, None),
        (date(2026, 12, 5), None, 150, None, 9 + 6, None),
        (date(2026, 12, 6), 321, 300, None, 13, None),
    ]
    first = sent_to(platform, f"/2/users/{USER}/tweets")[0].query
    assert first["start_time"] == "2026-12-04T00:00:00Z"
    assert first["end_time"] == "2026-12-06T11:59:50Z"  # never in the future: X refuses it
    assert first["tweet.fields"] == "created_at,public_metrics"


def test_no_token_appears_in_errors_or_reprs(platform):
    platform.routes["/2/tweets"] = (401, {"detail": "Unauthorized"})
    x = client(platform)

    with pytest.raises(TokenExpired) as error:
        x.publish(CREDENTIALS, post())

    for text in (str(error.value), repr(x), repr(CREDENTIALS)):
        assert TOKEN not in text and REFRESH not in text and CLIENT_SECRET not in text
