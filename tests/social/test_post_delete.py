"""Deleting a published post: DELETE /api/social/posts/{id}/?at_platform=true deletes each published
target at its platform (against a fake Graph API and X API), then the post here, and only when
every one of them is gone there. Without the flag, a published post stays (409 with the hint); a
target on its way is a 409 either way; a platform that fails keeps the post and says which targets
are already gone; a platform that cannot delete refuses the whole request before any is asked, unless
it tells that the seller deleted the post there (Instagram, looked up first)."""

import pytest
from django.utils import timezone

from social.models import AccountStatus, LocalPlatformPost, PostStatus, PostTarget, SocialPost
from social.platforms.facebook import FacebookClient
from tests.accounts.factories import UserFactory
from tests.social.conftest import graph_error, sent_to
from tests.social.factories import PostTargetFactory, SocialAccountFactory

pytestmark = pytest.mark.django_db

PAGE = "1015550001"
X_USER = "2244994945"
IG_USER = "17841400000000001"
IG_MEDIA = "17900000000000001"
UNSUPPORTED_GET = ("Unsupported get request. Object with ID '17900000000000001' does not exist, cannot be loaded "
                   "due to missing permissions, or does not support this operation")


@pytest.fixture
def facebook(seller):
    return SocialAccountFactory(seller=seller, platform="facebook", platform_user_id=PAGE,
                                access_token="EAAPageToken-secret-value")


@pytest.fixture
def x_account(seller):
    return SocialAccountFactory(seller=seller, platform="twitter", platform_user_id=X_USER,
                                access_token="x-user-token-secret")


@pytest.fixture
def stranger():
    return UserFactory(account_type="seller")


@pytest.fixture
def instagram(seller):
    return SocialAccountFactory(seller=seller, platform="instagram", platform_user_id=IG_USER, page_id=PAGE)


def published(post, account, platform_post_id: str, url: str = "") -> PostTarget:
    return PostTargetFactory(post=post, account=account, status=PostStatus.PUBLISHED,
                             platform_post_id=platform_post_id, platform_url=url, published_at=timezone.now(),
                             attempts=1)


@pytest.fixture
def cross_post(seller, facebook, x_account):
    """A post live on a Facebook Page and on X."""
    on_facebook = PostTargetFactory(post__seller=seller, account=facebook, status=PostStatus.PUBLISHED,
                                    platform_post_id=f"{PAGE}_777", published_at=timezone.now(), attempts=1)
    published(on_facebook.post, x_account, "1799")
    return on_facebook.post


def graph_post(post_id: str) -> str:
    return f"/v24.0/{post_id}"


def media_gone(server) -> None:
    """The seller deleted the media in the Instagram app; the account still answers to its token."""
    server.routes[graph_post(IG_MEDIA)] = graph_error(100, UNSUPPORTED_GET, error_subcode=33)
    server.routes[graph_post(IG_USER)] = (200, {"id": IG_USER, "username": "ama.gadgets"})


def deletes(server) -> list[str]:
    return [received.path.partition("?")[0] for received in server.received if received.method == "DELETE"]


def delete(client, post, query: str = "?at_platform=true"):
    return client.delete(f"/api/social/posts/{post.pk}/{query}")


def kept(post) -> list[str]:
    return list(PostTarget.objects.filter(post=post).order_by("pk").values_list("status", flat=True))


# --- deleted at the platforms, then here ---------------------------------------------------------

def test_a_published_post_is_deleted_at_each_platform_then_here(seller_client, cross_post, fake_platform):
    fake_platform.routes[graph_post(f"{PAGE}_777")] = (200, {"success": True})
    fake_platform.routes["/2/tweets/1799"] = (200, {"data": {"deleted": True}})

    response = delete(seller_client, cross_post)

    assert response.status_code == 204
    assert deletes(fake_platform) == [graph_post(f"{PAGE}_777"), "/2/tweets/1799"]
    [on_facebook] = sent_to(fake_platform, graph_post(f"{PAGE}_777"))
    assert on_facebook.headers["authorization"] == "Bearer EAAPageToken-secret-value"
    [on_x] = sent_to(fake_platform, "/2/tweets/1799")
    assert on_x.headers["authorization"] == "Bearer x-user-token-secret"
    assert not SocialPost.objects.filter(pk=cross_post.pk).exists()
    assert PostTarget.objects.count() == 0

    again = delete(seller_client, cross_post)
    assert (again.status_code, again.json()["code"]) == (404, "not_found")
    assert len(deletes(fake_platform)) == 2


def test_a_post_already_gone_at_the_platform_counts_as_deleted(seller_client, cross_post, fake_platform):
    fake_platform.routes[graph_post(f"{PAGE}_777")] = graph_error(100, "Object does not exist", error_subcode=33)
    fake_platform.routes["/v24.0/me"] = (200, {"id": PAGE})  # the Page still answers to its token
    fake_platform.routes["/2/tweets/1799"] = (404, {"detail": "Not Found"})

    assert delete(seller_client, cross_post).status_code == 204
    assert SocialPost.objects.count() == 0


def test_a_facebook_post_the_token_may_not_load_is_not_taken_for_deleted(seller_client, cross_post, fake_platform):
    """Graph answers 100/33 alike for a deleted post and for one the token may not load: with a
    token that no longer acts as the Page, the post may still be live there, so it is kept here."""
    on_facebook = cross_post.targets.get(platform="facebook")
    fake_platform.routes[graph_post(f"{PAGE}_777")] = graph_error(100, "Object does not exist", error_subcode=33)
    fake_platform.routes["/v24.0/me"] = graph_error(100, UNSUPPORTED_GET, error_subcode=33)

    response = delete(seller_client, cross_post)

    assert (response.status_code, response.json()["code"]) == (409, "platform_refused")
    assert "whether the post is still there" in response.json()["error"]
    details = response.json()["details"]
    assert (details["target"], details["platform"], details["removed_at_platform"]) == (on_facebook.pk, "facebook", [])
    assert "no longer answers to its token" in details["platform_message"]
    assert deletes(fake_platform) == [graph_post(f"{PAGE}_777")]  # X was not asked
    assert kept(cross_post) == ["published"] * 2
    assert not PostTarget.objects.filter(removed_at__isnull=False).exists()


def test_a_deletion_x_does_not_confirm_keeps_the_post(seller_client, cross_post, fake_platform):
    on_x = cross_post.targets.get(platform="twitter")
    fake_platform.routes[graph_post(f"{PAGE}_777")] = (200, {"success": True})
    fake_platform.routes["/2/tweets/1799"] = (200, {"data": {"deleted": False}})

    response = delete(seller_client, cross_post)

    assert (response.status_code, response.json()["code"]) == (409, "platform_refused")
    details = response.json()["details"]
    assert (details["target"], details["platform"]) == (on_x.pk, "twitter")
    assert details["removed_at_platform"] == [cross_post.targets.get(platform="facebook").pk]
    assert kept(cross_post) == ["published"] * 2
    on_x.refresh_from_db()
    assert on_x.removed_at is None


def test_only_published_targets_are_asked_and_a_draft_post_asks_none(seller, seller_client, facebook, x_account,
                                                                     instagram, fake_platform):
    fake_platform.routes[graph_post(f"{PAGE}_777")] = (200, {"success": True})
    post = published(PostTargetFactory(post__seller=seller, account=x_account, status=PostStatus.FAILED).post,
                     facebook, f"{PAGE}_777")
    PostTargetFactory(post=post.post, account=instagram, status=PostStatus.DRAFT)  # never reached Instagram
    draft = PostTargetFactory(post__seller=seller, account=facebook).post

    assert delete(seller_client, post.post).status_code == 204
    assert delete(seller_client, draft).status_code == 204
    assert deletes(fake_platform) == [graph_post(f"{PAGE}_777")]
    assert SocialPost.objects.count() == 0


def test_the_local_platform_deletes_what_it_recorded(seller, seller_client, settings):
    settings.SOCIAL_LOCAL_PLATFORM = True
    settings.META_APP_ID = settings.META_APP_SECRET = settings.X_CLIENT_ID = settings.X_CLIENT_SECRET = ""
    on_page, on_x, unrelated = (LocalPlatformPost.objects.create(platform=platform, platform_user_id="ada",
                                                                 text="Kente") for platform in
                                ("facebook", "twitter", "facebook"))
    post = PostTargetFactory(post__seller=seller, account__platform="instagram").post  # a draft there
    for recorded in (on_page, on_x):
        account = SocialAccountFactory(seller=seller, platform=recorded.platform, platform_user_id="ada",
                                       access_token="local-ada")
        published(post, account, str(recorded.pk))

    assert delete(seller_client, post).status_code == 204
    assert list(LocalPlatformPost.objects.values_list("pk", flat=True)) == [unrelated.pk]
    assert SocialPost.objects.count() == 0


# --- what stops it -------------------------------------------------------------------------------

def test_without_the_flag_a_published_post_stays_and_the_answer_says_how(seller_client, cross_post,
                                                                         fake_platform):
    answers = [delete(seller_client, cross_post, ""), delete(seller_client, cross_post, "?at_platform=false")]

    for response in answers:
        assert (response.status_code, response.json()["code"]) == (409, "post_locked")
        assert "?at_platform=true" in response.json()["error"]
        assert response.json()["details"] == {"published": list(
            cross_post.targets.order_by("pk").values_list("pk", flat=True))}
    assert fake_platform.received == []
    assert kept(cross_post) == ["published", "published"]


@pytest.mark.parametrize("query", ["", "?at_platform=true"])
def test_a_target_being_published_is_a_conflict_with_or_without_the_flag(seller, seller_client, cross_post,
                                                                         fake_platform, query):
    PostTargetFactory(post=cross_post, account__seller=seller, account__platform="twitter",
                      status=PostStatus.PUBLISHING)

    response = delete(seller_client, cross_post, query)

    assert (response.status_code, response.json()["code"]) == (409, "post_locked")
    assert "being published" in response.json()["error"]
    assert fake_platform.received == []
    assert kept(cross_post) == ["published", "published", "publishing"]


@pytest.mark.parametrize("value", ["maybe", "", "2"])
def test_a_flag_that_is_not_a_boolean_is_refused(seller_client, cross_post, fake_platform, value):
    response = delete(seller_client, cross_post, f"?at_platform={value}")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert list(response.json()["details"]) == ["at_platform"]
    assert fake_platform.received == [] and SocialPost.objects.count() == 1


def test_another_sellers_post_is_not_found_and_no_platform_is_asked(seller_client, stranger, fake_platform):
    theirs = PostTargetFactory(post__seller=stranger, status=PostStatus.PUBLISHED, platform_post_id="1_2").post

    response = delete(seller_client, theirs)

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert fake_platform.received == [] and SocialPost.objects.count() == 1


# --- a platform that fails -----------------------------------------------------------------------

def test_an_outage_keeps_the_post_and_names_what_is_already_gone(seller_client, cross_post, fake_platform):
    on_facebook, on_x = cross_post.targets.order_by("pk")
    fake_platform.routes[graph_post(f"{PAGE}_777")] = (200, {"success": True})
    fake_platform.routes["/2/tweets/1799"] = (503, {"title": "Service Unavailable"})

    response = delete(seller_client, cross_post)

    assert response.status_code == 502
    assert response.json() == {
        "error": "The platform did not answer; try again in a moment.", "code": "provider_error",
        "details": {"platform": "twitter", "platform_message": "twitter: Service Unavailable", "target": on_x.pk,
                    "removed_at_platform": [on_facebook.pk]}}
    assert kept(cross_post) == ["published", "published"]  # nothing deleted here
    on_facebook.refresh_from_db()
    assert on_facebook.removed_at is not None  # known gone at Facebook

    # Once X answers again, the same request finishes, and Facebook is not asked again.
    fake_platform.routes["/2/tweets/1799"] = (200, {"data": {"deleted": True}})
    assert delete(seller_client, cross_post).status_code == 204
    assert deletes(fake_platform) == [graph_post(f"{PAGE}_777"), "/2/tweets/1799", "/2/tweets/1799"]
    assert SocialPost.objects.count() == 0


def test_a_post_removed_at_every_platform_is_deleted_without_asking(seller_client, cross_post, fake_platform):
    cross_post.targets.update(removed_at=timezone.now())  # the platforms' webhooks said so

    assert seller_client.delete(f"/api/social/posts/{cross_post.pk}/").status_code == 204
    assert fake_platform.received == [] and SocialPost.objects.count() == 0


def test_a_rate_limit_says_when_to_try_again(seller_client, cross_post, fake_platform):
    fake_platform.routes[graph_post(f"{PAGE}_777")] = (429, {"error": {"message": "slow down", "code": 4}},
                                                       {"Retry-After": "120"})

    response = delete(seller_client, cross_post)

    assert (response.status_code, response.json()["code"], response["Retry-After"]) == (502, "provider_error", "120")
    assert response.json()["details"]["retry_after"] == 120
    assert response.json()["details"]["removed_at_platform"] == []
    assert deletes(fake_platform) == [graph_post(f"{PAGE}_777")]  # X is not asked after a failure
    assert kept(cross_post) == ["published", "published"]


def test_an_expired_token_asks_the_seller_to_reconnect(seller, seller_client, cross_post, facebook,
                                                        fake_platform):
    fake_platform.routes[graph_post(f"{PAGE}_777")] = graph_error(190, "Error validating access token", status=401)

    response = delete(seller_client, cross_post)

    assert (response.status_code, response.json()["code"]) == (409, "account_needs_reconnect")
    assert response.json()["details"]["removed_at_platform"] == []
    facebook.refresh_from_db()
    assert facebook.status == AccountStatus.EXPIRED
    assert kept(cross_post) == ["published", "published"]

    # Until it is reconnected, no platform is asked at all.
    fake_platform.received.clear()
    again = delete(seller_client, cross_post)
    assert (again.status_code, again.json()["code"]) == (409, "account_needs_reconnect")
    assert again.json()["details"]["targets"] == [
        f"{cross_post.targets.get(platform='facebook').pk}: the Facebook account is expired: reconnect it."]
    assert fake_platform.received == []


def test_a_refusal_gives_the_platforms_reason(seller_client, cross_post, fake_platform):
    fake_platform.routes[graph_post(f"{PAGE}_777")] = graph_error(10, "Permission denied", status=403)

    response = delete(seller_client, cross_post)

    assert (response.status_code, response.json()["code"]) == (409, "platform_refused")
    assert response.json()["details"]["platform_message"] == "facebook: Permission denied"
    assert kept(cross_post) == ["published", "published"]


def test_a_target_published_meanwhile_keeps_the_post(seller, seller_client, cross_post, fake_platform,
                                                     monkeypatch):
    """A draft target whose publishing starts while the others are being deleted is not orphaned."""
    fake_platform.routes[graph_post(f"{PAGE}_777")] = (200, {"success": True})
    fake_platform.routes["/2/tweets/1799"] = (200, {"data": {"deleted": True}})
    late = PostTargetFactory(post=cross_post, account__seller=seller, account__platform="twitter")
    original = FacebookClient.delete

    def delete_while_publishing(client, credentials, platform_post_id):
        original(client, credentials, platform_post_id)
        PostTarget.objects.filter(pk=late.pk).update(status=PostStatus.PUBLISHING)

    monkeypatch.setattr(FacebookClient, "delete", delete_while_publishing)

    response = delete(seller_client, cross_post)

    assert (response.status_code, response.json()["code"]) == (409, "post_locked")
    assert len(response.json()["details"]["removed_at_platform"]) == 2
    assert kept(cross_post) == ["published", "published", "publishing"]


# --- platforms that cannot delete ----------------------------------------------------------------

def test_instagram_media_still_live_refuses_the_whole_request_and_nothing_is_deleted(seller_client, cross_post,
                                                                                     instagram, fake_platform):
    on_instagram = published(cross_post, instagram, IG_MEDIA, url="https://www.instagram.com/p/C0de/")
    fake_platform.routes[graph_post(IG_MEDIA)] = (200, {"id": IG_MEDIA})

    response = delete(seller_client, cross_post)

    assert (response.status_code, response.json()["code"]) == (409, "cannot_delete_at_platform")
    assert "delete it at that platform yourself" in response.json()["error"]
    assert response.json()["details"] == {"targets": [
        f"{on_instagram.pk}: Instagram does not let apps delete a published post: delete it in the Instagram app "
        f"first, then delete it here again. It is at https://www.instagram.com/p/C0de/"], "removed_at_platform": []}
    [lookup] = fake_platform.received  # Instagram is asked whether it is still there; nothing else is asked
    assert (lookup.method, lookup.path.partition("?")[0], lookup.query["fields"]) == ("GET", graph_post(IG_MEDIA),
                                                                                      "id")
    assert lookup.headers["authorization"] == f"Bearer {instagram.access_token}"
    assert kept(cross_post) == ["published"] * 3
    assert not PostTarget.objects.filter(removed_at__isnull=False).exists()


def test_instagram_media_deleted_in_the_app_counts_as_removed_and_the_post_deletes(seller_client, cross_post,
                                                                                   instagram, fake_platform):
    published(cross_post, instagram, IG_MEDIA)
    media_gone(fake_platform)
    fake_platform.routes[graph_post(f"{PAGE}_777")] = (200, {"success": True})
    fake_platform.routes["/2/tweets/1799"] = (200, {"data": {"deleted": True}})

    response = delete(seller_client, cross_post)

    assert response.status_code == 204
    assert deletes(fake_platform) == [graph_post(f"{PAGE}_777"), "/2/tweets/1799"]  # none asked of Instagram
    assert [received.method for received in sent_to(fake_platform, graph_post(IG_MEDIA))] == ["GET"]
    assert SocialPost.objects.count() == 0


def test_an_instagram_only_post_deleted_in_the_app_deletes_without_asking_any_platform_to_delete(
        seller, seller_client, instagram, fake_platform):
    target = PostTargetFactory(post__seller=seller, account=instagram, status=PostStatus.PUBLISHED,
                               platform_post_id=IG_MEDIA, published_at=timezone.now(), attempts=1)
    media_gone(fake_platform)

    assert delete(seller_client, target.post).status_code == 204
    assert deletes(fake_platform) == [] and SocialPost.objects.count() == 0


def test_instagram_found_gone_is_remembered_when_another_platform_fails(seller_client, cross_post, instagram,
                                                                        fake_platform):
    on_instagram = published(cross_post, instagram, IG_MEDIA)
    media_gone(fake_platform)
    fake_platform.routes[graph_post(f"{PAGE}_777")] = (503, {"error": {"message": "Service down", "code": 2}})

    assert delete(seller_client, cross_post).status_code == 502
    on_instagram.refresh_from_db()
    assert on_instagram.removed_at is not None
    assert kept(cross_post) == ["published"] * 3

    fake_platform.routes[graph_post(f"{PAGE}_777")] = (200, {"success": True})
    fake_platform.routes["/2/tweets/1799"] = (200, {"data": {"deleted": True}})
    assert delete(seller_client, cross_post).status_code == 204
    assert len(sent_to(fake_platform, graph_post(IG_MEDIA))) == 1  # not looked up again


def test_an_instagram_lookup_outage_is_a_502_and_nothing_is_deleted(seller_client, cross_post, instagram,
                                                                     fake_platform):
    on_instagram = published(cross_post, instagram, IG_MEDIA)
    fake_platform.routes[graph_post(IG_MEDIA)] = (503, {"error": {"message": "Service temporarily unavailable",
                                                                  "code": 2}})

    response = delete(seller_client, cross_post)

    assert response.status_code == 502
    assert response.json() == {
        "error": "The platform did not answer; try again in a moment.", "code": "provider_error",
        "details": {"platform": "instagram", "platform_message": "instagram: Service temporarily unavailable",
                    "target": on_instagram.pk, "removed_at_platform": []}}
    assert deletes(fake_platform) == []
    assert kept(cross_post) == ["published"] * 3
    assert not PostTarget.objects.filter(removed_at__isnull=False).exists()


def test_a_token_that_may_not_read_the_account_is_not_taken_for_a_deletion(seller_client, cross_post, instagram,
                                                                           fake_platform):
    """Graph answers 100/33 alike for deleted media and for media the token may not load."""
    on_instagram = published(cross_post, instagram, IG_MEDIA)
    media_gone(fake_platform)
    fake_platform.routes[graph_post(IG_USER)] = graph_error(100, UNSUPPORTED_GET, error_subcode=33)

    response = delete(seller_client, cross_post)

    assert (response.status_code, response.json()["code"]) == (409, "platform_refused")
    assert "whether the post is still there" in response.json()["error"]
    assert response.json()["details"]["target"] == on_instagram.pk
    assert deletes(fake_platform) == []
    on_instagram.refresh_from_db()
    assert on_instagram.removed_at is None and kept(cross_post) == ["published"] * 3


def test_an_expired_instagram_token_asks_the_seller_to_reconnect_before_anything_is_deleted(
        seller_client, cross_post, instagram, fake_platform):
    published(cross_post, instagram, IG_MEDIA)
    fake_platform.routes[graph_post(IG_MEDIA)] = graph_error(190, "Error validating access token", status=401)

    response = delete(seller_client, cross_post)

    assert (response.status_code, response.json()["code"]) == (409, "account_needs_reconnect")
    instagram.refresh_from_db()
    assert instagram.status == AccountStatus.EXPIRED
    assert deletes(fake_platform) == [] and kept(cross_post) == ["published"] * 3

    # Until it is reconnected, Instagram cannot be asked: the answer says so.
    fake_platform.received.clear()
    again = delete(seller_client, cross_post)
    assert (again.status_code, again.json()["code"]) == (409, "cannot_delete_at_platform")
    assert "only once the Instagram account is reconnected" in again.json()["details"]["targets"][0]
    assert fake_platform.received == []


def test_a_sent_whatsapp_message_cannot_be_taken_back(seller, seller_client, fake_platform):
    number = SocialAccountFactory(seller=seller, platform="whatsapp", platform_user_id="106540352242922")
    target = PostTargetFactory(post__seller=seller, account=number, status=PostStatus.PUBLISHED,
                               platform_post_id="wamid.HBgLMjMz")

    response = delete(seller_client, target.post)

    assert (response.status_code, response.json()["code"]) == (409, "cannot_delete_at_platform")
    assert response.json()["details"]["targets"] == [f"{target.pk}: WhatsApp cannot take a sent message back."]
    assert fake_platform.received == [] and SocialPost.objects.count() == 1  # nothing to look up: sent is sent


# --- cost ---------------------------------------------------------------------------------------

def test_deleting_costs_the_same_queries_for_any_number_of_targets(seller, seller_client, facebook,
                                                                   fake_platform, django_assert_num_queries):
    def live_post(count: int):
        post = PostTargetFactory(post__seller=seller, account=facebook, status=PostStatus.DRAFT).post
        for n in range(count):
            page = SocialAccountFactory(seller=seller, platform="facebook")
            target = published(post, page, f"{page.platform_user_id}_{n}")
            fake_platform.routes[graph_post(target.platform_post_id)] = (200, {"success": True})
        return post

    small, large = live_post(1), live_post(4)

    # the user, the post, its targets with accounts, their stamp of removal at the platform; then, in
    # a savepoint, the post and its targets locked, its clicks kept (their post and target set to
    # null) and the deletes of its media, targets and itself
    with django_assert_num_queries(14) as one:
        assert delete(seller_client, small).status_code == 204
    with django_assert_num_queries(len(one.captured_queries)):
        assert delete(seller_client, large).status_code == 204
    assert len(deletes(fake_platform)) == 5
