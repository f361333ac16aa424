"""Every email the accounts app sends (password reset, a second sign-up with an address,
verification codes): their subjects, the links and figures they carry, and how they are sent
(text and HTML from accounts/email/ templates). Tasks call these by name."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode

from accounts.models import User

PASSWORD_RESET_SUBJECT = "Reset your SellFlow password"
REGISTRATION_ATTEMPT_SUBJECT = "Someone tried to sign up with your email address"
VERIFICATION_CODE_SUBJECT = "{code} is your SellFlow verification code"


def _send(user: User, template: str, subject: str, context: dict) -> None:
    context = {"user": user, "frontend_url": settings.FRONTEND_URL, **context}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"accounts/email/{template}.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string(f"accounts/email/{template}.html", context), "text/html")
    message.send()


def password_reset_email(user: User) -> None:
    """The link to choose a new password, valid for PASSWORD_RESET_TIMEOUT."""
    query = urlencode(
        {"uid": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}
    )
    _send(
        user,
        "password_reset",
        PASSWORD_RESET_SUBJECT,
        {"reset_url": f"{settings.FRONTEND_URL}/reset-password?{query}",
         "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60},
    )


def registration_attempt_email(user: User) -> None:
    """Tell the owner of an address that someone tried to open a second account with it."""
    _send(user, "registration_attempt", REGISTRATION_ATTEMPT_SUBJECT, {})


def verification_code_email(user: User, *, code: str) -> None:
    _send(
        user,
        "verification_code",
        VERIFICATION_CODE_SUBJECT.format(code=code),
        {"code": code, "valid_minutes": settings.OTP_TTL_SECONDS // 60},
    )
