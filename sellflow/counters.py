"""Counters anyone can bump (product views and shares, later link clicks...): each client counts
once per thing within a window, so a script replaying a request cannot inflate them."""

import hashlib

from django.core.cache import cache
from rest_framework.throttling import BaseThrottle


def client_key(request) -> str:
    """The signed-in user, else the client address exactly as the throttles take it (the last
    NUM_PROXIES hops of X-Forwarded-For, else the socket's address), hashed."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    address = BaseThrottle().get_ident(request) or ""
    return "ip:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def first_in_window(key: str, *, seconds: int) -> bool:
    """True the first time `key` is seen in `seconds` (0: every time). One add-if-absent in the
    cache, so two requests at once cannot both be first."""
    if seconds <= 0:
        return True
    return cache.add(f"once:{key}", 1, timeout=seconds)
