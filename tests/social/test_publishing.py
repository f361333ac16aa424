"""Publishing through the API and the tasks, against a fake platform: POST
/api/social/posts/{id}/publish/ and /retry/, the task per target (idempotent under a double run
and a worker killed after the platform answered), lost answers looked up before any new send,
rate limits, expired tokens and refusals, the beat's dispatch (once each, even twice at once), and
publishing on read when no worker runs."""

import threading
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.db.models import F
from django.utils import timezone

from notifications.models import Notification
from products.models import ProductImage
from social.models import AccountStatus, PostImage, PostStatus, PostTarget
from social.services.publishing import post_request, targets_dispatch
from social.tasks import publish_due_targets, publish_target
from tests.accounts.factories import UserFactory
from tests.products.factories import ProductFactory
from tests.social.conftest import answered_too_late, sent_to
from tests.social.factories import PostTargetFactory, SocialAccountFactory

# Transactional: after-commit work (the queued tasks, run eagerly) happens inside the request, as served.
pytestmark = pytest.mark.django_db(transaction=True)

X_USER = "2244994945"
TWEETS = "/2/tweets"
TIMELINE = f"/2/users/{X_USER}/tweets"
PAGE = "1122334455"
FEED = f"/v24.0/{PAGE}/feed"


@pytest.fixture
def x_account(seller):
    return SocialAccountFactory(seller=seller, platform="twitter", platform_user_id=X_USER,
                                platform_username="ama_gadgets", access_token="x-user-token-secret")


@pytest.fixture
def target(x_account):
    return PostTargetFactory(post__seller=x_account.seller, account=x_account)


@pytest.fixture
def product_target(x_account):
    """A post about a product: its link carries the target's code, by which a lost post is found."""
    product = ProductFactory(seller=x_account.seller, name="Kente scarf")
    return PostTargetFactory(post__seller=x_account.seller, post__product=product, account=x_account)


def tweeted(server, tweet_id: str = "1799"):
    server.routes[TWEETS] = (201, {"data": {"id": tweet_id, "text": "..."}})


def published_tweets(server) -> list:
    return [received for received in sent_to(server, TWEETS) if received.method == "POST"]


def notifications_of(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("title", flat=True))


def scheduled_and_due(seller, account, **fields) -> PostTarget:
    """A target scheduled earlier (in the future then) whose time has now come."""
    target = PostTargetFactory(post__seller=seller, account=account, **fields)
    PostTarget.objects.filter(pk=target.pk).update(status=PostStatus.SCHEDULED,
                                                   scheduled_at=timezone.now() - timedelta(minutes=1),
                                                   updated_at=timezone.now() - timedelta(days=1))
    return target


def posted_tweet(tweet_id: str, target: PostTarget) -> dict:
    """The post as X's timeline shows it: the link shortened, expanded in its entities."""
    expanded = post_request(PostTarget.objects.select_related("post").get(pk=target.pk)).link
    return {"id": tweet_id, "text": "Fresh kente scarves https://t.co/abc",
            "entities": {"urls": [{"url": "https://t.co/abc", "expanded_url": expanded}]}}


def make_stale(target: PostTarget, *, minutes: int = 30) -> None:
    """As a worker that died mid-attempt leaves it: `publishing`, untouched for a while."""
    PostTarget.objects.filter(pk=target.pk).update(status=PostStatus.PUBLISHING, attempts=1,
                                                   updated_at=timezone.now() - timedelta(minutes=minutes))


# --- publish now --------------------------------------------------------------------------------

def test_publishing_a_post_sends_it_and_answers_with_the_published_target(seller, seller_client, target,
                                                                         fake_platform):
    tweeted(fake_platform)

    response = seller_client.post(f"/api/social/posts/{target.post_id}/publish/")

    assert response.status_code == 202
    body = response.json()["targets"][0]
    assert body["status"] == "published"
    assert body["platform_post_id"] == "1799"
    assert body["platform_url"] == "https://x.com/i/web/status/1799"
    assert body["attempts"] == 1 and body["last_error"] == "" and body["published_at"]
    sent = published_tweets(fake_platform)
    assert len(sent) == 1
    assert sent[0].json() == {"text": "Fresh kente scarves, handwoven in Bonwire.\n\n#Kente"}
    assert sent[0].headers["authorization"] == "Bearer x-user-token-secret"
    assert notifications_of(seller) == ["Your post is live on X (Twitter)"]


def test_the_task_run_twice_publishes_once(seller, target, fake_platform):
    tweeted(fake_platform)
    PostTarget.objects.filter(pk=target.pk).update(status=PostStatus.SCHEDULED, scheduled_at=timezone.now())

    assert publish_target(target.pk) == "published"
    assert publish_target(target.pk) == "published"  # the second run finds it done

    assert len(published_tweets(fake_platform)) == 1
    target.refresh_from_db()
    assert (target.status, target.attempts) == (PostStatus.PUBLISHED, 1)
    assert len(notifications_of(seller)) == 1


def test_a_publish_request_sent_twice_with_one_key_publishes_once(seller_client, target, fake_platform):
    tweeted(fake_platform)
    url = f"/api/social/posts/{target.post_id}/publish/"

    first = seller_client.post(url, HTTP_IDEMPOTENCY_KEY="publish-1")
    again = seller_client.post(url, HTTP_IDEMPOTENCY_KEY="publish-1")

    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert len(published_tweets(fake_platform)) == 1


def test_publishing_a_published_post_is_a_conflict(seller_client, target, fake_platform):
    tweeted(fake_platform)
    seller_client.post(f"/api/social/posts/{target.post_id}/publish/")

    response = seller_client.post(f"/api/social/posts/{target.post_id}/publish/")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert len(published_tweets(fake_platform)) == 1


def test_a_scheduled_target_not_yet_due_is_not_published_by_its_task(target, fake_platform):
    tweeted(fake_platform)
    PostTarget.objects.filter(pk=target.pk).update(status=PostStatus.SCHEDULED,
                                                   scheduled_at=timezone.now() + timedelta(hours=1))

    assert publish_target(target.pk) == "not due"
    assert publish_target(target.pk + 1000) == "gone"
    assert published_tweets(fake_platform) == []


def test_a_draft_is_not_published_by_a_stray_task(target, fake_platform):
    assert publish_target(target.pk) == "draft"
    assert fake_platform.requests == []


# --- a worker that died, answers that were lost -------------------------------------------------

def test_a_worker_killed_after_the_platform_answered_is_found_not_published_again(seller, product_target,
                                                                                   fake_platform):
    """The platform took the post, the worker died before recording it: the target is left
    `publishing`. Once stale, the dispatch queues it; the task finds the post by its code."""
    tweeted(fake_platform)
    make_stale(product_target)
    fake_platform.routes[TIMELINE] = (200, {"data": [posted_tweet("1800", product_target)]})

    assert targets_dispatch(limit=10) == 1

    product_target.refresh_from_db()
    assert (product_target.status, product_target.platform_post_id) == (PostStatus.PUBLISHED, "1800")
    assert published_tweets(fake_platform) == []
    assert len(notifications_of(seller)) == 1


def test_a_stale_attempt_not_found_at_the_platform_is_sent_again(product_target, fake_platform):
    tweeted(fake_platform)
    make_stale(product_target)
    fake_platform.routes[TIMELINE] = (200, {"data": [], "meta": {"result_count": 0}})

    assert publish_target(product_target.pk) == "published"

    product_target.refresh_from_db()
    assert (product_target.status, product_target.attempts) == (PostStatus.PUBLISHED, 2)
    assert len(published_tweets(fake_platform)) == 1


def test_a_lost_post_without_a_product_link_cannot_be_found_so_it_fails_not_duplicates(seller, target,
                                                                                       fake_platform):
    make_stale(target)

    assert publish_target(target.pk) == "failed"

    target.refresh_from_db()
    assert "cannot be found again" in target.last_error
    assert fake_platform.requests == []


def test_a_recent_publishing_target_belongs_to_the_run_still_at_work(target, fake_platform):
    make_stale(target, minutes=0)

    assert publish_target(target.pk) == "in progress"
    assert fake_platform.requests == []


def test_a_lost_answer_is_looked_up_and_the_post_found_is_recorded(settings, seller_client, product_target,
                                                                   fake_platform):
    settings.SOCIAL_HTTP_TIMEOUT_SECONDS = 0.3
    fake_platform.routes[TIMELINE] = (200, {"data": [posted_tweet("1801", product_target)]})

    with answered_too_late(fake_platform, TWEETS, (201, {"data": {"id": "1801"}})):
        response = seller_client.post(f"/api/social/posts/{product_target.post_id}/publish/")

    assert response.json()["targets"][0]["status"] == "published"
    assert response.json()["targets"][0]["platform_post_id"] == "1801"
    assert len(published_tweets(fake_platform)) == 1


def test_a_lost_answer_not_found_yet_is_left_publishing_never_sent_again_at_once(settings, seller_client,
                                                                                product_target, fake_platform):
    settings.SOCIAL_HTTP_TIMEOUT_SECONDS = 0.3
    fake_platform.routes[TIMELINE] = (200, {"data": []})

    with answered_too_late(fake_platform, TWEETS, (201, {"data": {"id": "1802"}})):
        response = seller_client.post(f"/api/social/posts/{product_target.post_id}/publish/")

    assert response.json()["targets"][0]["status"] == "publishing"
    assert publish_target(product_target.pk) == "in progress"  # looked up again only once stale
    assert len(published_tweets(fake_platform)) == 1


def test_a_platform_that_cannot_look_a_post_up_fails_rather_than_risk_a_duplicate(seller, fake_platform):
    whatsapp = SocialAccountFactory(seller=seller, platform="whatsapp", platform_user_id="106540352242922")
    target = PostTargetFactory(post__seller=seller, account=whatsapp)
    make_stale(target)

    assert publish_target(target.pk) == "failed"

    target.refresh_from_db()
    assert target.status == PostStatus.FAILED
    assert "no way to check whether it arrived" in target.last_error
    assert fake_platform.requests == []
    assert len(notifications_of(seller)) == 1


# --- errors -------------------------------------------------------------------------------------

def test_a_rate_limit_reschedules_after_the_platforms_retry_after(seller, seller_client, target, fake_platform):
    fake_platform.routes[TWEETS] = (429, {"title": "Too Many Requests"}, {"retry-after": "600"})
    before = timezone.now()

    response = seller_client.post(f"/api/social/posts/{target.post_id}/publish/")

    body = response.json()["targets"][0]
    assert (body["status"], body["attempts"]) == ("scheduled", 1)
    assert body["last_error"].startswith("twitter:")
    target.refresh_from_db()
    assert before + timedelta(seconds=595) <= target.scheduled_at <= timezone.now() + timedelta(seconds=605)
    assert targets_dispatch(limit=10) == 0  # not due yet
    assert notifications_of(seller) == []


def test_a_transient_error_retries_with_backoff_until_the_attempts_are_spent(settings, seller, target,
                                                                             fake_platform):
    settings.SOCIAL_PUBLISH_MAX_ATTEMPTS = 2
    fake_platform.routes[TWEETS] = (429, {"title": "slow down"}, {"retry-after": "1"})
    PostTarget.objects.filter(pk=target.pk).update(status=PostStatus.SCHEDULED, scheduled_at=timezone.now())

    assert publish_target(target.pk) == "retry"
    target.refresh_from_db()
    assert target.scheduled_at - target.updated_at >= timedelta(seconds=settings.SOCIAL_PUBLISH_RETRY_SECONDS - 1)

    # the backoff runs out
    PostTarget.objects.filter(pk=target.pk).update(scheduled_at=timezone.now() - timedelta(seconds=1),
                                                   updated_at=timezone.now() - timedelta(seconds=61))
    assert targets_dispatch(limit=10) == 1

    target.refresh_from_db()
    assert (target.status, target.attempts) == (PostStatus.FAILED, 2)
    assert "gave up after 2 attempts" in target.last_error
    assert len(published_tweets(fake_platform)) == 2
    assert len(notifications_of(seller)) == 1


def test_an_expired_token_fails_the_target_and_asks_for_a_reconnect(seller, seller_client, target, x_account,
                                                                    fake_platform):
    fake_platform.routes[TWEETS] = (401, {"title": "Unauthorized", "detail": "Unauthorized"})

    response = seller_client.post(f"/api/social/posts/{target.post_id}/publish/")

    body = response.json()["targets"][0]
    assert body["status"] == "failed" and "expired" in body["last_error"]
    x_account.refresh_from_db()
    assert x_account.status == AccountStatus.EXPIRED
    assert len(notifications_of(seller)) == 2  # reconnect the account; the post failed


def test_a_refused_post_fails_for_good_and_tells_the_seller_once(seller, seller_client, target, fake_platform):
    fake_platform.routes[TWEETS] = (403, {"title": "Forbidden", "detail": "duplicate content"})

    response = seller_client.post(f"/api/social/posts/{target.post_id}/publish/")

    body = response.json()["targets"][0]
    assert (body["status"], body["attempts"]) == ("failed", 1)
    assert "duplicate content" in body["last_error"]
    assert len(published_tweets(fake_platform)) == 1
    assert len(notifications_of(seller)) == 1


def test_retry_sends_the_failed_targets_again(seller, seller_client, target, fake_platform):
    fake_platform.routes[TWEETS] = (403, {"title": "Forbidden", "detail": "duplicate content"})
    seller_client.post(f"/api/social/posts/{target.post_id}/publish/")
    tweeted(fake_platform)

    response = seller_client.post(f"/api/social/posts/{target.post_id}/retry/")

    assert response.status_code == 202
    assert response.json()["targets"][0]["status"] == "published"
    assert seller_client.post(f"/api/social/posts/{target.post_id}/retry/").status_code == 409
    assert len(notifications_of(seller)) == 2  # failed, then published


def test_a_disconnected_account_fails_its_target_without_a_call(seller_client, target, x_account, fake_platform):
    SocialAccountFactory._meta.model.objects.filter(pk=x_account.pk).update(status=AccountStatus.REVOKED)

    body = seller_client.post(f"/api/social/posts/{target.post_id}/publish/").json()["targets"][0]

    assert body["status"] == "failed" and "reconnect" in body["last_error"]
    assert fake_platform.requests == []


# --- the beat -----------------------------------------------------------------------------------

def test_the_beat_publishes_due_targets_once_even_when_run_twice(seller, x_account, fake_platform):
    tweeted(fake_platform)
    due = scheduled_and_due(seller, x_account)
    later = PostTargetFactory(post__seller=seller, account=x_account, status=PostStatus.SCHEDULED,
                              scheduled_at=timezone.now() + timedelta(hours=1))

    assert publish_due_targets() == 1
    assert publish_due_targets() == 0

    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, later.status) == (PostStatus.PUBLISHED, PostStatus.SCHEDULED)
    assert len(published_tweets(fake_platform)) == 1


def test_a_queued_target_is_not_queued_again_by_the_next_beat(seller, x_account, fake_platform, monkeypatch):
    """A worker busy elsewhere: the first beat's message waits in the queue; the next beat leaves it."""
    queued = []
    monkeypatch.setattr("social.tasks.publish_target.delay", queued.append)
    scheduled_and_due(seller, x_account)

    assert publish_due_targets() == 1
    assert publish_due_targets() == 0
    assert len(queued) == 1


def test_a_stale_target_is_queued_once_per_staleness_period_not_by_every_beat(settings, product_target,
                                                                              fake_platform, monkeypatch):
    """Workers busy elsewhere (or its message lost): the beat queues a target a dead attempt left
    `publishing` once, and again only when a whole staleness period has passed without its task
    taking it over, not every minute until one does."""
    queued = []
    monkeypatch.setattr("social.tasks.publish_target.delay", queued.append)
    make_stale(product_target)

    assert publish_due_targets() == 1
    assert publish_due_targets() == 0
    assert publish_due_targets() == 0

    product_target.refresh_from_db()
    assert product_target.status == PostStatus.PUBLISHING and product_target.attempts == 1  # left to its task
    age = timedelta(seconds=settings.SOCIAL_PUBLISH_STALE_SECONDS + 1)
    PostTarget.objects.filter(pk=product_target.pk).update(recovery_queued_at=timezone.now() - age)
    assert publish_due_targets() == 1
    assert queued == [product_target.pk, product_target.pk]
    assert fake_platform.requests == []


def test_a_queued_stale_target_is_still_taken_over_by_its_task_and_queued_again_when_stale_again(
        product_target, fake_platform, monkeypatch):
    """The stamp leaves the attempt's own timestamp alone: the task still takes the target over, and
    a lookup with no answer is queued again once that attempt is stale in turn."""
    queued = []
    monkeypatch.setattr("social.tasks.publish_target.delay", queued.append)
    fake_platform.routes[TIMELINE] = (503, {"title": "Service Unavailable"})
    make_stale(product_target)
    assert publish_due_targets() == 1

    assert publish_target(product_target.pk) == "uncertain"  # the queued message, run late: taken over
    assert publish_due_targets() == 0  # the takeover's attempt is fresh

    # That attempt died too, and its staleness period has passed since.
    PostTarget.objects.filter(pk=product_target.pk).update(updated_at=F("updated_at") - timedelta(minutes=30),
                                                           recovery_queued_at=F("recovery_queued_at") -
                                                           timedelta(minutes=30))
    assert publish_due_targets() == 1
    assert queued == [product_target.pk, product_target.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_two_beats_at_once_queue_each_due_target_once(seller, x_account, monkeypatch):
    queued, lock = [], threading.Lock()

    def record(pk):
        with lock:
            queued.append(pk)

    monkeypatch.setattr("social.tasks.publish_target.delay", record)
    targets = [scheduled_and_due(seller, x_account) for _ in range(20)]
    left_by_dead_workers = [PostTargetFactory(post__seller=seller, account=x_account) for _ in range(10)]
    for target in left_by_dead_workers:
        make_stale(target)
    start = threading.Barrier(2)

    def beat():
        start.wait()
        try:
            publish_due_targets()
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(queued) == sorted(target.pk for target in targets + left_by_dead_workers)


# --- no worker: publishing on read --------------------------------------------------------------

@pytest.mark.parametrize("url", ["/api/social/posts/", "/api/social/schedules/", "post"])
def test_with_no_worker_due_targets_are_published_when_the_posts_are_read(seller, seller_client, target, url,
                                                                           fake_platform):
    tweeted(fake_platform)
    target = scheduled_and_due(seller, target.account)

    response = seller_client.get(f"/api/social/posts/{target.post_id}/" if url == "post" else url)

    assert response.status_code == 200
    target.refresh_from_db()
    assert target.status == PostStatus.PUBLISHED
    if url != "/api/social/schedules/":
        listed = response.json() if url != "post" else [response.json()]
        assert listed[0]["targets"][0]["status"] == "published"
    assert len(published_tweets(fake_platform)) == 1


def test_a_read_publishes_a_bounded_number_of_targets(seller, seller_client, x_account, fake_platform, monkeypatch):
    queued = []
    monkeypatch.setattr("social.tasks.publish_target.delay", queued.append)
    for _ in range(8):
        scheduled_and_due(seller, x_account)

    seller_client.get("/api/social/posts/")
    assert len(queued) == 5
    seller_client.get("/api/social/posts/")
    assert len(queued) == 8


def test_a_read_publishes_only_the_readers_targets(seller_client, fake_platform, monkeypatch):
    queued = []
    monkeypatch.setattr("social.tasks.publish_target.delay", queued.append)
    stranger = UserFactory(account_type="seller")
    scheduled_and_due(stranger, SocialAccountFactory(seller=stranger))

    seller_client.get("/api/social/posts/")

    assert queued == []


# --- ownership ----------------------------------------------------------------------------------

@pytest.mark.parametrize("action", ["publish", "retry"])
def test_another_sellers_post_is_not_found(seller_client, action, fake_platform):
    stranger = UserFactory(account_type="seller")
    foreign = PostTargetFactory(post__seller=stranger, status=PostStatus.FAILED)

    response = seller_client.post(f"/api/social/posts/{foreign.post_id}/{action}/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    foreign.refresh_from_db()
    assert foreign.status == PostStatus.FAILED


@pytest.mark.parametrize("action", ["publish", "retry"])
def test_buyers_cannot_publish(buyer_client, target, action):
    assert buyer_client.post(f"/api/social/posts/{target.post_id}/{action}/").status_code == 403


def test_publish_and_retry_are_in_the_schema(api_client):
    paths = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    for action in ("publish", "retry"):
        operation = paths[f"/api/social/posts/{{id}}/{action}/"]["post"]
        assert set(operation["responses"]) >= {"202", "404", "409"}
        assert any(parameter["name"] == "Idempotency-Key" for parameter in operation["parameters"])


# --- images -------------------------------------------------------------------------------------

def test_x_is_sent_the_images_bytes(seller, target, fake_platform):
    upload = PostImage(seller=seller, width=2, height=2)
    upload.image.save("photo.png", ContentFile(b"\x89PNG-bytes"), save=True)
    target.post.media.create(upload=upload, position=0)
    fake_platform.routes["/2/media/upload"] = (200, {"data": {"id": "1880000000000000001"}})
    tweeted(fake_platform)
    PostTarget.objects.filter(pk=target.pk).update(status=PostStatus.SCHEDULED, scheduled_at=timezone.now())

    assert publish_target(target.pk) == "published"

    [sent] = sent_to(fake_platform, "/2/media/upload")
    assert b"\x89PNG-bytes" in sent.body and b"image/png" in sent.body
    assert published_tweets(fake_platform)[0].json()["media"] == {"media_ids": ["1880000000000000001"]}


def test_meta_is_sent_public_image_urls(settings, seller, fake_platform):
    settings.API_PUBLIC_URL = "https://api.sellflow.test"
    page = SocialAccountFactory(seller=seller, platform="facebook", platform_user_id=PAGE)
    product = ProductFactory(seller=seller)
    image = ProductImage.objects.create(product=product, image=f"products/{product.pk}/0.jpg", position=0)
    target = PostTargetFactory(post__seller=seller, post__product=product, account=page)
    target.post.media.create(product_image=image, position=0)
    fake_platform.routes[f"/v24.0/{PAGE}/photos"] = (200, {"id": "555", "post_id": f"{PAGE}_888"})
    PostTarget.objects.filter(pk=target.pk).update(status=PostStatus.SCHEDULED, scheduled_at=timezone.now())

    assert publish_target(target.pk) == "published"

    [sent] = sent_to(fake_platform, f"/v24.0/{PAGE}/photos")
    assert sent.form["url"] == f"https://api.sellflow.test/media/products/{product.pk}/0.jpg"
    assert target.code in sent.form["caption"]


def test_an_image_missing_from_storage_fails_the_target(seller, target, fake_platform):
    upload = PostImage.objects.create(seller=seller, image="social/gone.jpg")
    target.post.media.create(upload=upload, position=0)
    PostTarget.objects.filter(pk=target.pk).update(status=PostStatus.SCHEDULED, scheduled_at=timezone.now())

    assert publish_target(target.pk) == "failed"
    target.refresh_from_db()
    assert "missing from storage" in target.last_error
    assert fake_platform.requests == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_the_task_run_twice_at_once_publishes_once(target, fake_platform):
    tweeted(fake_platform)
    PostTarget.objects.filter(pk=target.pk).update(status=PostStatus.SCHEDULED, scheduled_at=timezone.now())
    start, outcomes = threading.Barrier(2), []

    def run():
        start.wait()
        try:
            outcomes.append(publish_target(target.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert "published" in outcomes and len(outcomes) == 2
    assert len(published_tweets(fake_platform)) == 1


# --- lookups that fail, a second takeover (review findings) ---------------------------------------

def test_a_lookup_the_platform_refuses_fails_the_target_never_resends(seller, product_target, fake_platform):
    tweeted(fake_platform)
    make_stale(product_target)
    fake_platform.routes[TIMELINE] = (403, {"title": "Forbidden", "detail": "Your plan cannot read timelines"})

    assert publish_target(product_target.pk) == "failed"

    product_target.refresh_from_db()
    assert "refused to say whether it arrived" in product_target.last_error
    assert published_tweets(fake_platform) == []
    assert len(notifications_of(seller)) == 1


def test_a_lookup_that_keeps_failing_gives_up_after_the_attempts_cap(settings, seller, product_target, fake_platform):
    settings.SOCIAL_PUBLISH_MAX_ATTEMPTS = 2
    tweeted(fake_platform)
    fake_platform.routes[TIMELINE] = (503, {"title": "Service Unavailable"})
    make_stale(product_target)
    assert publish_target(product_target.pk) == "uncertain"  # attempt 2: asked again once stale

    make_stale(product_target)
    PostTarget.objects.filter(pk=product_target.pk).update(attempts=2)
    assert publish_target(product_target.pk) == "failed"  # attempt 3: past the cap

    product_target.refresh_from_db()
    assert product_target.status == PostStatus.FAILED
    assert "could not be asked whether it arrived" in product_target.last_error
    assert published_tweets(fake_platform) == []
    assert len(notifications_of(seller)) == 1


def test_every_lookup_covers_the_time_since_the_post_was_made(product_target, fake_platform):
    """A takeover stamps the target again: the lookup still starts before the post was made, so a
    post sent by the first attempt is found by the third."""
    tweeted(fake_platform)
    fake_platform.routes[TIMELINE] = (503, {"title": "Service Unavailable"})
    make_stale(product_target)
    assert publish_target(product_target.pk) == "uncertain"

    fake_platform.routes[TIMELINE] = (200, {"data": [posted_tweet("1900", product_target)]})
    make_stale(product_target)
    assert publish_target(product_target.pk) == "published"

    lookups = [received.query for received in sent_to(fake_platform, TIMELINE)]
    made = product_target.post.created_at
    assert {query["start_time"] for query in lookups} == {
        (made - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert published_tweets(fake_platform) == []
