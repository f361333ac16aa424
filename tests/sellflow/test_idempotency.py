"""Idempotency records are kept for IDEMPOTENCY_KEY_HOURS, then pruned and the key is free again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sellflow.models import IdempotencyRecord
from sellflow.tasks import prune_idempotency_records
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_old_records_are_pruned(settings):
    settings.IDEMPOTENCY_KEY_HOURS = 24
    user = UserFactory()
    old = IdempotencyRecord.objects.create(user=user, key="old", path="/api/orders/checkout/", fingerprint="x")
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    IdempotencyRecord.objects.create(user=user, key="new", path="/api/orders/checkout/", fingerprint="y")

    assert prune_idempotency_records.delay().get() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_a_key_too_long_is_a_400(buyer_client):
    response = buyer_client.post("/api/orders/checkout/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)

    assert response.status_code == 400 and response.json()["code"] == "invalid"
