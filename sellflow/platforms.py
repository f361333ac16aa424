"""One vocabulary for where things happen, shared by every app: an order's source, the AI's
platform rules, social accounts, conversations and analytics all say `twitter` and `website`,
as the API document does, so a report never counts X twice under two names.

Input is forgiving: `x` and `web` are taken as `twitter` and `website`, in any case. A source is
a tracking field, and a tracking field never fails a request: an unknown one is kept as `other`.
"""

import django_filters
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty


class Platform(models.TextChoices):
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    TWITTER = "twitter", "X (Twitter)"
    WHATSAPP = "whatsapp", "WhatsApp"
    TIKTOK = "tiktok", "TikTok"
    WEBSITE = "website", "Website"
    DIRECT = "direct", "Direct"
    CHAT = "chat", "Chat"
    ASSISTANT = "assistant", "Shopping assistant"
    OTHER = "other", "Other"


# Older or shorter names clients send for the same place.
ALIASES = {"x": Platform.TWITTER, "web": Platform.WEBSITE}

# Where a seller publishes posts: the platforms with posting rules.
SOCIAL_PLATFORMS = (Platform.FACEBOOK, Platform.INSTAGRAM, Platform.TWITTER, Platform.WHATSAPP, Platform.TIKTOK)
SOCIAL_CHOICES = [(platform.value, platform.label) for platform in SOCIAL_PLATFORMS]

def normalize_platform(value: str) -> str:
    """The vocabulary's word for `value` ("X" is "twitter"); anything else comes back folded."""
    value = (value or "").strip().lower()
    return ALIASES.get(value, value)


def source_from(value) -> str:
    """A source as stored: a known word, or `other`."""
    value = normalize_platform(value) if isinstance(value, str) else ""
    return value if value in Platform.values else Platform.OTHER


def _alias_note(choices) -> str:
    values = {value for value, _ in choices}
    notes = [f"`{alias}` is taken as `{word}`" for alias, word in ALIASES.items() if word in values]
    return f" ({', '.join(notes)}.)" if notes else ""


class PlatformField(serializers.ChoiceField):
    """A platform among `choices` (all of them unless told), aliases and case accepted."""

    def __init__(self, *, choices=Platform.choices, **kwargs):
        kwargs["help_text"] = kwargs.get("help_text", "") + _alias_note(choices)
        super().__init__(choices=choices, **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(normalize_platform(data) if isinstance(data, str) else data)


@extend_schema_field({"type": "string", "example": "instagram"})
class SourceField(serializers.CharField):
    """Where a buyer came from: any text is taken, an unknown one is stored as `other`."""

    def __init__(self, **kwargs):
        kwargs["help_text"] = (kwargs.get("help_text", "") + f" One of {', '.join(Platform.values)} (`x` and `web` "
                               "accepted); any other text is kept as `other`.").strip()
        super().__init__(allow_blank=True, trim_whitespace=False, **kwargs)

    def run_validation(self, data=empty):
        return source_from(super().run_validation(data))


class PlatformFilter(django_filters.ChoiceFilter):
    """`?source=x` finds what is stored as `twitter`."""

    def __init__(self, *, choices=Platform.choices, **kwargs):
        kwargs["help_text"] = kwargs.get("help_text", "") + _alias_note(choices)
        super().__init__(choices=[*choices, *((alias, word) for alias, word in ALIASES.items())], **kwargs)

    def filter(self, qs, value):
        return super().filter(qs, normalize_platform(value) if value else value)
