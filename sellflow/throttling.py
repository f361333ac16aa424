"""Throttles. Rates come from settings (and so from the environment) at request time, which
keeps them adjustable per deployment and per test."""

import hashlib

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class _SettingsRateMixin:
    scope: str

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_SettingsRateMixin, AnonRateThrottle):
    pass


class UserThrottle(_SettingsRateMixin, UserRateThrottle):
    pass


class _IPThrottle(_SettingsRateMixin, SimpleRateThrottle):
    """Counts the attempts of one client address, whoever it claims to be."""

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
            email = request.user.email
        else:
            data = request.data
            email = data.get("email") if hasattr(data, "get") else None
        if not isinstance(email, str) or not email.strip():
            return None
        ident = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AuthIPThrottle(_IPThrottle):
    scope = "auth_ip"


class AuthEmailThrottle(_EmailThrottle):
    scope = "auth_email"


class OtpIPThrottle(_IPThrottle):
    scope = "otp_ip"


class OtpEmailThrottle(_EmailThrottle):
    scope = "otp_email"


CREDENTIAL_THROTTLES = [AuthIPThrottle, AuthEmailThrottle]
OTP_THROTTLES = [OtpIPThrottle, OtpEmailThrottle]


class _ScopedUserThrottle(_SettingsRateMixin, UserRateThrottle):
    """Per user (per address for anonymous callers), counted apart from the general limit."""


class AIGenerateThrottle(_ScopedUserThrottle):
    scope = "ai_generate"


class AISearchThrottle(_ScopedUserThrottle):
    scope = "ai_search"


class CheckoutThrottle(_ScopedUserThrottle):
    scope = "checkout"


def with_default_throttles(*extra) -> list:
    return [*api_settings.DEFAULT_THROTTLE_CLASSES, *extra]
