"""Social platforms by name: `client_for(platform)` is the one way the social app gets a client.
Names are the project's vocabulary (sellflow.platforms): `x` is taken as `twitter`."""

from django.conf import settings
from django.utils.module_loading import import_string

from sellflow.platforms import normalize_platform
from social.platforms.base import (
    Credentials,
    DailyInsight,
    GoneUnconfirmed,
    InvalidWebhook,
    ManagedAccount,
    MediaFile,
    NotConfigured,
    NotSupported,
    PermanentError,
    PlatformClient,
    PlatformError,
    PostRequest,
    Profile,
    Published,
    RateLimited,
    TokenExpired,
    TokenGrant,
    TransientError,
    Uncertain,
    WebhookChallenge,
)
from social.platforms.local import LocalPlatformClient

__all__ = ["CLIENT_CLASSES", "Credentials", "DailyInsight", "GoneUnconfirmed", "InvalidWebhook", "LocalPlatformClient",
           "ManagedAccount", "MediaFile", "NotConfigured", "NotSupported", "PermanentError", "PlatformClient",
           "PlatformError", "PostRequest", "Profile", "Published", "RateLimited", "TokenExpired", "TokenGrant",
           "TransientError", "Uncertain", "UnknownPlatform", "WebhookChallenge", "client_for"]

# Every platform a seller can connect, by the vocabulary's word. TikTok is in the vocabulary (its
# posting rules exist) but has no client yet.
CLIENT_CLASSES = {
    "facebook": "social.platforms.facebook.FacebookClient",
    "instagram": "social.platforms.instagram.InstagramClient",
    "twitter": "social.platforms.x.XClient",
    "whatsapp": "social.platforms.whatsapp.WhatsAppClient",
}

# The setting whose value says a platform's real app is configured; without it, and with
# SOCIAL_LOCAL_PLATFORM on, the platform is answered by the built-in local client.
APP_CREDENTIAL_SETTINGS = {
    "facebook": "META_APP_ID",
    "instagram": "META_APP_ID",
    "twitter": "X_CLIENT_ID",
    "whatsapp": "META_APP_ID",
}


class UnknownPlatform(ValueError):
    """No client for this platform name."""


def client_for(platform: str) -> PlatformClient:
    """A client configured from settings, with its own HTTP session: keep it for a batch of calls
    (one task, one sync), not for the life of the process."""
    name = normalize_platform(platform)
    if name not in CLIENT_CLASSES:
        raise UnknownPlatform(f"no client for platform {platform!r}")
    real = import_string(CLIENT_CLASSES[name])
    if uses_local_platform(name):
        # What the real platform allows, so the demo never lets a seller do what production refuses.
        return LocalPlatformClient(platform=name, can_delete=real.can_delete, can_tell_gone=real.can_tell_gone)
    return real.from_settings()


def uses_local_platform(platform: str) -> bool:
    """Development only: the built-in local client stands in for a platform whose app is not set."""
    return bool(settings.SOCIAL_LOCAL_PLATFORM) and not getattr(settings, APP_CREDENTIAL_SETTINGS[platform], "")
