"""What the platforms' webhooks say about posts SellFlow published, through POST
/api/webhooks/social/{platform}/ with valid signatures: a deletion at the platform sets the target's
`removed_at` (it stays `published`), a WhatsApp message that was not delivered fails its target, and
a replayed event changes nothing."""

import pytest
from django.test import Client
from django.utils import timezone

from notifications.models import Notification
from social.models import EventKind, PlatformEvent, PostStatus, PostTarget
from tests.social.conftest import APP_SECRET
from tests.social.factories import PostTargetFactory, SocialAccountFactory
from tests.social.webhooks import (
    CONSUMER_SECRET,
    PAGE,
    PHONE_NUMBER_ID,
    X_USER,
    page_notification,
    post_meta,
    post_x,
)

pytestmark = pytest.mark.django_db

OTHER_PAGE = "1015550002"
WAMID = "wamid.HBgMMjMzMjQxMjM0NTY3FQIAERgSQzVGOTA4RjMyRjQ2RkUzNkQ2AA=="


@pytest.fixture(autouse=True)
def secrets(settings):
    settings.META_APP_SECRET = APP_SECRET
    settings.X_CONSUMER_SECRET = CONSUMER_SECRET


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)  # platforms send no CSRF token


def feed_change(item: str, verb: str, post_id: str, **value) -> dict:
    return {"field": "feed", "value": {"item": item, "verb": verb, "post_id": post_id, **value}}


def whatsapp_statuses(*statuses, phone_number_id=PHONE_NUMBER_ID) -> dict:
    metadata = {"display_phone_number": "233501234567", "phone_number_id": phone_number_id}
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA1", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": metadata,
                                        "statuses": list(statuses)}}]}]}


def published(account, platform_post_id: str, **fields) -> PostTarget:
    return PostTargetFactory(post__seller=account.seller, account=account, status=PostStatus.PUBLISHED,
                             platform_post_id=platform_post_id, published_at=timezone.now(), attempts=1, **fields)


def state(target: PostTarget) -> tuple:
    target.refresh_from_db()
    return target.status, target.removed_at, target.last_error, target.updated_at


@pytest.fixture
def page():
    return SocialAccountFactory(platform="facebook", platform_user_id=PAGE)


# --- deletions ----------------------------------------------------------------------------------

@pytest.mark.parametrize("item", ["status", "photo", "video"])
def test_a_page_post_removed_on_facebook_is_marked_removed_and_stays_published(client, page, item):
    target = published(page, f"{PAGE}_9")
    before = timezone.now()

    response = post_meta(client, page_notification(feed_change(item, "remove", f"{PAGE}_9")))

    assert response.json() == {"received": True, "stored": 1, "duplicates": 0}
    target.refresh_from_db()
    assert target.status == PostStatus.PUBLISHED and target.published_at is not None
    assert before <= target.removed_at <= timezone.now()
    assert PlatformEvent.objects.get().kind == EventKind.DELETION


def test_a_deletion_touches_only_the_target_of_that_account_and_post(client, page):
    target = published(page, f"{PAGE}_9")
    same_page_other_post = published(page, f"{PAGE}_10")
    # Another seller's account elsewhere whose target happens to carry the same platform id.
    stranger = published(SocialAccountFactory(platform="facebook", platform_user_id=OTHER_PAGE), f"{PAGE}_9")
    on_x = published(SocialAccountFactory(seller=page.seller, platform="twitter", platform_user_id=PAGE),
                     f"{PAGE}_9")
    untouched = [state(other) for other in (same_page_other_post, stranger, on_x)]

    post_meta(client, page_notification(feed_change("status", "remove", f"{PAGE}_9")))

    assert state(target)[1] is not None
    assert [state(other) for other in (same_page_other_post, stranger, on_x)] == untouched


def test_every_connection_of_the_page_that_published_the_post_sees_it_removed(client, page):
    """Two sellers may connect the same Page: the post is the one Page post whoever published it."""
    target = published(page, f"{PAGE}_9")
    SocialAccountFactory(platform="facebook", platform_user_id=PAGE)  # connected later by another seller

    post_meta(client, page_notification(feed_change("status", "remove", f"{PAGE}_9")))

    assert state(target)[1] is not None


def test_a_removed_comment_is_not_the_removal_of_its_post(client, page):
    target = published(page, f"{PAGE}_9")
    before = state(target)

    post_meta(client, page_notification(feed_change("comment", "remove", f"{PAGE}_9", comment_id=f"{PAGE}_9_1")))

    assert PlatformEvent.objects.get().kind == EventKind.DELETION
    assert state(target) == before


@pytest.mark.parametrize("verb", ["add", "edited", "hide"])
def test_other_changes_of_a_page_post_leave_its_target_alone(client, page, verb):
    target = published(page, f"{PAGE}_9")
    before = state(target)

    post_meta(client, page_notification(feed_change("status", verb, f"{PAGE}_9")))

    assert PlatformEvent.objects.count() == 1
    assert state(target) == before


def test_a_deletion_of_a_post_sellflow_did_not_publish_is_stored_and_changes_no_target(client, page):
    target = published(page, f"{PAGE}_9")
    before = state(target)

    response = post_meta(client, page_notification(feed_change("status", "remove", f"{PAGE}_777")))

    assert response.json()["stored"] == 1
    assert PlatformEvent.objects.get().account == page
    assert state(target) == before


def test_a_replayed_deletion_changes_nothing(client, page):
    target = published(page, f"{PAGE}_9")
    document = page_notification(feed_change("status", "remove", f"{PAGE}_9"))
    post_meta(client, document)
    PostTarget.objects.filter(pk=target.pk).update(removed_at=None)  # say an operator put it right since
    before = state(target)

    response = post_meta(client, document)

    assert response.json() == {"received": True, "stored": 0, "duplicates": 1}
    assert state(target) == before


def test_a_second_deletion_event_keeps_the_first_time(client, page):
    target = published(page, f"{PAGE}_9")
    post_meta(client, page_notification(feed_change("status", "remove", f"{PAGE}_9"), time=1))
    first = state(target)

    post_meta(client, page_notification(feed_change("photo", "remove", f"{PAGE}_9"), time=2))

    assert PlatformEvent.objects.count() == 2
    assert state(target) == first


def test_the_post_shows_when_it_was_removed_at_the_platform(client, seller, seller_client):
    target = published(SocialAccountFactory(seller=seller, platform="facebook", platform_user_id=PAGE), f"{PAGE}_9")
    post_meta(client, page_notification(feed_change("status", "remove", f"{PAGE}_9")))
    target.refresh_from_db()

    response = seller_client.get(f"/api/social/posts/{target.post_id}/")

    [body] = response.json()["targets"]
    assert (body["status"], body["removed_at"]) == ("published", target.removed_at.isoformat().replace("+00:00", "Z"))


def test_a_post_deleted_on_x_is_marked_removed(client):
    account = SocialAccountFactory(platform="twitter", platform_user_id=X_USER)
    target = published(account, "1802000000000000001")
    other = published(account, "1802000000000000002")
    before = state(other)

    response = post_x(client, {"for_user_id": X_USER, "tweet_delete_events": [
        {"status": {"id": "1802000000000000001", "user_id": X_USER}, "timestamp_ms": "1765022400000"}]})

    assert response.json()["stored"] == 1
    status, removed_at, *_ = state(target)
    assert status == PostStatus.PUBLISHED and removed_at is not None
    assert state(other) == before


def test_the_accounts_own_new_post_on_x_changes_no_target(client):
    account = SocialAccountFactory(platform="twitter", platform_user_id=X_USER)
    target = published(account, "1802000000000000001")
    publishing = PostTargetFactory(post__seller=account.seller, account=account, status=PostStatus.PUBLISHING)
    before = [state(target), state(publishing)]

    post_x(client, {"for_user_id": X_USER, "tweet_create_events": [
        {"id_str": "1802000000000000001", "text": "New headphones", "user": {"id_str": X_USER}},
        {"id_str": "1802000000000000003", "text": "Kente scarves", "user": {"id_str": X_USER}}]})

    assert set(PlatformEvent.objects.values_list("kind", flat=True)) == {EventKind.POST_STATUS}
    assert [state(target), state(publishing)] == before


# --- WhatsApp message statuses --------------------------------------------------------------------

@pytest.fixture
def whatsapp():
    return SocialAccountFactory(platform="whatsapp", platform_user_id=PHONE_NUMBER_ID)


UNDELIVERABLE = {"id": WAMID, "status": "failed", "timestamp": "1765022400", "recipient_id": "233241234567",
                 "errors": [{"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable",
                             "error_data": {"details": "Message Undeliverable."}}]}


def test_a_whatsapp_message_that_failed_fails_its_target_with_the_platforms_reason(
        client, whatsapp, django_capture_on_commit_callbacks):
    target = published(whatsapp, WAMID)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_meta(client, whatsapp_statuses(UNDELIVERABLE), platform="whatsapp")

    assert response.json()["stored"] == 1
    target.refresh_from_db()
    assert (target.status, target.last_error, target.removed_at) == (
        PostStatus.FAILED, "whatsapp: Message undeliverable (131026)", None)
    assert list(Notification.objects.filter(user=whatsapp.seller).values_list("title", "body")) == [
        ("Your post could not be published on WhatsApp",
         "whatsapp: Message undeliverable (131026) Fix it and retry the post.")]


def test_a_replayed_whatsapp_failure_changes_nothing(client, whatsapp, django_capture_on_commit_callbacks):
    target = published(whatsapp, WAMID)
    document = whatsapp_statuses(UNDELIVERABLE)
    post_meta(client, document, platform="whatsapp")
    PostTarget.objects.filter(pk=target.pk).update(status=PostStatus.PUBLISHED, last_error="")  # resent since
    before = state(target)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_meta(client, document, platform="whatsapp")

    assert response.json() == {"received": True, "stored": 0, "duplicates": 1}
    assert state(target) == before
    assert not Notification.objects.filter(user=whatsapp.seller).exists()


def test_sent_delivered_and_read_statuses_leave_a_whatsapp_target_published(client, whatsapp):
    target = published(whatsapp, WAMID)
    before = state(target)

    post_meta(client, whatsapp_statuses(*({"id": WAMID, "status": status, "timestamp": "1765022400",
                                           "recipient_id": "233241234567"} for status in ("sent", "delivered",
                                                                                           "read"))),
              platform="whatsapp")

    assert PlatformEvent.objects.get().kind == EventKind.POST_STATUS
    assert state(target) == before


def test_a_whatsapp_failure_names_only_its_own_message_and_number(client, whatsapp):
    target = published(whatsapp, WAMID)
    other_number = published(SocialAccountFactory(platform="whatsapp", platform_user_id="1099000222"), WAMID)
    not_published = PostTargetFactory(post__seller=whatsapp.seller, account=whatsapp, status=PostStatus.FAILED,
                                      platform_post_id="wamid.earlier", last_error="whatsapp: earlier")
    before = [state(other_number), state(not_published)]

    post_meta(client, whatsapp_statuses(UNDELIVERABLE, {**UNDELIVERABLE, "id": "wamid.earlier"},
                                        {**UNDELIVERABLE, "id": "wamid.unknown"}), platform="whatsapp")

    assert state(target)[0] == PostStatus.FAILED
    assert [state(other_number), state(not_published)] == before


def test_a_whatsapp_failure_without_errors_still_says_why(client, whatsapp):
    target = published(whatsapp, WAMID)

    post_meta(client, whatsapp_statuses({"id": WAMID, "status": "failed"}), platform="whatsapp")

    target.refresh_from_db()
    assert (target.status, target.last_error) == (PostStatus.FAILED,
                                                  "whatsapp: the message could not be delivered")


@pytest.mark.parametrize(("statuses", "status"), [
    (5, PostStatus.PUBLISHED), ("failed", PostStatus.PUBLISHED),
    ([5, {"status": "failed"}, {"id": True, "status": "failed"}], PostStatus.PUBLISHED),
    ([{"id": WAMID, "status": "failed", "errors": {"title": "x"}}], PostStatus.FAILED),
], ids=["a number", "a string", "items without ids", "errors not a list"])
def test_whatsapp_statuses_of_an_odd_shape_are_stored_without_a_500(client, whatsapp, statuses, status):
    target = published(whatsapp, WAMID)
    document = whatsapp_statuses()
    document["entry"][0]["changes"][0]["value"]["statuses"] = statuses

    response = post_meta(client, document, platform="whatsapp")

    assert response.status_code == 200
    assert PlatformEvent.objects.count() == 1
    assert state(target)[0] == status
