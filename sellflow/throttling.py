"""Throttles. Rates come from settings (and so from the environment) at request time, which
keeps them adjustable per deployment and per test.

Credential endpoints have one bucket per action (login, register, reset, Google, password
change, the admin's sign-in): what a stranger does to one action never spends another's."""

import hashlib

from django.core.cache import cache
from django.utils import timezone
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, SimpleRateThrottle, UserRateThrottle


def hashed_ident(*parts: str | None) -> str:
    # A part may be missing (no REMOTE_ADDR); surrogatepass: a lone surrogate is valid JSON text,
    # and must not turn a key into a 500.
    return hashlib.sha256("\n".join(part or "" for part in parts).encode("utf-8", "surrogatepass")).hexdigest()


def client_address(request) -> str:
    """The client's address as every throttle takes it (REMOTE_ADDR, or X-Forwarded-For read
    through NUM_PROXIES), hashed."""
    return hashed_ident(BaseThrottle().get_ident(request))


def posted_account(request, field: str) -> str | None:
    """The account a credential request names (the posted email, the admin form's username),
    compared case-insensitively; None when there is none."""
    data = request.data if hasattr(request, "data") else request.POST
    value = data.get(field) if hasattr(data, "get") else None
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower()


def take_slot(key: str, *, limit: int, seconds: int) -> bool:
    """Take one use of an allowance of `limit` uses per `seconds` (counted from the first use),
    kept in the cache. False once it is spent; a limit below 1 allows nothing."""
    if limit < 1:
        return False
    key = f"slots:{key}"
    cache.add(key, 0, timeout=seconds)
    try:
        used = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.add(key, 1, timeout=seconds)
        used = 1
    return used <= limit


def clock_windows_take(name: str, *, amount: int, limits: list[tuple[int, int]]) -> tuple[int, int, int] | None:
    """Count `amount` under `name` in each (seconds, limit) window aligned on the clock, all or
    none, in the cache (a limit of 0 is no limit). None when counted; else the first window that
    would go past its limit, as (seconds, limit, used before), and nothing is counted. For budgets
    of a client address, which has no row to count in."""
    moment = int(timezone.now().timestamp())
    counted = []
    for seconds, limit in limits:
        if not limit:
            continue
        key = f"window:{name}:{seconds}:{moment // seconds}"
        cache.add(key, 0, timeout=seconds + 60)
        try:
            used = cache.incr(key, amount)
        except ValueError:  # evicted between add and incr
            cache.add(key, 0, timeout=seconds + 60)
            used = cache.incr(key, amount)
        counted.append(key)
        if used > limit:
            for taken in counted:
                try:
                    cache.decr(taken, amount)
                except ValueError:  # evicted meanwhile: nothing left to give back
                    pass
            return seconds, limit, used - amount
    return None


class _SettingsRateMixin:
    scope: str

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_SettingsRateMixin, AnonRateThrottle):
    pass


class UserThrottle(_SettingsRateMixin, UserRateThrottle):
    pass


class _IPThrottle(_SettingsRateMixin, SimpleRateThrottle):
    """Counts the attempts of one client address, whoever it claims to be. The address is DRF's
    (get_ident: REMOTE_ADDR, or X-Forwarded-For read through NUM_PROXIES), on DRF and plain
    Django requests alike."""

    def allow_request(self, request, view):
        if request.method == "OPTIONS":
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _EmailThrottle(_IPThrottle):
    """Counts the attempts against one account, from whatever address they come."""

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            email = request.user.email.strip().lower()
        else:
            email = posted_account(request, "email")
        if email is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": hashed_ident(email)}


class FailureThrottle(_IPThrottle):
    """Counts failed attempts only: a request is refused once the bucket holds `rate` failures,
    but letting it through adds nothing; the view records a failure when the credentials were
    wrong (FailureCountingMixin, or record_failures from a plain Django view)."""

    def throttle_success(self):
        return True

    def record_failure(self, request, view=None) -> None:
        if self.rate is None:
            return
        key = self.get_cache_key(request, view)
        if key is None:
            return
        now = self.timer()
        history = [moment for moment in self.cache.get(key, []) if moment > now - self.duration]
        self.cache.set(key, [now, *history], self.duration)


class _IPAndAccountFailureThrottle(FailureThrottle):
    """Failures against one account from one client address. Keyed on both, so a stranger's
    wrong guesses fill the stranger's bucket and never the account owner's: nobody can keep a
    user with the right password out. Guessing stays slow: each address gets `rate` failures
    per account, and every attempt also counts in the address's own bucket."""

    account_field = "email"

    def get_cache_key(self, request, view):
        account = posted_account(request, self.account_field)
        if account is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": hashed_ident(self.get_ident(request), account)}


class _AccountFailureThrottle(FailureThrottle):
    """Failures against one account, from whatever address they come."""

    account_field: str

    def get_cache_key(self, request, view):
        account = posted_account(request, self.account_field)
        if account is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": hashed_ident(account)}


def record_failures(throttles, request, view=None) -> None:
    """A credential check failed: count it in the failure-counting throttles among `throttles`."""
    for throttle in throttles:
        if isinstance(throttle, FailureThrottle):
            throttle.record_failure(request, view)


class FailureCountingMixin:
    """For an APIView throttled by FailureThrottles: an answer whose status is in
    `failure_statuses` (wrong credentials) is a failed attempt."""

    failure_statuses = frozenset({401})

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code in self.failure_statuses:
            record_failures(self.get_throttles(), request, self)
        return super().finalize_response(request, response, *args, **kwargs)


# --- Credential endpoints, one bucket per action ----------------------------------------------

class LoginIPThrottle(_IPThrottle):
    scope = "login_ip"  # every attempt from one address


class LoginFailureThrottle(_IPAndAccountFailureThrottle):
    scope = "login_failed"


class RegisterIPThrottle(_IPThrottle):
    scope = "register_ip"


class RegisterEmailThrottle(_EmailThrottle):
    scope = "register_email"


class PasswordResetIPThrottle(_IPThrottle):
    # Per address only: a per-email bucket would let anyone spend the owner's. Mails to one
    # account are capped apart (PASSWORD_RESET_MAILS_PER_HOUR), behind the same answer.
    scope = "password_reset_ip"


class PasswordResetConfirmIPThrottle(_IPThrottle):
    scope = "password_reset_confirm_ip"


class GoogleSignInIPThrottle(_IPThrottle):
    scope = "google_ip"


class PasswordChangeThrottle(_SettingsRateMixin, UserRateThrottle):
    scope = "password_change"  # only the signed-in user fills their own bucket


class AdminLoginIPThrottle(_IPThrottle):
    # Every POST of the admin's sign-in form from one address, right or wrong: an operator signs
    # in a few times a day, and counting before the check bounds the password hashing (the
    # costly part) one address can cause, whatever it sends.
    scope = "admin_login_ip"


class AdminLoginFailureThrottle(_AccountFailureThrottle):
    # Failures only, so an operator's own sign-ins never count against them; per account alone
    # (not per address too): staff accounts are the ones worth guessing from many addresses.
    scope = "admin_login_failed"
    account_field = "username"


class OtpIPThrottle(_IPThrottle):
    scope = "otp_ip"


class OtpEmailThrottle(_EmailThrottle):
    scope = "otp_email"


LOGIN_THROTTLES = [LoginIPThrottle, LoginFailureThrottle]
REGISTER_THROTTLES = [RegisterIPThrottle, RegisterEmailThrottle]
ADMIN_LOGIN_THROTTLES = [AdminLoginIPThrottle, AdminLoginFailureThrottle]
OTP_THROTTLES = [OtpIPThrottle, OtpEmailThrottle]


class _ScopedUserThrottle(_SettingsRateMixin, UserRateThrottle):
    """Per user (per address for anonymous callers), counted apart from the general limit."""


class AIGenerateThrottle(_ScopedUserThrottle):
    scope = "ai_generate"


class AISearchThrottle(_ScopedUserThrottle):
    scope = "ai_search"


class _FilesOnly:
    """Counts only the requests that carry files: decoding or importing them costs far more than
    an ordinary request. The same view's other requests are not counted."""

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS or not request.FILES:
            return True
        return super().allow_request(request, view)


class UploadThrottle(_FilesOnly, _ScopedUserThrottle):
    scope = "upload"  # per account


class UploadIPThrottle(_FilesOnly, _IPThrottle):
    scope = "upload_ip"  # per client address, whatever account: new accounts do not multiply it


# Every view that accepts files (a multipart or file-upload parser) carries these
# (tests/sellflow/test_uploads.py walks the URLconf to check).
UPLOAD_THROTTLES = [UploadThrottle, UploadIPThrottle]


class CheckoutThrottle(_ScopedUserThrottle):
    scope = "checkout"


def with_default_throttles(*extra) -> list:
    return [*api_settings.DEFAULT_THROTTLE_CLASSES, *extra]
