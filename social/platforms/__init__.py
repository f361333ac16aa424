"""Social platforms by name: `client_for(platform)` is the one way the social app gets a client.
Names are the project's vocabulary (sellflow.platforms): `x` is taken as `twitter`."""

from django.utils.module_loading import import_string

from sellflow.platforms import normalize_platform
from social.platforms.base import (
    Credentials,
    DailyInsight,
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

__all__ = ["CLIENT_CLASSES", "Credentials", "DailyInsight", "InvalidWebhook", "ManagedAccount", "MediaFile",
           "NotConfigured", "NotSupported", "PermanentError", "PlatformClient", "PlatformError", "PostRequest",
           "Profile", "Published", "RateLimited", "TokenExpired", "TokenGrant", "TransientError", "Uncertain",
           "UnknownPlatform", "WebhookChallenge", "client_for"]

# Every platform a seller can connect, by the vocabulary's word. TikTok is in the vocabulary (its
# posting rules exist) but has no client yet.
CLIENT_CLASSES = {
    "facebook": "social.platforms.facebook.FacebookClient",
    "instagram": "social.platforms.instagram.InstagramClient",
    "twitter": "social.platforms.x.XClient",
    "whatsapp": "social.platforms.whatsapp.WhatsAppClient",
}


class UnknownPlatform(ValueError):
    """No client for this platform name."""


def client_for(platform: str) -> PlatformClient:
    """A client configured from settings, with its own HTTP session: keep it for a batch of calls
    (one task, one sync), not for the life of the process."""
    name = normalize_platform(platform)
    if name not in CLIENT_CLASSES:
        raise UnknownPlatform(f"no client for platform {platform!r}")
    return import_string(CLIENT_CLASSES[name]).from_settings()
