"""Throttles. Rates come from settings (and so from the environment) at request time, which
keeps them adjustable per deployment and per test.

Credential endpoints have one bucket per action (login, register, reset, Google, password
change, the admin's sign-in): what a stranger does to one action never spends another's. Their
throttles are atomic counters taken before the credentials are checked (CountingThrottle), so
parallel requests cannot pass them together."""

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


def count_use(key: str, *, seconds: int) -> int:
    """Count one more use of `key`, a counter that lives `seconds` from its first use, and return
    the count with this use. Atomic (add if absent, then incr): parallel callers each get a number
    of their own, so a burst cannot all read "not yet" as a read-then-write would let it."""
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired or evicted between add and incr
        cache.add(key, 0, timeout=seconds)
        return cache.incr(key)


def take_slot(key: str, *, limit: int, seconds: int) -> bool:
    """Take one use of an allowance of `limit` uses per `seconds` (counted from the first use),
    kept in the cache. False once it is spent; a limit below 1 allows nothing."""
    if limit < 1:
        return False
    return count_use(f"slots:{key}", seconds=seconds) <= limit


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
    """Per signed-in user. An anonymous request is AnonThrottle's, per address: DRF's user throttle
    would count it again under its address at the looser user rate, two more cache round trips on
    every anonymous catalog request for a limit that never binds first."""

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)


class CountingThrottle(_SettingsRateMixin, SimpleRateThrottle):
    """`rate` attempts per window, each taken before the work it guards with one atomic increment
    (count_use): a request goes through only if its own number is within the rate, so a parallel
    burst cannot pass the limit. The window starts with its first attempt (its start is kept
    beside the counter, for Retry-After); a refused attempt gives its number back."""

    # Not DRF's `throttle_...` keys: those hold DRF's request histories, which cannot be incremented.
    cache_format = "attempts_%(scope)s_%(ident)s"
    taken_key: str | None = None  # the counter this request holds a slot of

    def allow_request(self, request, view):
        if self.rate is None or request.method == "OPTIONS":
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        return self.take(key)

    def take(self, key: str) -> bool:
        """Take one attempt of the bucket `key`; False (and given back) when it is spent."""
        self.key = key
        used = count_use(self.key, seconds=self.duration)
        if used == 1:  # the window's first attempt, or its count given back to nothing: keep the first start
            self.cache.add(f"{self.key}:since", self.timer(), self.duration)
        if used > self.num_requests:
            self.give_back(self.key)
            return False
        self.taken_key = self.key
        return True

    def wait(self):
        since = self.cache.get(f"{self.key}:since")
        remaining = self.duration if since is None else since + self.duration - self.timer()
        return max(remaining, 1)

    def give_back(self, key: str) -> None:
        try:
            self.cache.decr(key)
        except ValueError:  # the window has ended meanwhile: nothing left to give back
            pass


class _IPThrottle(CountingThrottle):
    """Counts the attempts of one client address, whoever it claims to be. The address is DRF's
    (get_ident: REMOTE_ADDR, or X-Forwarded-For read through NUM_PROXIES), on DRF and plain
    Django requests alike."""

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


class FailureThrottle(CountingThrottle):
    """Counts failed attempts only. Every attempt takes a slot before its credentials are checked,
    so a parallel burst cannot slip through while the first failures are still being checked;
    the slot is given back when the credentials were right, or never checked (forgive_attempt)."""

    def forgive(self) -> None:
        if self.taken_key is not None:
            self.give_back(self.taken_key)
            self.taken_key = None


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


def forgive_attempt(throttles) -> None:
    """The credentials were right, or were never checked: the failure-counting throttles among
    `throttles` give back the slots this attempt took."""
    for throttle in throttles:
        if isinstance(throttle, FailureThrottle):
            throttle.forgive()


class FailureCountingMixin:
    """For an APIView throttled by FailureThrottles: an answer whose status is in
    `failure_statuses` (wrong credentials) keeps the failure slots the attempt took; any other
    answer (success, invalid body, refused by another throttle) gives them back."""

    failure_statuses = frozenset({401})

    def get_throttles(self):
        # The instances that took the slots are the ones that can give them back.
        if not hasattr(self, "attempt_throttles"):
            self.attempt_throttles = super().get_throttles()
        return self.attempt_throttles

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code not in self.failure_statuses:
            forgive_attempt(self.get_throttles())
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


class PasswordChangeThrottle(CountingThrottle):
    scope = "password_change"  # only the signed-in user fills their own bucket

    def get_cache_key(self, request, view):
        ident = request.user.pk if request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AdminLoginIPThrottle(_IPThrottle):
    # Every POST of the admin's sign-in form from one address, right or wrong: an operator signs
    # in a few times a day, and counting before the check bounds the password hashing (the
    # costly part) one address can cause, whatever it sends.
    scope = "admin_login_ip"


class AdminLoginFailureThrottle(_IPAndAccountFailureThrottle):
    # Failures only, per address and account as the API's login: a stranger cannot keep an
    # operator out. Guessing one account from many addresses alerts the operators instead
    # (sellflow.admin_site, ADMIN_LOGIN_ALERT_FAILURES_PER_HOUR).
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


class _SearchesOnly:
    """Counts only the requests that search (a non-empty `search_parameter`): reading a new
    query's words costs vocabulary look-ups that plain browsing does not."""

    search_parameter: str

    def allow_request(self, request, view):
        if not request.query_params.get(self.search_parameter):
            return True
        return super().allow_request(request, view)


class CatalogSearchThrottle(_SearchesOnly, _ScopedUserThrottle):
    scope = "catalog_search"  # per account, per address for anonymous shoppers
    search_parameter = "search"


class CatalogSuggestThrottle(_SearchesOnly, _ScopedUserThrottle):
    scope = "catalog_suggest"  # type-ahead: a request per keystroke or two
    search_parameter = "q"


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


class SocialConnectThrottle(_ScopedUserThrottle):
    """Connecting a social account calls the platform (a token check, an OAuth start)."""

    scope = "social_connect"


class ChatSendThrottle(CountingThrottle):
    """Chat writes a user makes: messages, reactions and read marks, each stored and fanned out to
    both members' sockets (a message may also notify). One bucket per user for REST (this view
    throttle) and the chat socket (allow_user) alike, each write taken atomically before it is
    stored. Reading the same views' messages is not counted."""

    scope = "chat_send"

    def get_cache_key(self, request, view):
        if request.method in SAFE_METHODS or not (request.user and request.user.is_authenticated):
            return None
        return self.user_key(request.user.pk)

    def user_key(self, user_id: int) -> str:
        return self.cache_format % {"scope": self.scope, "ident": user_id}

    def allow_user(self, user_id: int) -> bool:
        """The chat socket's way in: take one of the user's slots. When False, wait() says for how
        many seconds the bucket stays spent."""
        if self.rate is None:
            return True
        return self.take(self.user_key(user_id))


class ChatStartThrottle(CountingThrottle):
    """Conversations a user starts (a buyer asking about a product, a seller writing to a customer,
    a session with the assistant): each one lands in someone's inbox or holds a row."""

    scope = "chat_start"

    def get_cache_key(self, request, view):
        if request.method != "POST" or not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class PaymentLinkThrottle(CountingThrottle):
    """Every request (opened or paid) to one payment link, from any address: a leaked link cannot
    be hammered, nor a customer's phone flooded with payment prompts. Keyed on the token's digest,
    never the token."""

    scope = "payment_link"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": hashed_ident(view.kwargs.get("token"))}


class PaymentLinkIPThrottle(_IPThrottle):
    scope = "payment_link_ip"  # every payment link one address opens or pays: no guessing through many


PAYMENT_LINK_THROTTLES = [PaymentLinkThrottle, PaymentLinkIPThrottle]


def with_default_throttles(*extra) -> list:
    return [*api_settings.DEFAULT_THROTTLE_CLASSES, *extra]
