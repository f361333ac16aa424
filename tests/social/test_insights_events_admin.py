"""The operator's view of insights rows and inbound events: listed, shown, never edited or added."""

from datetime import date

import pytest

from social.models import AccountInsight, EventKind, PlatformEvent, PostClick
from tests.social.factories import PostTargetFactory, SocialAccountFactory

pytestmark = pytest.mark.django_db


def test_insight_rows_are_listed_and_shown_read_only(operator_client):
    account = SocialAccountFactory()
    row = AccountInsight.objects.create(account=account, day=date(2026, 12, 5), impressions=1234)

    listing = operator_client.get("/admin/social/accountinsight/")
    detail = operator_client.get(f"/admin/social/accountinsight/{row.pk}/change/")

    assert listing.status_code == 200 and b"1234" in listing.content
    assert detail.status_code == 200
    assert b'name="impressions"' not in detail.content  # no form field: read-only
    assert account.access_token.encode() not in listing.content + detail.content
    assert operator_client.get("/admin/social/accountinsight/add/").status_code == 403


def test_events_are_listed_and_shown_read_only(operator_client):
    event = PlatformEvent.objects.create(platform="facebook", event_id="meta:abc", kind=EventKind.COMMENT,
                                         account=SocialAccountFactory(), payload={"value": {"message": "Price?"}})

    listing = operator_client.get("/admin/social/platformevent/")
    detail = operator_client.get(f"/admin/social/platformevent/{event.pk}/change/")

    assert listing.status_code == 200 and b"meta:abc" in listing.content
    assert detail.status_code == 200 and b"Price?" in detail.content
    assert b'name="processed"' not in detail.content
    assert operator_client.post(f"/admin/social/platformevent/{event.pk}/change/",
                                {"processed": "on"}).status_code == 403
    assert operator_client.get(f"/admin/social/platformevent/{event.pk}/delete/").status_code == 403
    assert operator_client.get("/admin/social/platformevent/add/").status_code == 403
    event.refresh_from_db()
    assert event.processed is False


def test_link_visits_are_listed_and_shown_read_only(operator_client):
    target = PostTargetFactory(status="published")
    click = PostClick.objects.create(seller=target.post.seller, post=target.post, target=target, platform="facebook",
                                     visitor="0f" * 16, utm={"utm_campaign": "december_sale"})

    listing = operator_client.get("/admin/social/postclick/")
    detail = operator_client.get(f"/admin/social/postclick/{click.pk}/change/")

    assert listing.status_code == 200 and b"0f0f0f0f" in listing.content
    assert detail.status_code == 200 and b"december_sale" in detail.content
    assert b'name="visitor"' not in detail.content
    assert operator_client.get("/admin/social/postclick/add/").status_code == 403
