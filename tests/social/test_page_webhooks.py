"""The hourly job that subscribes the app to the webhooks of connected Pages (and of the Pages
linked to connected Instagram accounts) whose subscription failed at connect, or that were
connected before the server could verify Meta's webhooks; and the task an OAuth callback queues
to subscribe the Pages it connected."""

import pytest
from django.conf import settings
from django.utils import timezone

from social.models import AccountStatus, SocialAccount
from social.tasks import subscribe_accounts_webhooks, subscribe_page_webhooks
from tests.social.conftest import graph_error, sent_to
from tests.social.factories import SocialAccountFactory

pytestmark = pytest.mark.django_db

REFUSED = graph_error(200, "(#200) To subscribe to the feed field, one of these permissions is needed: "
                           "pages_manage_metadata", status=403)


def page(page_id: str, **fields) -> SocialAccount:
    return SocialAccountFactory(**{"platform": "facebook", "platform_user_id": page_id, "page_id": page_id,
                                   "access_token": f"token-of-{page_id}", **fields})


def test_the_job_is_in_the_beat_schedule():
    assert settings.CELERY_BEAT_SCHEDULE["social-subscribe-page-webhooks"]["task"] == \
        "social.tasks.subscribe_page_webhooks"


def test_pages_not_subscribed_are_subscribed_and_the_others_left_alone(fake_platform):
    pending = page("101", last_error="Connected, but Facebook does not send ...")
    page("102", webhooks_subscribed_at=timezone.now())  # done before
    page("103", status=AccountStatus.REVOKED, access_token="")
    instagram = SocialAccountFactory(platform="instagram", platform_user_id="17841400001", page_id="104",
                                     access_token="token-of-104")
    SocialAccountFactory(platform="twitter", platform_user_id="2244994945")
    for page_id in ("101", "104"):
        fake_platform.routes[f"/v24.0/{page_id}/subscribed_apps"] = (200, {"success": True})

    assert subscribe_page_webhooks() == {"subscribed": 2}

    assert [sent.path.partition("?")[0] for sent in fake_platform.received] == [
        "/v24.0/101/subscribed_apps", "/v24.0/104/subscribed_apps"]
    assert sent_to(fake_platform, "/v24.0/104/subscribed_apps")[0].headers["authorization"] == "Bearer token-of-104"
    for account in (pending, instagram):
        account.refresh_from_db()
        assert (account.webhooks_subscribed_at is not None, account.last_error) == (True, "")


def test_a_page_refused_again_stays_pending_with_the_reason(fake_platform):
    refused = page("101")
    fake_platform.routes["/v24.0/101/subscribed_apps"] = REFUSED

    assert subscribe_page_webhooks() == {"failed": 1}

    refused.refresh_from_db()
    assert (refused.status, refused.access_token, refused.webhooks_subscribed_at) == ("active", "token-of-101", None)
    assert refused.last_error.startswith("Connected, but Facebook does not send")
    assert "pages_manage_metadata" in refused.last_error


def test_pages_refused_for_good_do_not_keep_the_others_out_of_a_batch(fake_platform, monkeypatch):
    monkeypatch.setattr("social.tasks.WEBHOOK_SUBSCRIPTION_BATCH", 1)
    page("101")
    page("102")
    fake_platform.routes["/v24.0/101/subscribed_apps"] = REFUSED
    fake_platform.routes["/v24.0/102/subscribed_apps"] = (200, {"success": True})

    assert subscribe_page_webhooks() == {"failed": 1}
    assert subscribe_page_webhooks() == {"subscribed": 1}

    assert [sent.path.partition("?")[0] for sent in fake_platform.received] == [
        "/v24.0/101/subscribed_apps", "/v24.0/102/subscribed_apps"]


def test_a_rate_limited_platform_is_not_asked_again_in_the_run(fake_platform):
    page("101")
    page("102")
    status, body = graph_error(32, "Page request limit reached")
    fake_platform.routes["/v24.0/101/subscribed_apps"] = (status, body, {"Retry-After": "60"})

    assert subscribe_page_webhooks() == {"rate limited": 2}

    assert len(fake_platform.received) == 1
    assert set(SocialAccount.objects.values_list("webhooks_subscribed_at", flat=True)) == {None}


def test_nothing_is_asked_while_meta_webhooks_cannot_be_verified(fake_platform, settings):
    settings.META_APP_SECRET = ""
    page("101")

    assert subscribe_page_webhooks() == {}

    assert fake_platform.received == []


# --- the Pages an OAuth callback connected ---------------------------------------------------------

def test_the_callbacks_task_subscribes_the_accounts_it_names_even_when_subscribed_before(fake_platform):
    """A reconnect subscribes again: the grant may now allow more fields (Messenger's)."""
    named = [page("101"), page("102", webhooks_subscribed_at=timezone.now())]
    page("103")  # connected by another callback: not this task's
    for page_id in ("101", "102"):
        fake_platform.routes[f"/v24.0/{page_id}/subscribed_apps"] = (200, {"success": True})

    assert subscribe_accounts_webhooks([account.pk for account in named]) == {"subscribed": 2}

    assert [sent.path.partition("?")[0] for sent in fake_platform.received] == [
        "/v24.0/101/subscribed_apps", "/v24.0/102/subscribed_apps"]


def test_the_callbacks_task_skips_an_account_disconnected_or_deleted_meanwhile(fake_platform):
    revoked = page("101", status=AccountStatus.REVOKED, access_token="")
    deleted = page("102")
    deleted_pk = deleted.pk
    deleted.delete()

    assert subscribe_accounts_webhooks([revoked.pk, deleted_pk]) == {}

    assert fake_platform.received == []


def test_the_callbacks_task_keeps_a_refusal_for_the_hourly_job(fake_platform):
    refused = page("101")
    fake_platform.routes["/v24.0/101/subscribed_apps"] = REFUSED

    assert subscribe_accounts_webhooks([refused.pk]) == {"failed": 1}

    refused.refresh_from_db()
    assert (refused.status, refused.webhooks_subscribed_at) == ("active", None)
    assert "pages_manage_metadata" in refused.last_error
