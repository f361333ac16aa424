"""The Instagram client against a fake Graph API: the container → media_publish steps, carousels,
waiting for a container, the errors, the lookup of an uncertain publish, and daily insights."""

from datetime import UTC, date, datetime, timedelta

import pytest

from social.platforms import (
    Credentials,
    MediaFile,
    NotSupported,
    PermanentError,
    PostRequest,
    RateLimited,
    TokenExpired,
    TransientError,
    Uncertain,
)
from social.platforms.instagram import InstagramClient
from tests.social.conftest import (
    APP_ID,
    APP_SECRET,
    NOW,
    PAGE_TOKEN,
    answered_too_late,
    clock,
    graph_error,
    sent_to,
)

ACCOUNT = "17841400001"
CREDENTIALS = Credentials(access_token=PAGE_TOKEN, platform_user_id=ACCOUNT, page_id="1015550001")
LINK = "https://shop.test/r/Ig4567/"
PHOTO = "https://cdn.test/p/1.jpg"


def client(server, **options) -> InstagramClient:
    values = {"app_id": APP_ID, "app_secret": APP_SECRET, "graph_url": server.url, "graph_version": "v24.0",
              "timeout": 2, "now": clock}
    instagram = InstagramClient(**{**values, **options})
    instagram.container_wait_seconds = 0
    return instagram


def post(**fields) -> PostRequest:
    return PostRequest(**{"text": "Sound that moves you #Tech", "link": LINK, "image_urls": (PHOTO,), **fields})


def publish_routes(platform, *, statuses=("FINISHED",)):
    containers = iter(f"cont-{n}" for n in range(1, 20))
    platform.routes[f"/v24.0/{ACCOUNT}/media"] = lambda received: (200, {"id": next(containers)})
    status = iter(statuses)
    platform.routes["/v24.0/cont-1"] = lambda received: (200, {"status_code": next(status), "id": "cont-1"})
    platform.routes["/v24.0/cont-4"] = lambda received: (200, {"status_code": next(status), "id": "cont-4"})
    platform.routes[f"/v24.0/{ACCOUNT}/media_publish"] = (200, {"id": "18000000001"})
    platform.routes["/v24.0/18000000001"] = (200, {"permalink": "https://www.instagram.com/p/AbC/",
                                                  "id": "18000000001"})


def test_one_image_is_a_container_then_a_publish_of_it(platform):
    publish_routes(platform)

    published = client(platform).publish(CREDENTIALS, post())

    assert (published.platform_post_id, published.url) == ("18000000001", "https://www.instagram.com/p/AbC/")
    assert [(r.method, r.path.partition("?")[0]) for r in platform.received] == [
        ("POST", f"/v24.0/{ACCOUNT}/media"), ("GET", "/v24.0/cont-1"),
        ("POST", f"/v24.0/{ACCOUNT}/media_publish"), ("GET", "/v24.0/18000000001")]
    container, status, publish, _ = platform.received
    assert container.form == {"image_url": PHOTO, "caption": f"Sound that moves you #Tech\n\n{LINK}"}
    assert container.headers["authorization"] == f"Bearer {PAGE_TOKEN}"
    assert status.query["fields"] == "status_code"
    assert publish.form == {"creation_id": "cont-1"}


def test_several_images_are_a_carousel_of_child_containers(platform):
    publish_routes(platform)
    urls = ("https://cdn.test/1.jpg", "https://cdn.test/2.jpg", "https://cdn.test/3.jpg")

    client(platform).publish(CREDENTIALS, post(image_urls=urls))

    creates = sent_to(platform, f"/v24.0/{ACCOUNT}/media")
    assert [c.form for c in creates[:3]] == [{"image_url": url, "is_carousel_item": "true"} for url in urls]
    assert creates[3].form == {"media_type": "CAROUSEL", "children": "cont-1,cont-2,cont-3",
                               "caption": f"Sound that moves you #Tech\n\n{LINK}"}
    assert sent_to(platform, f"/v24.0/{ACCOUNT}/media_publish")[0].form == {"creation_id": "cont-4"}


def test_a_container_still_in_progress_is_waited_for(platform):
    publish_routes(platform, statuses=("IN_PROGRESS", "IN_PROGRESS", "FINISHED"))

    client(platform).publish(CREDENTIALS, post())

    assert len(sent_to(platform, "/v24.0/cont-1")) == 3


@pytest.mark.parametrize("answer", [(503, {"error": {"message": "down", "code": 2}}),
                                    (429, {"error": {"message": "Too many", "code": 4}}),
                                    (400, {"error": {"message": "No permission", "code": 10}})])
def test_a_post_live_whose_permalink_cannot_be_read_is_still_published(platform, answer):
    """Once media_publish answered an id the post is live: a failed read of its URL must not pass
    for a failed publish, which would be retried and publish it twice."""
    publish_routes(platform)
    platform.routes["/v24.0/18000000001"] = answer

    published = client(platform).publish(CREDENTIALS, post())

    assert (published.platform_post_id, published.url) == ("18000000001", "")
    assert len(sent_to(platform, f"/v24.0/{ACCOUNT}/media_publish")) == 1


def test_a_publish_answered_without_an_id_is_uncertain_not_refused(platform):
    publish_routes(platform)
    platform.routes[f"/v24.0/{ACCOUNT}/media_publish"] = (200, {})

    with pytest.raises(Uncertain):
        client(platform).publish(CREDENTIALS, post())


def test_a_container_that_never_gets_ready_is_transient_and_nothing_is_published(platform):
    publish_routes(platform, statuses=("IN_PROGRESS",) * 5)

    with pytest.raises(TransientError):
        client(platform).publish(CREDENTIALS, post())

    assert sent_to(platform, f"/v24.0/{ACCOUNT}/media_publish") == []


def test_a_container_instagram_could_not_prepare_is_permanent(platform):
    publish_routes(platform, statuses=("ERROR",))

    with pytest.raises(PermanentError):
        client(platform).publish(CREDENTIALS, post())

    assert sent_to(platform, f"/v24.0/{ACCOUNT}/media_publish") == []


@pytest.mark.parametrize("fields", [
    {"image_urls": ()},
    {"image_urls": tuple(f"https://cdn.test/{n}.jpg" for n in range(11))},
    {"images": (MediaFile(content=b"jpeg"),)},
], ids=["no image", "eleven images", "bytes"])
def test_what_instagram_cannot_take_is_refused_before_anything_is_sent(platform, fields):
    with pytest.raises(PermanentError):
        client(platform).publish(CREDENTIALS, post(**fields))

    assert platform.received == []


def test_a_429_on_publish_is_rate_limited(platform):
    publish_routes(platform)
    platform.routes[f"/v24.0/{ACCOUNT}/media_publish"] = (429, {"error": {"message": "Too many", "code": 4}},
                                                          {"Retry-After": "120"})

    with pytest.raises(RateLimited) as error:
        client(platform).publish(CREDENTIALS, post())

    assert error.value.retry_after == 120


def test_the_daily_publishing_limit_is_rate_limited(platform):
    publish_routes(platform)
    platform.routes[f"/v24.0/{ACCOUNT}/media_publish"] = graph_error(
        9, "Application request limit reached", status=403, error_subcode=2207042)

    with pytest.raises(RateLimited):
        client(platform).publish(CREDENTIALS, post())


def test_an_expired_token_is_token_expired(platform):
    platform.routes[f"/v24.0/{ACCOUNT}/media"] = graph_error(190, "Error validating access token", error_subcode=463)

    with pytest.raises(TokenExpired):
        client(platform).publish(CREDENTIALS, post())


def test_a_media_url_instagram_cannot_fetch_is_permanent(platform):
    platform.routes[f"/v24.0/{ACCOUNT}/media"] = graph_error(9004, "Only photo or video can be accepted as media type.",
                                                             error_subcode=2207052)

    with pytest.raises(PermanentError) as error:
        client(platform).publish(CREDENTIALS, post())

    assert error.value.code == "9004" and error.value.subcode == "2207052"


def test_media_not_ready_on_publish_is_transient(platform):
    publish_routes(platform)
    platform.routes[f"/v24.0/{ACCOUNT}/media_publish"] = graph_error(9007, "Media ID is not available",
                                                                     error_subcode=2207027)

    with pytest.raises(TransientError) as error:
        client(platform).publish(CREDENTIALS, post())

    assert not isinstance(error.value, Uncertain)


def test_a_publish_answered_after_the_timeout_is_uncertain_then_found_by_its_code(platform):
    publish_routes(platform)
    platform.routes[f"/v24.0/{ACCOUNT}/media"] = lambda received: (
        (200, {"data": [{"id": "18000000001", "caption": f"Sound\n\n{LINK}", "permalink": "https://ig.test/p/1"}]})
        if received.method == "GET" else (200, {"id": "cont-1"}))

    with answered_too_late(platform, f"/v24.0/{ACCOUNT}/media_publish", (200, {"id": "18000000001"})):
        with pytest.raises(Uncertain):
            client(platform, timeout=0.3).publish(CREDENTIALS, post())
    found = client(platform).find_published(CREDENTIALS, marker="Ig4567", since=NOW - timedelta(minutes=5))

    assert len(sent_to(platform, f"/v24.0/{ACCOUNT}/media_publish")) == 1
    assert (found.platform_post_id, found.url) == ("18000000001", "https://ig.test/p/1")
    assert client(platform).find_published(CREDENTIALS, marker="Other1", since=NOW) is None


def test_instagram_media_cannot_be_deleted_through_the_api(platform):
    with pytest.raises(NotSupported):
        client(platform).delete(CREDENTIALS, "18000000001")

    assert platform.received == []


def test_media_deleted_in_the_app_is_gone_only_while_the_account_still_answers_the_token(platform):
    deleted = graph_error(100, "Unsupported get request. Object with ID '18000000002' does not exist, cannot be "
                               "loaded due to missing permissions, or does not support this operation",
                          error_subcode=33)
    platform.routes["/v24.0/18000000001"] = (200, {"id": "18000000001"})
    platform.routes["/v24.0/18000000002"] = deleted
    platform.routes[f"/v24.0/{ACCOUNT}"] = (200, {"id": ACCOUNT, "username": "ama.gadgets"})

    assert client(platform).is_gone(CREDENTIALS, "18000000001") is False
    assert client(platform).is_gone(CREDENTIALS, "18000000002") is True
    lookup = sent_to(platform, "/v24.0/18000000002")[0]
    assert (lookup.method, lookup.query["fields"], lookup.headers["authorization"]) == ("GET", "id",
                                                                                        f"Bearer {PAGE_TOKEN}")

    platform.routes[f"/v24.0/{ACCOUNT}"] = deleted  # the token may not read the account either: not known gone
    with pytest.raises(PermanentError):
        client(platform).is_gone(CREDENTIALS, "18000000002")
    platform.routes["/v24.0/18000000002"] = graph_error(190, "Error validating access token", status=401)
    with pytest.raises(TokenExpired):
        client(platform).is_gone(CREDENTIALS, "18000000002")
    platform.routes["/v24.0/18000000002"] = (500, {"error": {"message": "Please retry", "code": 2}})
    with pytest.raises(TransientError):
        client(platform).is_gone(CREDENTIALS, "18000000002")


def test_insights_are_asked_per_day_and_followers_for_today(platform):
    def insights(received):
        day = datetime.fromtimestamp(int(received.query["since"]), UTC).day
        return 200, {"data": [{"name": "views", "period": "day", "total_value": {"value": 100 * day}},
                              {"name": "reach", "period": "day", "total_value": {"value": 10 * day}},
                              {"name": "total_interactions", "period": "day", "total_value": {"value": day}}]}

    platform.routes[f"/v24.0/{ACCOUNT}/insights"] = insights
    platform.routes[f"/v24.0/{ACCOUNT}"] = (200, {"followers_count": 812, "id": ACCOUNT})

    rows = client(platform).insights(CREDENTIALS, since=date(2026, 12, 5), until=date(2026, 12, 6))

    assert [(r.day, r.followers, r.impressions, r.reach, r.engagement, r.link_clicks) for r in rows] == [
        (date(2026, 12, 5), None, 500, 50, 5, None),
        (date(2026, 12, 6), 812, 600, 60, 6, None),
    ]
    first = sent_to(platform, f"/v24.0/{ACCOUNT}/insights")[0].query
    assert first["metric"] == "views,reach,total_interactions"
    assert (first["period"], first["metric_type"]) == ("day", "total_value")


def test_a_manual_token_must_reach_the_instagram_account(platform):
    platform.routes[f"/v24.0/{ACCOUNT}"] = (200, {"id": ACCOUNT, "username": "ama.gadgets", "name": "Ama Gadgets",
                                                  "profile_picture_url": "https://cdn.test/ig.png"})

    profile = client(platform).verify_token(PAGE_TOKEN, platform_user_id=ACCOUNT)

    assert (profile.user_id, profile.username, profile.display_name) == (ACCOUNT, "ama.gadgets", "Ama Gadgets")
    with pytest.raises(PermanentError):
        client(platform).verify_token(PAGE_TOKEN)


def test_login_lists_the_instagram_accounts_linked_to_the_users_pages(platform):
    platform.routes["/v24.0/oauth/access_token"] = (200, {"access_token": "user-token", "expires_in": 5184000})
    platform.routes["/v24.0/me"] = (200, {"id": "4242", "name": "Ama Mensah"})
    platform.routes["/v24.0/me/permissions"] = (200, {"data": []})
    platform.routes["/v24.0/me/accounts"] = (200, {"data": [
        {"id": "1015550001", "name": "Ama's Gadgets", "access_token": "page-token",
         "instagram_business_account": {"id": ACCOUNT, "username": "ama.gadgets", "name": "Ama Gadgets"}},
        {"id": "1015550002", "name": "Page without Instagram", "access_token": "other-token"}]})

    grant = client(platform).exchange_code(code="the-code", redirect_uri="https://api.test/cb/")

    [account] = grant.accounts
    assert (account.profile.user_id, account.profile.username, account.page_id, account.access_token) == (
        ACCOUNT, "ama.gadgets", "1015550001", "page-token")
    assert "instagram_content_publish" in client(platform).authorization_url(
        state="s", redirect_uri="https://api.test/cb/")


# --- webhooks -----------------------------------------------------------------------------------

def test_webhooks_are_subscribed_on_the_linked_page_with_its_token(platform):
    platform.routes["/v24.0/1015550001/subscribed_apps"] = (200, {"success": True})

    client(platform).subscribe_webhooks(CREDENTIALS)

    [sent] = platform.received
    assert (sent.method, sent.path.partition("?")[0]) == ("POST", "/v24.0/1015550001/subscribed_apps")
    assert sent.headers["authorization"] == f"Bearer {PAGE_TOKEN}"
    assert sent.form == {"subscribed_fields": "feed,mention"}


def test_without_the_linked_page_nothing_is_subscribed(platform):
    with pytest.raises(PermanentError, match="Facebook Page linked to this account is not known"):
        client(platform).subscribe_webhooks(Credentials(access_token=PAGE_TOKEN, platform_user_id=ACCOUNT))

    assert platform.received == []
