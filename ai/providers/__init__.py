"""AI providers: `get_provider()` picks one from settings (AI_PROVIDER, OPENAI_API_KEY)."""

from django.conf import settings

from ai.providers.base import (
    AssistantRequest,
    BoundTool,
    Generation,
    LanguageUnsupported,
    Prompt,
    Provider,
    ProviderFailure,
)

__all__ = ["AssistantRequest", "BoundTool", "Generation", "LanguageUnsupported", "Prompt", "Provider",
           "ProviderFailure", "get_provider", "provider_name"]


def provider_name() -> str:
    choice = (settings.AI_PROVIDER or "auto").lower()
    if choice == "auto":
        return "openai" if settings.OPENAI_API_KEY else "local"
    return choice


def get_provider() -> Provider:
    name = provider_name()
    if name == "openai":
        from ai.providers.openai import OpenAIProvider

        return OpenAIProvider.from_settings()
    if name == "local":
        from ai.providers.local import LocalProvider

        return LocalProvider()
    raise ValueError(f"AI_PROVIDER must be auto, openai or local, not {settings.AI_PROVIDER!r}")
