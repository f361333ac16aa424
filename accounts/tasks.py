from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode

from accounts.models import EmailVerificationCode, User


def _send(user: User, template: str, subject: str, context: dict) -> None:
    context = {"user": user, "frontend_url": settings.FRONTEND_URL, **context}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"accounts/email/{template}.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string(f"accounts/email/{template}.html", context), "text/html")
    message.send()


@shared_task
def send_password_reset_email(user_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    query = urlencode(
        {"uid": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}
    )
    _send(
        user,
        "password_reset",
        "Reset your SellFlow password",
        {"reset_url": f"{settings.FRONTEND_URL}/reset-password?{query}",
         "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60},
    )


@shared_task
def send_registration_attempt_email(user_id: int) -> None:
    """Tell the owner of an address that someone tried to open a second account with it."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    _send(user, "registration_attempt", "Someone tried to sign up with your email address", {})


@shared_task
def send_verification_code(verification_id: int, code: str) -> None:
    verification = (
        EmailVerificationCode.objects.select_related("user")
        .filter(pk=verification_id, used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if verification is None or verification.user.is_verified:
        return  # replaced, used, expired or no longer needed: mailing it would only confuse
    _send(
        verification.user,
        "verification_code",
        f"{code} is your SellFlow verification code",
        {"code": code, "valid_minutes": settings.OTP_TTL_SECONDS // 60},
    )


@shared_task
def flush_expired_tokens() -> None:
    """Drop refresh tokens (and their blacklist rows) that have expired anyway."""
    call_command("flushexpiredtokens")


@shared_task
def delete_stale_otps() -> int:
    deleted, _ = EmailVerificationCode.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
