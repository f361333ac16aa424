"""Insights: the hourly job fetches each active account's recent days from its platform into daily
rows, and GET /api/social/accounts/{id}/insights/ answers from those rows only."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Notification
from social.models import AccountInsight, AccountStatus
from social.services import social_account_fetch_insights
from social.tasks import fetch_insights
from tests.accounts.factories import UserFactory
from tests.social.conftest import graph_error, sent_to
from tests.social.factories import SocialAccountFactory

pytestmark = pytest.mark.django_db

PAGE = "1015550001"


def today() -> date:
    return timezone.now().date()


def page_series(name: str, values: dict[date, int]) -> dict:
    # Graph stamps a daily value with the end of its day.
    return {"name": name, "period": "day", "values": [
        {"value": value, "end_time": f"{(day + timedelta(days=1)).isoformat()}T08:00:00+0000"}
        for day, value in values.items()]}


def page_insights(fake_platform, page=PAGE, *, followers=None, impressions=None, answer=None):
    day = today()
    fake_platform.routes[f"/v24.0/{page}/insights"] = answer or (200, {"data": [
        page_series("page_follows", followers or {day - timedelta(days=1): 120, day: 123}),
        page_series("page_media_view", impressions or {day - timedelta(days=1): 900, day: 1100}),
        page_series("page_total_media_view_unique", {day - timedelta(days=1): 400, day: 410}),
        page_series("page_post_engagements", {day - timedelta(days=1): 31, day: 44}),
    ]})


def figures(account) -> dict:
    return {row.day: (row.followers, row.impressions, row.reach, row.engagement, row.link_clicks)
            for row in AccountInsight.objects.filter(account=account)}


# --- the job ------------------------------------------------------------------------------------

def test_the_job_is_in_the_beat_schedule():
    assert settings.CELERY_BEAT_SCHEDULE["social-fetch-insights"]["task"] == "social.tasks.fetch_insights"


def test_the_recent_days_are_fetched_into_daily_rows(fake_platform):
    account = SocialAccountFactory(platform="facebook", platform_user_id=PAGE)
    page_insights(fake_platform)

    assert fetch_insights() == {"fetched": 1}

    day = today()
    assert figures(account) == {day - timedelta(days=1): (120, 900, 400, 31, None),
                                day: (123, 1100, 410, 44, None)}
    [asked] = sent_to(fake_platform, f"/v24.0/{PAGE}/insights")
    assert asked.query["period"] == "day"
    assert asked.headers["authorization"] == f"Bearer {account.access_token}"


def test_a_second_run_updates_the_rows_in_place(fake_platform):
    account = SocialAccountFactory(platform="facebook", platform_user_id=PAGE)
    page_insights(fake_platform)
    fetch_insights()
    before = AccountInsight.objects.get(account=account, day=today()).fetched_at
    page_insights(fake_platform, impressions={today(): 1500})

    assert fetch_insights() == {"fetched": 1}

    assert AccountInsight.objects.filter(account=account).count() == 2
    row = AccountInsight.objects.get(account=account, day=today())
    assert (row.impressions, row.followers) == (1500, 123)
    assert row.fetched_at > before


def test_a_figure_the_platform_no_longer_gives_for_a_day_keeps_its_stored_value(fake_platform):
    account = SocialAccountFactory(platform="facebook", platform_user_id=PAGE)
    yesterday = today() - timedelta(days=1)
    AccountInsight.objects.create(account=account, day=yesterday, followers=118)
    page_insights(fake_platform, answer=(200, {"data": [page_series("page_media_view", {yesterday: 700})]}))

    fetch_insights()

    assert figures(account)[yesterday] == (118, 700, None, None, None)


def test_a_rate_limit_leaves_the_platforms_accounts_for_the_next_run(fake_platform):
    first = SocialAccountFactory(platform="facebook", platform_user_id=PAGE)
    SocialAccountFactory(platform="facebook", platform_user_id="1015550002")
    fake_platform.routes[f"/v24.0/{PAGE}/insights"] = (429, {"error": {"message": "slow down", "code": 32}},
                                                       {"Retry-After": "60"})

    assert fetch_insights() == {"rate limited": 2}

    assert sent_to(fake_platform, "/v24.0/1015550002/insights") == []  # not asked again in this run
    assert AccountInsight.objects.count() == 0
    first.refresh_from_db()
    assert first.status == AccountStatus.ACTIVE
    page_insights(fake_platform)  # the next run
    fake_platform.routes["/v24.0/1015550002/insights"] = (200, {"data": []})
    assert fetch_insights() == {"fetched": 2}
    assert len(figures(first)) == 2


def test_an_outage_is_retried_next_run(fake_platform):
    account = SocialAccountFactory(platform="facebook", platform_user_id=PAGE)
    fake_platform.routes[f"/v24.0/{PAGE}/insights"] = graph_error(2, "Service temporarily unavailable", status=500)

    assert fetch_insights() == {"retry": 1}

    account.refresh_from_db()
    assert (account.status, AccountInsight.objects.count()) == (AccountStatus.ACTIVE, 0)


def test_an_expired_token_marks_the_account_expired_and_tells_the_seller_once(fake_platform):
    account = SocialAccountFactory(platform="facebook", platform_user_id=PAGE)
    fake_platform.routes[f"/v24.0/{PAGE}/insights"] = graph_error(190, "Error validating access token",
                                                                  error_subcode=463)

    assert fetch_insights() == {"expired": 1}
    assert fetch_insights() == {}  # no longer active: not asked again

    account.refresh_from_db()
    assert account.status == AccountStatus.EXPIRED
    assert "Error validating access token" in account.last_error
    assert Notification.objects.filter(user=account.seller).count() == 1
    assert len(sent_to(fake_platform, f"/v24.0/{PAGE}/insights")) == 1


def test_a_refused_metric_is_logged_and_the_account_stays_active(fake_platform):
    account = SocialAccountFactory(platform="facebook", platform_user_id=PAGE)
    fake_platform.routes[f"/v24.0/{PAGE}/insights"] = graph_error(10, "Permission denied", status=403)

    assert fetch_insights() == {"refused": 1}

    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE


def test_platforms_without_insights_and_inactive_accounts_are_skipped(fake_platform):
    SocialAccountFactory(platform="whatsapp", platform_user_id="1099000")
    SocialAccountFactory(platform="facebook", platform_user_id=PAGE, status=AccountStatus.EXPIRED)
    SocialAccountFactory(platform="facebook", platform_user_id="1015550009", status=AccountStatus.REVOKED,
                         access_token="")

    assert fetch_insights() == {}
    assert fake_platform.received == []


def test_a_batch_cut_short_leaves_the_others_first_in_line_for_the_next_run(fake_platform, monkeypatch):
    monkeypatch.setattr("social.tasks.INSIGHTS_BATCH", 1)
    fetched_before = SocialAccountFactory(platform="facebook", platform_user_id=PAGE)
    never_fetched = SocialAccountFactory(platform="facebook", platform_user_id="1015550002")
    page_insights(fake_platform)
    page_insights(fake_platform, page="1015550002")
    fetch_insights()
    assert sent_to(fake_platform, "/v24.0/1015550002/insights") == []  # pk order among the never fetched

    fetch_insights()

    assert len(sent_to(fake_platform, "/v24.0/1015550002/insights")) == 1
    assert len(figures(never_fetched)) == len(figures(fetched_before)) == 2


def test_x_figures_are_fetched_from_the_posts_public_metrics(fake_platform):
    account = SocialAccountFactory(platform="twitter", platform_user_id="2244994945")
    now = timezone.now().replace(microsecond=0)
    # Earlier today (followers are today's figure only): a run just after midnight UTC stays on today.
    created = max(now - timedelta(minutes=5), now.replace(hour=0, minute=0, second=0))
    fake_platform.routes["/2/users/2244994945/tweets"] = (200, {"data": [
        {"id": "1", "created_at": created.isoformat().replace("+00:00", "Z"),
         "public_metrics": {"impression_count": 50, "like_count": 3, "reply_count": 1}}]})
    fake_platform.routes["/2/users/2244994945"] = (200, {"data": {"id": "2244994945",
                                                                 "public_metrics": {"followers_count": 77}}})

    assert social_account_fetch_insights(account=account, since=created.date(), until=created.date()) == "fetched"

    assert figures(account) == {created.date(): (77, 50, None, 4, None)}


# --- the endpoint -------------------------------------------------------------------------------

def url(account) -> str:
    return f"/api/social/accounts/{account.pk}/insights/"


def test_the_days_are_answered_from_the_rows_with_totals(seller_client, seller, fake_platform):
    account = SocialAccountFactory(seller=seller, platform="facebook", platform_user_id=PAGE)
    day = today()
    AccountInsight.objects.create(account=account, day=day - timedelta(days=2), followers=100, impressions=500,
                                  reach=200, engagement=10)
    AccountInsight.objects.create(account=account, day=day, followers=104, impressions=700, reach=300,
                                  engagement=20)

    response = seller_client.get(url(account), {"days": 3})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert fake_platform.received == []  # never a platform call in the request
    assert {key: body[key] for key in ("account", "platform", "days", "since", "until")} == {
        "account": account.pk, "platform": "facebook", "days": 3,
        "since": (day - timedelta(days=2)).isoformat(), "until": day.isoformat()}
    assert body["fetched_at"] is not None
    assert body["totals"] == {"followers": 104, "followers_change": 4, "impressions": 1200, "reach": 500,
                              "engagement": 30, "link_clicks": None}
    assert body["series"] == [
        {"date": (day - timedelta(days=2)).isoformat(), "followers": 100, "impressions": 500, "reach": 200,
         "engagement": 10, "link_clicks": None},
        {"date": (day - timedelta(days=1)).isoformat(), "followers": None, "impressions": None, "reach": None,
         "engagement": None, "link_clicks": None},
        {"date": day.isoformat(), "followers": 104, "impressions": 700, "reach": 300, "engagement": 20,
         "link_clicks": None},
    ]


def test_seven_days_by_default_and_nothing_fetched_yet_is_all_null(seller_client, seller):
    account = SocialAccountFactory(seller=seller, platform="whatsapp")

    body = seller_client.get(url(account)).json()

    assert (body["days"], len(body["series"]), body["fetched_at"]) == (7, 7, None)
    assert body["since"] == (today() - timedelta(days=6)).isoformat()
    assert set(body["totals"].values()) == {None}


def test_rows_outside_the_range_are_left_out(seller_client, seller):
    account = SocialAccountFactory(seller=seller)
    AccountInsight.objects.create(account=account, day=today() - timedelta(days=1), impressions=5)
    AccountInsight.objects.create(account=account, day=today() - timedelta(days=2), impressions=1000)

    body = seller_client.get(url(account), {"days": 2}).json()

    assert body["totals"]["impressions"] == 5


@pytest.mark.parametrize("days", ["0", "91", "-3", "seven", "1.5"])
def test_days_outside_1_to_90_are_refused(seller_client, seller, days):
    account = SocialAccountFactory(seller=seller)

    response = seller_client.get(url(account), {"days": days})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "days" in response.json()["details"]


@pytest.mark.parametrize("days", [1, 90])
def test_the_bounds_are_accepted(seller_client, seller, days):
    account = SocialAccountFactory(seller=seller)

    body = seller_client.get(url(account), {"days": days}).json()

    assert len(body["series"]) == days


def test_another_sellers_account_is_not_found(seller_client):
    theirs = SocialAccountFactory(seller=UserFactory(account_type="seller"))
    AccountInsight.objects.create(account=theirs, day=today(), impressions=9)

    response = seller_client.get(url(theirs))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_buyers_and_anonymous_callers_are_refused(buyer_client, api_client):
    account = SocialAccountFactory()

    assert buyer_client.get(url(account)).status_code == 403
    assert api_client.get(url(account)).status_code == 401


def test_the_query_count_does_not_grow_with_the_range(seller_client, seller, django_assert_max_num_queries):
    account = SocialAccountFactory(seller=seller)
    AccountInsight.objects.bulk_create(AccountInsight(account=account, day=today() - timedelta(days=offset),
                                                      impressions=offset) for offset in range(90))
    counts = []
    for days in (1, 90):
        with CaptureQueriesContext(connection) as captured, django_assert_max_num_queries(5):
            assert seller_client.get(url(account), {"days": days}).status_code == 200
        counts.append(len(captured.captured_queries))

    assert counts[0] == counts[1]
