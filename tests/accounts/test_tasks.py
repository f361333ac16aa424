from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts import tasks
from accounts.models import EmailVerificationCode, User
from accounts.services import tokens_for_user, verification_code_issue
from sellflow.celery import app as celery_app
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_flush_expired_tokens_keeps_live_sessions():
    user = UserFactory()
    tokens_for_user(user)
    tokens_for_user(user)
    OutstandingToken.objects.filter(pk=OutstandingToken.objects.first().pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )

    tasks.flush_expired_tokens.delay()

    assert OutstandingToken.objects.count() == 1


def test_delete_stale_otps():
    user = UserFactory(is_verified=False)
    verification_code_issue(user=user)
    EmailVerificationCode.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    assert tasks.delete_stale_otps.delay().get() == 1
    assert not EmailVerificationCode.objects.exists()


def test_verification_mail_task_resends_the_same_code_when_retried(mailoutbox):
    user = UserFactory(is_verified=False)
    verification, code = verification_code_issue(user=user)

    tasks.send_verification_code.delay(verification.pk, code)
    tasks.send_verification_code.delay(verification.pk, code)  # a redelivery

    assert [code in message.body for message in mailoutbox] == [True, True]
    assert EmailVerificationCode.objects.get().pk == verification.pk


def test_verification_mail_task_skips_replaced_or_needless_codes(mailoutbox):
    user = UserFactory(is_verified=False)
    old, old_code = verification_code_issue(user=user)
    verification_code_issue(user=user)

    tasks.send_verification_code.delay(old.pk, old_code)  # replaced meanwhile
    User.objects.filter(pk=user.pk).update(is_verified=True)
    current = EmailVerificationCode.objects.get()
    tasks.send_verification_code.delay(current.pk, "000000")  # verified meanwhile

    assert mailoutbox == []


def test_reset_mail_task_skips_deleted_users(mailoutbox):
    tasks.send_password_reset_email.delay(987654)

    assert mailoutbox == []


def test_beat_schedule_names_registered_tasks():
    from django.conf import settings

    # A worker imports every app's tasks module at start; this test may run before anything did.
    celery_app.loader.import_default_modules()
    registered = set(celery_app.tasks)
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in registered


def test_default_task_retry_policy():
    task = tasks.send_password_reset_email

    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    assert task.max_retries == 5
    assert task.retry_backoff and task.retry_jitter
    assert task.retry_backoff_max == 600
    assert ConnectionError in task.autoretry_for


def test_a_task_whose_database_hiccups_runs_again(db):
    """A deadlock or a lost connection retries like a network error (the one policy)."""
    from unittest import mock

    from django.db import OperationalError

    from ai import tasks as ai_tasks

    outcomes = [OperationalError("deadlock detected"), None]

    def refresh(**kwargs):
        outcome = outcomes.pop(0)
        if outcome:
            raise outcome

    with mock.patch("ai.recommendations.recommendations_refresh_products", side_effect=refresh) as service:
        ai_tasks.refresh_products_recommendations.apply(args=[[1]], throw=False).get()

    assert service.call_count == 2
