"""Every write of the accounts app: registration, sign-in, sessions, passwords, email
verification, profile and onboarding."""

import secrets
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from rest_framework.request import Request
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.cache import PUBLIC_PROFILE_FIELDS, sellers_public_changed
from accounts.errors import (
    AccountDisabled,
    AlreadyVerified,
    CodeExpired,
    GoogleAccountMismatch,
    InvalidCredentials,
    InvalidRefreshToken,
    InvalidResetLink,
    NoPendingCode,
    TooManyCodeAttempts,
    WrongCode,
)
from accounts.google import verify_google_id_token
from accounts.models import ONBOARDING_LAST_STEP, AccountType, EmailVerificationCode, User
from accounts.tasks import send_password_reset_email as send_password_reset_email_task
from accounts.tasks import send_registration_attempt_email as send_registration_attempt_email_task
from accounts.tasks import send_verification_code as send_verification_code_task
from accounts.tokens import SessionRefreshToken
from sellflow.images import Uploader, clean_image_upload, decoding_take, probe_image
from sellflow.throttling import take_slot
from sellflow.transactions import after_commit
from sellflow.ws_sessions import UNNAMED_SESSION, revoke_sockets, session_end, session_id_of

# --- Tokens and sessions ----------------------------------------------------------------------

def tokens_for_user(user: User) -> dict[str, str]:
    """A new session: a refresh token (recorded as outstanding) and its access token, both
    carrying the new session's id."""
    refresh = SessionRefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def session_logout(*, user: User | None, refresh: str, access_token: AccessToken | None = None) -> None:
    """End one session: its refresh tokens can no longer be used, nor its access tokens, on HTTP
    and sockets, whether or not the client sent one with the logout; its open sockets close."""
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise InvalidRefreshToken() from exc
    if user is not None and user.is_authenticated and str(token.get("user_id")) != str(user.pk):
        raise InvalidRefreshToken()
    with transaction.atomic():
        token.blacklist()
        _blacklist_session(token["user_id"], session_id_of(token))
        if access_token is not None:
            _blacklist_access_token(access_token)  # the only mark a session without an id can get
        # Recorded before the sockets are told: a socket joining meanwhile re-checks and sees it.
        after_commit(session_end, token["user_id"], session_id_of(token))
        after_commit(revoke_sockets, token["user_id"], session_id_of(token))


def _blacklist_session(user_id: int | str, session_id: str) -> None:
    """Blacklist every refresh token of the session still outstanding: the one a logout shows
    may be any of them, since a used refresh token stays good until it expires. However many
    tokens the user holds, this is one indexed SELECT of the session's (SessionToken) and one bulk
    INSERT. A session holds at most one token per refresh within a refresh lifetime (7 days of
    15-minute access tokens: 672), so SQLite's 499 rows a statement split it in two at most."""
    if session_id == UNNAMED_SESSION:
        return
    ours = OutstandingToken.objects.filter(
        session__session_id=session_id, user_id=user_id, blacklistedtoken__isnull=True, expires_at__gt=timezone.now()
    ).values_list("pk", flat=True)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token_id=pk) for pk in ours], ignore_conflicts=True)


def _blacklist_access_token(access_token: AccessToken) -> None:
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=access_token["jti"],
        defaults={
            "user_id": access_token.get("user_id"),
            "token": str(access_token),
            "created_at": timezone.now(),
            "expires_at": datetime_from_epoch(access_token["exp"]),
        },
    )
    BlacklistedToken.objects.get_or_create(token=outstanding)


def user_revoke_all_sessions(*, user: User) -> int:
    """Blacklist every refresh token the user still holds and close their open sockets (password
    change or reset, an operator's deactivation). Expired tokens need no blacklisting: they are
    refused anyway, and flushexpiredtokens deletes them."""
    open_tokens = OutstandingToken.objects.filter(
        user=user, blacklistedtoken__isnull=True, expires_at__gt=timezone.now()
    ).values_list("pk", flat=True)
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token_id=pk) for pk in open_tokens], ignore_conflicts=True
    )
    after_commit(revoke_sockets, user.pk)
    return len(created)


# --- Registration and sign-in -----------------------------------------------------------------

# One mail at most per window to the owner of an address someone tries to register again.
EXISTING_ACCOUNT_NOTICE_SECONDS = 24 * 3600


def user_register(*, email: str, password: str, account_type: str = AccountType.SELLER, **profile: Any) -> User:
    """Create the account. A taken address is refused (the answer carries tokens, so it cannot
    look alike), and its owner is told someone tried; the endpoint is throttled per IP and email."""
    email = User.objects.normalize_email(email)
    owner = User.objects.filter(email__iexact=email).first()
    if owner is None:
        try:
            with transaction.atomic():
                return User.objects.create_user(email, password, account_type=account_type, **profile)
        except IntegrityError:
            # Two registrations of the same address raced; the other one won.
            owner = User.objects.filter(email__iexact=email).first()
    if owner is not None and owner.is_active and take_slot(
        f"accounts:registration-attempt:{owner.pk}", limit=1, seconds=EXISTING_ACCOUNT_NOTICE_SECONDS
    ):
        after_commit(send_registration_attempt_email_task.delay, owner.pk)
    raise DjangoValidationError({"email": "A user with this email already exists."})


def user_login(*, request: Request, email: str, password: str) -> User:
    user = authenticate(request, email=User.objects.normalize_email(email), password=password)
    if user is None:
        # One message whatever was wrong: never tell which emails have accounts.
        raise InvalidCredentials()
    update_last_login(None, user)
    return user


def google_sign_in(*, id_token: str, account_type: str = AccountType.SELLER) -> tuple[User, bool]:
    """Log in the Google account's user, linking or creating it. Returns (user, created)."""
    # Google's keys may be fetched over HTTP: verify before holding any database transaction.
    claims = verify_google_id_token(id_token)
    google_id = str(claims["sub"])
    email = User.objects.normalize_email(claims["email"])

    with transaction.atomic():
        user = (
            User.objects.select_for_update().filter(google_id=google_id).first()
            or User.objects.select_for_update().filter(email=email).first()
        )
        if user is not None:
            return _google_link(user, google_id), False
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email,
                    None,
                    google_id=google_id,
                    first_name=str(claims.get("given_name") or "")[:150],
                    last_name=str(claims.get("family_name") or "")[:150],
                    account_type=account_type,
                    is_verified=True,
                    last_login=timezone.now(),
                )
        except IntegrityError:
            # A concurrent first sign-in of the same account created it a moment ago.
            return _google_link(User.objects.select_for_update().get(email=email), google_id), False
        return user, True


def _google_link(user: User, google_id: str) -> User:
    if not user.is_active:
        raise AccountDisabled()
    if user.google_id and user.google_id != google_id:
        raise GoogleAccountMismatch()
    if not user.is_verified:
        # Nobody proved owning this address before Google did: whoever registered it may not
        # be its owner, so their password and sessions must not survive the link.
        user.set_unusable_password()
        user_revoke_all_sessions(user=user)
    user.google_id = google_id
    user.is_verified = True
    user.last_login = timezone.now()
    user.save(update_fields=["google_id", "is_verified", "last_login", "password"])
    return user


# --- Passwords --------------------------------------------------------------------------------

def _validate_new_password(user: User, password: str, field: str = "new_password") -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as error:
        raise DjangoValidationError({field: error.messages}) from error


@transaction.atomic
def user_change_password(*, user: User, old_password: str, new_password: str) -> dict[str, str]:
    """Change the password, end every other session, and open a new one for this client."""
    if not user.check_password(old_password):
        raise DjangoValidationError({"old_password": "The current password is not correct."})
    _validate_new_password(user, new_password)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_revoke_all_sessions(user=user)
    return tokens_for_user(user)


def password_reset_request(*, email: str) -> None:
    """Mail a reset link if the account exists, at most PASSWORD_RESET_MAILS_PER_HOUR an hour, so
    nobody can flood an inbox. The caller answers the same whatever happened here."""
    user = User.objects.filter(email=User.objects.normalize_email(email), is_active=True).first()
    if user is not None and take_slot(
        f"accounts:password-reset-mails:{user.pk}", limit=settings.PASSWORD_RESET_MAILS_PER_HOUR, seconds=3600
    ):
        after_commit(send_password_reset_email_task.delay, user.pk)


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    try:
        user_id = int(force_str(urlsafe_base64_decode(uid)))
        user = User.objects.select_for_update().get(pk=user_id, is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist) as exc:
        raise InvalidResetLink() from exc
    if not default_token_generator.check_token(user, token):
        raise InvalidResetLink()
    _validate_new_password(user, new_password)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_revoke_all_sessions(user=user)
    return user


# --- Email verification codes -----------------------------------------------------------------

def _code_hash(user: User, code: str) -> str:
    # Keyed with SECRET_KEY: a leaked table does not give away codes by brute force.
    return salted_hmac("accounts.email-verification", f"{user.pk}:{code}", algorithm="sha256").hexdigest()


@transaction.atomic
def verification_code_request(*, user: User) -> None:
    """Issue a code and mail it after commit. The mail task only sends this code, so a retried
    or redelivered task repeats the same email instead of replacing the code."""
    if user.is_verified:
        raise AlreadyVerified()
    verification, code = verification_code_issue(user=user)
    after_commit(send_verification_code_task.delay, verification.pk, code)


def verification_code_issue(*, user: User) -> tuple[EmailVerificationCode, str]:
    """A fresh code for the user; earlier unused codes stop working."""
    code = f"{secrets.randbelow(10**6):06d}"
    EmailVerificationCode.objects.filter(user=user, used_at__isnull=True).delete()
    verification = EmailVerificationCode.objects.create(
        user=user,
        code_hash=_code_hash(user, code),
        expires_at=timezone.now() + timedelta(seconds=settings.OTP_TTL_SECONDS),
    )
    return verification, code


def verification_code_verify(*, user: User, code: str) -> User:
    if user.is_verified:
        return user
    pending = EmailVerificationCode.objects.filter(user=user, used_at__isnull=True).first()
    if pending is None:
        raise NoPendingCode()
    if pending.is_expired:
        raise CodeExpired()

    # The attempt is counted before the comparison, in one conditional UPDATE, so parallel
    # guesses can never get past the limit.
    counted = EmailVerificationCode.objects.filter(
        pk=pending.pk, used_at__isnull=True, attempts__lt=settings.OTP_MAX_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    if not counted:
        raise TooManyCodeAttempts()
    if not constant_time_compare(pending.code_hash, _code_hash(user, code)):
        remaining = max(settings.OTP_MAX_ATTEMPTS - pending.attempts - 1, 0)
        raise WrongCode(details={"attempts_remaining": remaining})

    with transaction.atomic():
        used = EmailVerificationCode.objects.filter(pk=pending.pk, used_at__isnull=True).update(used_at=timezone.now())
        if not used:
            raise NoPendingCode("This code was already used; request a new one.")
        User.objects.filter(pk=user.pk).update(is_verified=True)
    user.is_verified = True
    return user


def verification_codes_prune(*, now: datetime) -> int:
    """Delete the codes that expired before `now` (the daily job); returns how many."""
    deleted, _ = EmailVerificationCode.objects.filter(expires_at__lt=now).delete()
    return deleted


# --- Profile and onboarding -------------------------------------------------------------------

PROFILE_FIELDS = frozenset(
    {
        "first_name", "last_name", "phone", "whatsapp_number", "bio", "company_name", "business_type",
        "country", "city", "currency", "timezone", "theme", "account_type",
        "ai_description_enabled", "ai_hashtags_enabled", "ai_replies_enabled", "ai_assistant_enabled",
        "shipping_fee", "free_shipping_threshold",
    }
)


@transaction.atomic
def user_update_profile(*, user: User, data: dict[str, Any]) -> User:
    unknown = set(data) - PROFILE_FIELDS
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    if data.get("account_type") == AccountType.BUYER and user.account_type == AccountType.SELLER:
        raise DjangoValidationError({"account_type": "A seller account cannot be turned back into a buyer account."})
    for field, value in data.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password", "email", "avatar"], validate_unique=False, validate_constraints=False)
    user.save(update_fields=sorted(data))
    if user.is_seller and PUBLIC_PROFILE_FIELDS & set(data):
        transaction.on_commit(sellers_public_changed)
    return user


def user_set_avatar(*, user: User, upload: UploadedFile, uploader: Uploader) -> User:
    """A new profile picture; the `uploader` (who sent it) pays for decoding it."""
    width, height = probe_image(upload, max_bytes=settings.AVATAR_MAX_BYTES, max_pixels=settings.AVATAR_MAX_PIXELS)
    decoding_take(uploader=uploader, pixels=width * height)
    # Decoded before the transaction opens: the slow part holds no lock.
    image = clean_image_upload(
        upload,
        max_bytes=settings.AVATAR_MAX_BYTES,
        max_pixels=settings.AVATAR_MAX_PIXELS,
        max_dimension=settings.AVATAR_SIZE,
    )
    with transaction.atomic():
        previous = user.avatar.name if user.avatar else None
        user.avatar.save(f"avatar.{image.extension}", image.content, save=False)
        user.save(update_fields=["avatar"])
        if user.is_seller:
            transaction.on_commit(sellers_public_changed)
        if previous:
            transaction.on_commit(partial(user.avatar.storage.delete, previous))
    return user


@transaction.atomic
def user_remove_avatar(*, user: User) -> User:
    if user.avatar:
        previous, storage = user.avatar.name, user.avatar.storage
        user.avatar = ""
        user.save(update_fields=["avatar"])
        if user.is_seller:
            transaction.on_commit(sellers_public_changed)
        transaction.on_commit(partial(storage.delete, previous))
    return user


def user_update_onboarding(*, user: User, step: int | None = None, completed: bool | None = None) -> User:
    if step is not None:
        if not 0 <= step <= ONBOARDING_LAST_STEP:
            raise DjangoValidationError({"onboarding_step": f"Steps run from 0 to {ONBOARDING_LAST_STEP}."})
        user.onboarding_step = step
    if completed is True:
        user.onboarding_completed = True
        user.onboarding_step = ONBOARDING_LAST_STEP
    elif completed is False:
        user.onboarding_completed = False
    user.save(update_fields=["onboarding_step", "onboarding_completed"])
    return user
