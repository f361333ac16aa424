"""The beat job that refreshes tokens before they run out: X's rotating refresh tokens and Meta's
long-lived tokens. A refused refresh marks the account `expired` and tells the seller once; an
outage leaves it for the next run."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from notifications.models import Notification
from social.models import AccountStatus
from social.platforms.x import XClient
from social.tasks import refresh_expiring_tokens
from tests.social.accounts_helpers import raw_columns
from tests.social.conftest import graph_error, sent_to
from tests.social.factories import SocialAccountFactory

pytestmark = pytest.mark.django_db


def x_account(expires_in=timedelta(minutes=10), **fields):
    return SocialAccountFactory(**{"platform": "twitter", "platform_user_id": "2244994945",
                                   "access_token": "old-access", "refresh_token": "old-refresh",
                                   "token_expires_at": timezone.now() + expires_in, **fields})


def test_the_job_is_in_the_beat_schedule():
    assert settings.CELERY_BEAT_SCHEDULE["social-refresh-tokens"]["task"] == "social.tasks.refresh_expiring_tokens"


def test_an_x_token_near_its_expiry_is_refreshed_and_both_tokens_rotate(fake_platform):
    account = x_account()
    fake_platform.routes["/2/oauth2/token"] = (200, {"access_token": "new-access", "refresh_token": "new-refresh",
                                                     "expires_in": 7200, "scope": "tweet.read"})

    assert refresh_expiring_tokens() == {"refreshed": 1}

    [sent] = sent_to(fake_platform, "/2/oauth2/token")
    assert (sent.form["grant_type"], sent.form["refresh_token"]) == ("refresh_token", "old-refresh")
    account.refresh_from_db()
    assert (account.access_token, account.refresh_token, account.status) == ("new-access", "new-refresh", "active")
    assert account.token_expires_at > timezone.now() + timedelta(minutes=110)
    assert "new-access" not in raw_columns(account.pk)[0]


def test_a_meta_long_lived_token_is_exchanged_for_a_fresh_one(fake_platform):
    account = SocialAccountFactory(platform="facebook", access_token="long-lived-old",
                                   token_expires_at=timezone.now() + timedelta(days=3))
    fake_platform.routes["/v24.0/oauth/access_token"] = (200, {"access_token": "long-lived-new",
                                                               "expires_in": 5184000})

    assert refresh_expiring_tokens() == {"refreshed": 1}

    [sent] = sent_to(fake_platform, "/v24.0/oauth/access_token")
    assert (sent.query["grant_type"], sent.query["fb_exchange_token"]) == ("fb_exchange_token", "long-lived-old")
    account.refresh_from_db()
    assert account.access_token == "long-lived-new"
    assert account.token_expires_at > timezone.now() + timedelta(days=59)


def test_tokens_not_yet_due_or_without_expiry_are_left_alone(fake_platform):
    x_account(expires_in=timedelta(hours=2))
    SocialAccountFactory(platform="facebook", token_expires_at=timezone.now() + timedelta(days=30))
    SocialAccountFactory(platform="facebook", token_expires_at=None)  # a Page token that does not expire
    x_account(platform_user_id="9", status=AccountStatus.REVOKED, access_token="", refresh_token="")

    assert refresh_expiring_tokens() == {}
    assert fake_platform.received == []


def test_a_refused_refresh_marks_the_account_expired_and_tells_the_seller_once(fake_platform):
    account = x_account()
    fake_platform.routes["/2/oauth2/token"] = (400, {"error": "invalid_grant",
                                                     "error_description": "Value passed for the token was invalid."})

    assert refresh_expiring_tokens() == {"expired": 1}
    assert refresh_expiring_tokens() == {}  # no longer active: not asked again, not told again

    account.refresh_from_db()
    assert account.status == "expired"
    assert "invalid" in account.last_error and "old-refresh" not in account.last_error
    [notification] = Notification.objects.filter(user=account.seller)
    assert notification.type == "social"
    assert "Reconnect your X (Twitter) account" in notification.title
    assert notification.data == {"account_id": account.pk, "platform": "twitter", "status": "expired"}


def test_a_meta_token_refused_as_expired_marks_the_account_expired(fake_platform):
    account = SocialAccountFactory(platform="instagram", token_expires_at=timezone.now() + timedelta(hours=1))
    fake_platform.routes["/v24.0/oauth/access_token"] = graph_error(190, "Error validating access token",
                                                                    error_subcode=463)

    assert refresh_expiring_tokens() == {"expired": 1}
    account.refresh_from_db()
    assert account.status == "expired"


@pytest.mark.parametrize("answer", [(503, {"title": "Service Unavailable"}),
                                    (429, {"title": "Too Many Requests"}, {"Retry-After": "60"})])
def test_an_outage_leaves_the_account_for_the_next_run(fake_platform, answer):
    account = x_account()
    fake_platform.routes["/2/oauth2/token"] = answer

    assert refresh_expiring_tokens() == {"retry": 1}

    account.refresh_from_db()
    assert (account.status, account.access_token, account.refresh_token) == ("active", "old-access", "old-refresh")
    assert not Notification.objects.exists()
    fake_platform.routes["/2/oauth2/token"] = (200, {"access_token": "new-access", "refresh_token": "new-refresh",
                                                     "expires_in": 7200})
    assert refresh_expiring_tokens() == {"refreshed": 1}


def test_a_platform_that_is_unreachable_is_retried_next_run(fake_platform, settings):
    x_account()
    settings.X_API_URL = "http://127.0.0.1:9"

    assert refresh_expiring_tokens() == {"retry": 1}


def test_a_deployment_without_the_platform_app_changes_nothing(fake_platform, settings):
    account = x_account()
    settings.X_CLIENT_ID = ""

    assert refresh_expiring_tokens() == {"not configured": 1}
    account.refresh_from_db()
    assert account.status == "active"


def test_a_disconnect_during_the_refresh_wins(fake_platform, monkeypatch):
    account = x_account()
    fake_platform.routes["/2/oauth2/token"] = (200, {"access_token": "new-access", "refresh_token": "new-refresh",
                                                     "expires_in": 7200})
    refresh = XClient.refresh

    def disconnected_meanwhile(client, credentials):
        grant = refresh(client, credentials)
        type(account).objects.filter(pk=account.pk).update(status=AccountStatus.REVOKED, access_token="",
                                                          refresh_token="")
        return grant

    monkeypatch.setattr(XClient, "refresh", disconnected_meanwhile)

    assert refresh_expiring_tokens() == {"gone": 1}
    account.refresh_from_db()
    assert (account.status, account.access_token) == ("revoked", "")
