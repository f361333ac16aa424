from django.conf import settings
from django.core.checks import Error

AI_PROVIDERS = ("auto", "openai", "local")


def ai_provider_settings(app_configs, **kwargs):
    """AI_PROVIDER names a provider we have, and `openai` comes with its key."""
    choice = (settings.AI_PROVIDER or "auto").lower()
    if choice not in AI_PROVIDERS:
        return [Error(
            f"AI_PROVIDER is {settings.AI_PROVIDER!r}.",
            hint="Set AI_PROVIDER to auto, openai or local.",
            id="ai.E001",
        )]
    if choice == "openai" and not settings.OPENAI_API_KEY:
        return [Error(
            "AI_PROVIDER is openai but OPENAI_API_KEY is empty.",
            hint="Set OPENAI_API_KEY, or AI_PROVIDER=auto to fall back to the local writer.",
            id="ai.E002",
        )]
    return []
