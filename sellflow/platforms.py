"""One vocabulary for where things happen, shared by every app: an order's source, the AI's
platform rules, social accounts, conversations and analytics all say `twitter` and `website`,
as the API document does, so a report never counts X twice under two names.

Input is forgiving: `x` and `web` are taken as `twitter` and `website`, in any case. A source is
a tracking field, and a tracking field never fails a request: an unknown one is kept as `other`.
"""

import django_filters
from django.db import models
from django_filters.fields import ChoiceField
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


def _with_alias_note(help_text: str, choices) -> str:
    values = {value for value, _ in choices}
    notes = [f"`{alias}` is taken as `{word}`" for alias, word in ALIASES.items() if word in values]
    return " ".join(filter(None, [help_text, f"({', '.join(notes)}.)" if notes else ""]))


class PlatformField(serializers.ChoiceField):
    """A platform among `choices` (all of them unless told), aliases and case accepted."""

    def __init__(self, *, choices=Platform.choices, **kwargs):
        kwargs["help_text"] = _with_alias_note(kwargs.get("help_text", ""), choices)
        super().__init__(choices=choices, **kwargs)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(normalize_platform(data) if isinstance(data, str) else data)
        except serializers.ValidationError:
            self.fail("invalid_choice", input=data)  # as sent, not as folded


# Any JSON value is taken (no `type`): the schema promises what the field does, refuse nothing.
@extend_schema_field({"example": "instagram"})
class SourceField(serializers.Field):
    """Where a buyer came from, a tracking field that never fails a request: a known word (or an
    alias) is kept, missing, null or blank is the default, anything else is `other`."""

    def __init__(self, *, default=Platform.DIRECT, **kwargs):
        kwargs["help_text"] = " ".join(filter(None, [
            kwargs.get("help_text", ""), f"One of {', '.join(Platform.values)} (`x` and `web` accepted); missing, "
                                         f"null or blank is `{default}`, anything else is kept as `other`."]))
        super().__init__(default=default, **kwargs)

    def validate_empty_values(self, data):
        if data is empty or data is None or (isinstance(data, str) and not data.strip()):
            return True, self.get_default()
        return False, data

    def to_internal_value(self, data):
        return source_from(data)

    def to_representation(self, value):
        return value


class _PlatformChoiceField(ChoiceField):
    def clean(self, value):
        return super().clean(normalize_platform(value) if isinstance(value, str) and value else value)


class PlatformFilter(django_filters.ChoiceFilter):
    """`?source=X` finds what is stored as `twitter`: aliases and case are folded before the
    choice is checked. The aliases stay among the choices so the schema lists them."""

    field_class = _PlatformChoiceField

    def __init__(self, *, choices=Platform.choices, **kwargs):
        kwargs["help_text"] = _with_alias_note(kwargs.get("help_text", ""), choices)
        values = {value for value, _ in choices}
        super().__init__(choices=[*choices, *((alias, word) for alias, word in ALIASES.items() if word in values)],
                         **kwargs)
