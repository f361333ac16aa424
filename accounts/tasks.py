"""The accounts app's Celery tasks: each takes ids, re-fetches, and calls accounts.emails or a service."""

from celery import shared_task
from django.core.management import call_command
from django.utils import timezone

from accounts.models import EmailVerificationCode, User


@shared_task
def send_password_reset_email(user_id: int) -> None:
    from accounts.emails import password_reset_email

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    password_reset_email(user)


@shared_task
def send_registration_attempt_email(user_id: int) -> None:
    """Tell the owner of an address that someone tried to open a second account with it."""
    from accounts.emails import registration_attempt_email

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    registration_attempt_email(user)


@shared_task
def send_verification_code(verification_id: int, code: str) -> None:
    from accounts.emails import verification_code_email

    verification = (
        EmailVerificationCode.objects.select_related("user")
        .filter(pk=verification_id, used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if verification is None or verification.user.is_verified:
        return  # replaced, used, expired or no longer needed: mailing it would only confuse
    verification_code_email(verification.user, code=code)


@shared_task
def flush_expired_tokens() -> None:
    """Drop refresh tokens (and their blacklist rows) that have expired anyway."""
    call_command("flushexpiredtokens")


@shared_task
def delete_stale_otps() -> int:
    from accounts.services import verification_codes_prune

    return verification_codes_prune(now=timezone.now())
