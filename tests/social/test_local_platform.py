"""The built-in local platform (SOCIAL_LOCAL_PLATFORM): its client answers the whole interface on
this machine, it stands in only for platforms whose app is not set and only with the setting on, a
production server refuses to start with it, the demo publishes through it (and fills its accounts'
insights from it, as the beat job would), a seller connects through its OAuth consent, a post
published through the API reaches it and nothing else, and its insights reach the endpoint through
the beat job."""

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone

from social.checks import half_set_app_credentials, local_platform_in_production
from social.models import (
    AccountInsight,
    AccountStatus,
    LocalPlatformPost,
    PostStatus,
    PostTarget,
    SocialAccount,
    SocialPost,
)
from social.platforms import (
    Credentials,
    InvalidWebhook,
    LocalPlatformClient,
    PostRequest,
    Published,
    TokenExpired,
    client_for,
)
from social.platforms.facebook import FacebookClient
from social.platforms.x import XClient
from social.tasks import fetch_insights
from tests.conftest import authenticated_client
from tests.products.factories import ProductFactory
from tests.sellflow.test_settings import PRODUCTION_ENV, run_python
from tests.social.factories import PostTargetFactory, SocialAccountFactory

API = "https://api.sellflow.test"
RETURN_URL = "https://app.sellflow.test/social/accounts"
FIGURES = ("followers", "impressions", "reach", "engagement", "link_clicks")
ADA = Credentials(access_token="local-ada", platform_user_id="ada")


@pytest.fixture
def local_platform(settings):
    """Development settings: the local platform on, no platform's app set."""
    settings.SOCIAL_LOCAL_PLATFORM = True
    settings.META_APP_ID = settings.META_APP_SECRET = ""
    settings.X_CLIENT_ID = settings.X_CLIENT_SECRET = ""
    settings.API_PUBLIC_URL = API
    settings.SOCIAL_OAUTH_RETURN_URL = RETURN_URL
    return settings


def publish(client, text="Kente in new colours", link="https://shop.test/p/1?ref=CODE123456", **fields):
    return client.publish(ADA, PostRequest(text=text, link=link, **fields))


def week_before(day: date) -> list[date]:
    return [day - timedelta(days=back) for back in range(6, -1, -1)]


def as_entry(insight) -> dict:
    return {"date": insight.day.isoformat(), **{name: getattr(insight, name) for name in FIGURES}}


@pytest.fixture
def no_platform_call(monkeypatch):
    """From here on, asking the local platform for insights fails the test."""
    def refused(*args, **kwargs):
        raise AssertionError("the platform was asked for insights")

    return lambda: monkeypatch.setattr(LocalPlatformClient, "insights", refused)


# --- the client ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_publishing_records_the_post_and_answers_its_local_id_and_url(local_platform):
    client = LocalPlatformClient(platform="instagram")

    published = publish(client, image_urls=("https://cdn.test/a.jpg",))

    recorded = LocalPlatformPost.objects.get()
    assert published == Published(platform_post_id=str(recorded.pk),
                                  url=f"{API}/admin/social/localplatformpost/{recorded.pk}/change/")
    assert (recorded.platform, recorded.platform_user_id, recorded.link, recorded.image_urls,
            recorded.image_count) == ("instagram", "ada", "https://shop.test/p/1?ref=CODE123456",
                                      ["https://cdn.test/a.jpg"], 1)
    assert recorded.text == "Kente in new colours\n\nhttps://shop.test/p/1?ref=CODE123456"


@pytest.mark.django_db
def test_a_post_is_found_by_its_marker_since_a_time_and_deleted(local_platform):
    client = LocalPlatformClient(platform="twitter")
    before = timezone.now() - timedelta(seconds=1)
    published = publish(client)
    publish(client, link="https://shop.test/p/2?ref=OTHER12345")

    assert client.find_published(ADA, marker="CODE123456", since=before) == published
    assert client.find_published(ADA, marker="CODE123456", since=timezone.now() + timedelta(minutes=1)) is None
    assert client.find_published(ADA, marker="NOWHERE000", since=before) is None
    other = Credentials(access_token="local-kofi", platform_user_id="kofi")
    assert client.find_published(other, marker="CODE123456", since=before) is None
    assert LocalPlatformClient(platform="facebook").find_published(ADA, marker="CODE123456", since=before) is None

    assert not client.is_gone(ADA, published.platform_post_id)
    client.delete(ADA, published.platform_post_id)
    client.delete(ADA, published.platform_post_id)  # already gone counts as done
    assert client.is_gone(ADA, published.platform_post_id) and client.is_gone(ADA, "not-a-local-id")

    assert client.find_published(ADA, marker="CODE123456", since=before) is None
    assert LocalPlatformPost.objects.count() == 1


@pytest.mark.django_db
def test_insights_follow_from_the_recorded_posts_and_are_the_same_when_asked_again(local_platform):
    client = LocalPlatformClient(platform="facebook")
    today = timezone.now().date()
    quiet = client.insights(ADA, since=today - timedelta(days=2), until=today)
    publish(client)

    days = client.insights(ADA, since=today - timedelta(days=2), until=today)

    assert [day.day for day in days] == [today - timedelta(days=2), today - timedelta(days=1), today]
    assert days == client.insights(ADA, since=today - timedelta(days=2), until=today)
    assert days[:2] == quiet[:2]  # the days before the post are unchanged
    assert days[2].impressions >= quiet[2].impressions + 150 and days[2].followers == quiet[2].followers + 3
    for day in days:
        assert day.impressions >= day.reach >= day.engagement >= day.link_clicks >= 0
    assert client.insights(ADA, since=date(2026, 1, 2), until=date(2026, 1, 1)) == []


def test_only_local_tokens_are_accepted_and_as_the_account_they_name():
    client = LocalPlatformClient(platform="twitter")

    profile = client.verify_token("local-ama-gadgets")

    assert (profile.user_id, profile.username) == ("ama-gadgets", "ama-gadgets")
    assert "local" in profile.display_name
    assert client.verify_token("local-ama-gadgets", platform_user_id="ama-gadgets").user_id == "ama-gadgets"
    for token, user_id in (("EAAreal-token", ""), ("local-", ""), ("local-a b", ""), ("local-ama", "kofi")):
        with pytest.raises(TokenExpired):
            client.verify_token(token, platform_user_id=user_id)
    grant = client.refresh(Credentials(access_token="local-ama", platform_user_id="ama"))
    assert (grant.access_token, grant.user_id) == ("local-ama", "ama")
    client.revoke(Credentials(access_token="local-ama"))


def test_the_oauth_consent_is_given_at_once_and_the_code_exchanged_for_a_local_token():
    client = LocalPlatformClient(platform="facebook")
    callback = f"{API}/api/social/oauth/facebook/callback/"

    url = client.authorization_url(state="signed-state", redirect_uri=callback, code_challenge="abc")

    assert url.startswith(f"{callback}?")
    query = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
    assert query["state"] == "signed-state"
    grant = client.exchange_code(code=query["code"], redirect_uri=callback, code_verifier="v")
    assert client.verify_token(grant.access_token).user_id == grant.user_id == "local-facebook"
    with pytest.raises(TokenExpired):
        client.exchange_code(code="a-real-code", redirect_uri=callback)


def test_the_local_platform_sends_no_webhooks_so_every_one_is_refused():
    client = LocalPlatformClient(platform="facebook")

    with pytest.raises(InvalidWebhook):
        client.verify_webhook(body=b"{}", headers={"X-Hub-Signature-256": "sha256=00"})
    with pytest.raises(InvalidWebhook):
        client.answer_challenge({"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": ""})


# --- which client -------------------------------------------------------------------------------

def test_the_local_client_answers_every_platform_whose_app_is_not_set(local_platform):
    for name, platform in (("facebook", "facebook"), ("instagram", "instagram"), ("twitter", "x"),
                           ("whatsapp", "whatsapp")):
        client = client_for(platform)
        assert isinstance(client, LocalPlatformClient) and client.platform == name


def test_the_local_client_deletes_only_where_the_real_platform_lets_apps_delete(local_platform):
    # The demo never lets a seller do what production refuses: Instagram and WhatsApp posts stay.
    assert {name: client_for(name).can_delete for name in ("facebook", "instagram", "twitter", "whatsapp")} == {
        "facebook": True, "instagram": False, "twitter": True, "whatsapp": False}
    # ... and sees a post gone only where the real platform tells it (Instagram; a WhatsApp message stays sent).
    assert [name for name in ("facebook", "instagram", "twitter", "whatsapp") if client_for(name).can_tell_gone] == [
        "instagram"]


def test_a_platform_whose_app_is_set_gets_its_real_client(local_platform):
    local_platform.X_CLIENT_ID = "x-app"

    assert isinstance(client_for("twitter"), XClient)
    assert isinstance(client_for("facebook"), LocalPlatformClient)

    local_platform.META_APP_ID = "meta-app"
    assert isinstance(client_for("facebook"), FacebookClient)


def test_without_the_setting_the_real_clients_answer(local_platform):
    local_platform.SOCIAL_LOCAL_PLATFORM = False

    assert isinstance(client_for("facebook"), FacebookClient)
    assert isinstance(client_for("twitter"), XClient)


# --- never in production ------------------------------------------------------------------------

def test_the_check_refuses_the_local_platform_with_debug_off_and_a_real_database(settings):
    settings.SOCIAL_LOCAL_PLATFORM, settings.DEBUG = True, False
    settings.DATABASE_URL = "postgres://sellflow@db.internal/sellflow"

    [error] = local_platform_in_production(None)

    assert error.id == "social.E001" and error.is_serious()
    settings.DEBUG = True
    assert local_platform_in_production(None) == []
    settings.DEBUG, settings.DATABASE_URL = False, ""
    assert local_platform_in_production(None) == []  # the embedded default
    settings.DATABASE_URL, settings.SOCIAL_LOCAL_PLATFORM = "postgres://sellflow@db.internal/sellflow", False
    assert local_platform_in_production(None) == []


@pytest.mark.parametrize(("meta_id", "meta_secret", "x_id", "x_secret", "expected"), [
    ("", "", "", "", []),
    ("123", "s3cret", "client", "", []),  # X as a public client: no secret
    ("123", "s3cret", "client", "s3cret", []),
    ("123", "", "", "", ["social.E002"]),
    ("", "s3cret", "", "", ["social.E002"]),
    ("", "", "", "s3cret", ["social.E003"]),
])
def test_an_app_set_up_halfway_is_refused_at_start(settings, meta_id, meta_secret, x_id, x_secret, expected):
    settings.META_APP_ID, settings.META_APP_SECRET = meta_id, meta_secret
    settings.X_CLIENT_ID, settings.X_CLIENT_SECRET = x_id, x_secret

    errors = half_set_app_credentials(None)

    assert [error.id for error in errors] == expected
    assert all(error.is_serious() and "s3cret" not in error.msg for error in errors)


def test_production_settings_leave_it_off_and_a_server_that_turns_it_on_refuses_to_start():
    probe = "import django; django.setup(); from django.conf import settings; print(settings.SOCIAL_LOCAL_PLATFORM)"
    assert run_python(["-c", probe], PRODUCTION_ENV).stdout.split()[-1] == "False"
    assert run_python(["-c", probe], {}).stdout.split()[-1] == "True"  # the embedded default

    refused = run_python(["manage.py", "check"], {**PRODUCTION_ENV, "SOCIAL_LOCAL_PLATFORM": "true"})

    assert refused.returncode != 0
    assert "social.E001" in refused.stderr + refused.stdout


# --- the demo -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_demo_seller_has_local_accounts_published_and_scheduled_posts_once(local_platform):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent

    seller = SocialAccount.objects.get(platform="facebook").seller
    assert seller.email.startswith("seller@")
    accounts = SocialAccount.objects.filter(seller=seller)
    assert sorted(accounts.values_list("platform", "platform_user_id", "status")) == [
        ("facebook", "demo-facebook", AccountStatus.ACTIVE), ("instagram", "demo-instagram", AccountStatus.ACTIVE),
        ("twitter", "demo-twitter", AccountStatus.ACTIVE)]
    assert SocialPost.objects.filter(seller=seller).count() == 4
    targets = PostTarget.objects.filter(post__seller=seller)
    published = targets.filter(status=PostStatus.PUBLISHED)
    assert sorted(published.values_list("platform", flat=True)) == ["facebook", "instagram", "twitter"]
    for target in published:
        recorded = LocalPlatformPost.objects.get(pk=int(target.platform_post_id))
        assert (recorded.platform, recorded.platform_user_id) == (target.platform, f"demo-{target.platform}")
        assert target.code in recorded.text
        assert target.platform_url == f"{API}/admin/social/localplatformpost/{recorded.pk}/change/"
    assert LocalPlatformPost.objects.count() == 3
    scheduled = targets.filter(status=PostStatus.SCHEDULED)
    assert scheduled.count() == 6
    assert all(target.scheduled_at > timezone.now() for target in scheduled)
    assert not targets.exclude(status__in=(PostStatus.PUBLISHED, PostStatus.SCHEDULED)).exists()


@pytest.mark.django_db
def test_the_demo_fills_a_week_of_insights_from_the_local_posts_through_the_beats_service(local_platform,
                                                                                         no_platform_call):
    """`make run` runs no beat: seed_demo fetches the accounts' last 7 days itself, so the insights
    endpoint (which never asks the platform) answers a full week: a quiet audience before the
    demo's posts, then the day they were published."""
    call_command("seed_demo")

    accounts = SocialAccount.objects.filter(platform_user_id__startswith="demo-").order_by("platform")
    seller_client = authenticated_client(accounts[0].seller)
    today = timezone.now().date()
    no_platform_call()
    for account in accounts:
        body = seller_client.get(f"/api/social/accounts/{account.pk}/insights/", {"days": 7}).json()
        series = body["series"]
        assert [entry["date"] for entry in series] == [day.isoformat() for day in week_before(today)]
        assert all(entry[name] is not None for entry in series for name in FIGURES), account.platform
        *quiet, posted = series
        assert all(entry["impressions"] < 25 and entry["followers"] == 120 for entry in quiet)
        assert posted["impressions"] >= 160 and posted["followers"] == 123  # its one post, published today
        assert body["totals"]["followers_change"] == 3 and body["fetched_at"] is not None
    assert AccountInsight.objects.count() == 7 * 3


@pytest.mark.django_db
def test_each_seed_fetches_the_insights_again_for_the_sellers_active_local_accounts_only(local_platform):
    call_command("seed_demo")
    seller = SocialAccount.objects.get(platform="facebook").seller
    SocialAccount.objects.filter(seller=seller, platform="twitter").update(status=AccountStatus.REVOKED)
    whatsapp = SocialAccount.objects.create(seller=seller, platform="whatsapp", platform_user_id="demo-whatsapp",
                                            access_token="local-demo-whatsapp")
    own, _ = SocialAccount.objects.update_or_create(
        seller=seller, platform="facebook", platform_user_id="local-facebook",
        defaults={"access_token": "local-local-facebook"})  # connected since through the local consent
    fetched = {platform: AccountInsight.objects.filter(account__platform=platform).latest("fetched_at").fetched_at
               for platform in ("instagram", "twitter")}

    call_command("seed_demo")

    assert AccountInsight.objects.filter(account__platform="instagram").latest("fetched_at").fetched_at > fetched[
        "instagram"]
    assert AccountInsight.objects.filter(account__platform="instagram").count() == 7
    assert AccountInsight.objects.filter(account=own).count() == 7
    assert not AccountInsight.objects.filter(account=whatsapp).exists()  # WhatsApp reports none
    revoked = AccountInsight.objects.filter(account__platform="twitter")
    assert revoked.count() == 7 and revoked.latest("fetched_at").fetched_at == fetched["twitter"]  # kept as it was
    assert SocialPost.objects.filter(seller=seller).count() == 4


@pytest.mark.django_db
def test_the_demo_connects_no_account_to_a_platform_whose_real_app_is_set(local_platform):
    local_platform.META_APP_ID, local_platform.X_CLIENT_ID = "meta-app", "x-app"

    call_command("seed_demo")

    assert not SocialAccount.objects.exists() and not SocialPost.objects.exists()


# --- through the API ----------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_seller_connects_a_local_account_and_publishes_a_post_to_it(local_platform, seller, seller_client):
    product = ProductFactory(seller=seller)
    connected = seller_client.post("/api/social/accounts/", {"platform": "twitter",
                                                             "access_token": "local-ama-gadgets"}, format="json")
    assert connected.status_code == 201, connected.json()
    assert connected.json()["platform_user_id"] == "ama-gadgets"
    created = seller_client.post("/api/social/posts/", {"content": "New kente this week", "product": product.pk,
                                                        "accounts": [connected.json()["id"]]}, format="json")
    assert created.status_code == 201, created.json()
    post_id = created.json()["id"]

    published = seller_client.post(f"/api/social/posts/{post_id}/publish/")

    assert published.status_code in (200, 202), published.json()
    [target] = seller_client.get(f"/api/social/posts/{post_id}/").json()["targets"]
    recorded = LocalPlatformPost.objects.get()
    assert (target["status"], target["platform_post_id"]) == ("published", str(recorded.pk))
    assert target["platform_url"] == f"{API}/admin/social/localplatformpost/{recorded.pk}/change/"
    assert recorded.text.startswith("New kente this week") and target["code"] in recorded.link


@pytest.mark.django_db
@pytest.mark.parametrize(("asked", "platform"), [("facebook", "facebook"), ("instagram", "instagram"),
                                                 ("x", "twitter")])
def test_a_seller_connects_through_the_local_consent_and_is_sent_back_to_the_frontend(local_platform, seller,
                                                                                     seller_client, api_client,
                                                                                     asked, platform):
    started = seller_client.get(f"/api/social/oauth/{asked}/start/")
    assert started.status_code == 200, started.json()
    url = urlsplit(started.json()["authorization_url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{API}/api/social/oauth/{platform}/callback/"

    # The local consent is given at once: the browser goes straight back to the callback.
    came_back = api_client.get(f"{url.path}?{url.query}")

    assert came_back.status_code == 302
    assert came_back["Location"] == f"{RETURN_URL}?social_connect=success&platform={platform}&accounts=1"
    account = SocialAccount.objects.get(seller=seller)
    assert (account.platform, account.platform_user_id, account.status) == (platform, f"local-{platform}",
                                                                            AccountStatus.ACTIVE)
    assert account.access_token == f"local-local-{platform}" and account.connected_at is not None
    listed = seller_client.get("/api/social/accounts/").json()
    assert [(entry["id"], entry["status"]) for entry in listed] == [(account.pk, "active")]
    again = api_client.get(f"{url.path}?{url.query}")  # the state was used up
    assert again["Location"] == f"{RETURN_URL}?social_connect=error&platform={platform}&reason=invalid_state"
    assert SocialAccount.objects.count() == 1


@pytest.mark.django_db
def test_the_insights_job_fills_the_rows_from_the_local_posts_and_the_endpoint_answers_them(
        local_platform, seller, seller_client, no_platform_call):
    local_platform.SOCIAL_INSIGHTS_DAYS = 3
    connected = seller_client.post("/api/social/accounts/", {"platform": "facebook",
                                                             "access_token": "local-ada"}, format="json").json()
    client = LocalPlatformClient(platform="facebook")
    publish(client)
    publish(client, link="https://shop.test/p/2?ref=YESTERDAY0")
    LocalPlatformPost.objects.filter(link__contains="YESTERDAY0").update(
        published_at=timezone.now() - timedelta(days=1))
    today = timezone.now().date()
    expected = client.insights(ADA, since=today - timedelta(days=2), until=today)

    assert fetch_insights() == {"fetched": 1}

    rows = AccountInsight.objects.filter(account_id=connected["id"]).order_by("day")
    assert [(row.day, *(getattr(row, name) for name in FIGURES)) for row in rows] == [
        (day.day, *(getattr(day, name) for name in FIGURES)) for day in expected]
    assert expected[1].impressions >= 160 and expected[2].impressions >= 160 + 137  # each post's day, fading
    no_platform_call()
    response = seller_client.get(f"/api/social/accounts/{connected['id']}/insights/", {"days": 7})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["series"] == [{"date": day.isoformat(), **dict.fromkeys(FIGURES)} for day in week_before(today)[:4]
                              ] + [as_entry(day) for day in expected]
    assert body["totals"]["impressions"] == sum(day.impressions for day in expected)
    assert (body["totals"]["followers"], body["totals"]["followers_change"]) == (126, 6)


@pytest.mark.django_db
def test_a_local_instagram_post_deletes_only_once_it_is_deleted_there_as_in_production(local_platform, seller,
                                                                                     seller_client,
                                                                                     operator_client):
    on_instagram = LocalPlatformPost.objects.create(platform="instagram", platform_user_id="ada", text="Kente")
    on_whatsapp = LocalPlatformPost.objects.create(platform="whatsapp", platform_user_id="ada", text="Kente")
    post = PostTargetFactory(post__seller=seller, status=PostStatus.PUBLISHED, platform_post_id=str(on_instagram.pk),
                             account=SocialAccountFactory(seller=seller, platform="instagram",
                                                          platform_user_id="ada", access_token="local-ada")).post
    message = PostTargetFactory(post__seller=seller, status=PostStatus.PUBLISHED,
                                platform_post_id=str(on_whatsapp.pk),
                                account=SocialAccountFactory(seller=seller, platform="whatsapp",
                                                             platform_user_id="ada", access_token="local-ada")).post

    live = seller_client.delete(f"/api/social/posts/{post.pk}/?at_platform=true")

    assert (live.status_code, live.json()["code"]) == (409, "cannot_delete_at_platform")
    assert "delete it in the Instagram app first" in live.json()["details"]["targets"][0]
    assert LocalPlatformPost.objects.count() == 2 and SocialPost.objects.count() == 2

    # The seller deletes both at the platforms (in the demo: the local records, in the admin).
    for recorded in (on_instagram, on_whatsapp):
        page = f"/admin/social/localplatformpost/{recorded.pk}/delete/"
        assert operator_client.post(page, {"post": "yes"}).status_code == 302
    assert LocalPlatformPost.objects.count() == 0

    assert seller_client.delete(f"/api/social/posts/{post.pk}/?at_platform=true").status_code == 204
    sent = seller_client.delete(f"/api/social/posts/{message.pk}/?at_platform=true")
    assert (sent.status_code, sent.json()["code"]) == (409, "cannot_delete_at_platform")  # sent is sent
    assert list(SocialPost.objects.values_list("pk", flat=True)) == [message.pk]


# --- the admin ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_operator_reads_the_local_posts_in_the_admin_and_cannot_add_or_change_them(local_platform,
                                                                                     operator_client):
    published = publish(LocalPlatformClient(platform="facebook"))
    page = f"/admin/social/localplatformpost/{published.platform_post_id}/change/"

    assert "Kente in new colours" in operator_client.get("/admin/social/localplatformpost/").content.decode()
    shown = operator_client.get(page)
    assert shown.status_code == 200 and "CODE123456" in shown.content.decode()
    assert operator_client.get("/admin/social/localplatformpost/add/").status_code == 403
    operator_client.post(page, {"text": "changed"})
    assert LocalPlatformPost.objects.get().text.startswith("Kente in new colours")
