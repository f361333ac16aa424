"""Quotas of costly work, counted in the database per period (sellflow.quotas): for every app
that limits what a user may do per minute, hour or day."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from sellflow.models import QuotaUsage
from sellflow.quotas import DAY, HOUR, MINUTE, Charge, QuotaExceeded, quotas_take
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def sends(amount: int, quota: int, seconds: int = DAY) -> Charge:
    return Charge(scope="marketing_sends", amount=amount, quota=quota, seconds=seconds,
                  message="You have sent today's messages.")


def used(user, scope="marketing_sends") -> list[int]:
    return list(QuotaUsage.objects.filter(user=user, scope=scope).values_list("used", flat=True))


def test_counts_up_to_the_quota_then_refuses_with_the_wait(monkeypatch):
    user = UserFactory()
    noon = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: noon)
    quotas_take(user_id=user.pk, charges=[sends(3, 5)])

    with pytest.raises(QuotaExceeded) as refused:
        quotas_take(user_id=user.pk, charges=[sends(3, 5)])

    assert refused.value.status_code == 429
    assert refused.value.details == {"kind": "marketing_sends", "period_seconds": DAY, "quota": 5, "used": 3,
                                     "requested": 3, "retry_after": 12 * 3600 + 1}
    assert refused.value.headers == {"Retry-After": str(12 * 3600 + 1)}
    quotas_take(user_id=user.pk, charges=[sends(2, 5)])  # what is left still fits
    assert used(user) == [5]


def test_all_or_nothing_across_charges():
    user = UserFactory()
    pixels = Charge(scope="upload_pixels", amount=100, quota=1000, seconds=HOUR, message="Spent.", code="throttled")

    with pytest.raises(QuotaExceeded) as refused:
        quotas_take(user_id=user.pk, charges=[pixels, sends(6, 5)])

    assert refused.value.details["kind"] == "marketing_sends"
    assert not QuotaUsage.objects.exclude(used=0).exists()


def test_each_period_starts_afresh_on_the_utc_clock(monkeypatch):
    user = UserFactory()
    start = timezone.now().replace(hour=23, minute=59, second=30, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: start)
    quotas_take(user_id=user.pk, charges=[sends(5, 5), sends(1, 1, MINUTE)])

    with pytest.raises(QuotaExceeded) as refused:
        quotas_take(user_id=user.pk, charges=[sends(1, 1, MINUTE)])
    assert refused.value.details["retry_after"] == 31

    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(seconds=30))  # midnight UTC
    quotas_take(user_id=user.pk, charges=[sends(5, 5), sends(1, 1, MINUTE)])


def test_no_quota_counts_nothing():
    user = UserFactory()

    quotas_take(user_id=user.pk, charges=[sends(10_000, 0)])

    assert not QuotaUsage.objects.exists()


def test_old_periods_are_pruned_by_the_beat(settings):
    from sellflow.tasks import prune_quota_usage

    user = UserFactory()
    now = timezone.now()
    old = QuotaUsage.objects.create(user=user, scope="product_images", period_seconds=DAY,
                                    period_start=now - timedelta(days=3), used=4)
    yesterday = QuotaUsage.objects.create(user=user, scope="product_images", period_seconds=DAY,
                                          period_start=now - timedelta(days=1))

    assert prune_quota_usage.delay().get() == 1
    assert list(QuotaUsage.objects.values_list("pk", flat=True)) == [yesterday.pk]
    assert not QuotaUsage.objects.filter(pk=old.pk).exists()
    assert settings.CELERY_BEAT_SCHEDULE["sellflow-prune-quota-usage"]["task"] == "sellflow.tasks.prune_quota_usage"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level concurrency needs PostgreSQL")
def test_parallel_takes_never_pass_the_quota():
    user = UserFactory()
    outcomes = []
    barrier = threading.Barrier(12)

    def take():
        try:
            barrier.wait()
            quotas_take(user_id=user.pk, charges=[sends(1, 5), sends(1, 5, MINUTE)])
            outcomes.append("taken")
        except QuotaExceeded:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused"] * 7 + ["taken"] * 5
    assert sorted(QuotaUsage.objects.filter(user=user).values_list("used", flat=True)) == [5, 5]


def test_operators_see_what_was_spent_and_can_give_a_period_back(operator_client):
    seller = UserFactory(email="busy@shop.example")
    quotas_take(user_id=seller.pk, charges=[sends(3, quota=5)])
    row = QuotaUsage.objects.get(user=seller)

    listing = operator_client.get("/admin/sellflow/quotausage/", {"q": "busy@shop"})
    assert listing.status_code == 200 and b"marketing_sends" in listing.content
    assert operator_client.get("/admin/sellflow/quotausage/add/").status_code == 403

    operator_client.post(f"/admin/sellflow/quotausage/{row.pk}/delete/", {"post": "yes"})
    assert not QuotaUsage.objects.filter(user=seller).exists()
    quotas_take(user_id=seller.pk, charges=[sends(5, quota=5)])  # the whole quota again
