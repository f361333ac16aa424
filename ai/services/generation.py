"""A generation goes through generate(): the user's switches, the quota, the provider, and the
usage row that records the call."""

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from ai.errors import AIDisabled, AIProviderError, LanguageNotSupported, QuotaExceeded
from ai.models import AIUsage, Feature
from ai.providers import Generation, LanguageUnsupported, Prompt, Provider, ProviderFailure, get_provider
from ai.quota import counted_calls, seconds_until_a_call_frees_up, user_today

logger = logging.getLogger(__name__)

# Which of the user's switches allows each feature. A social post is product copy, so it
# follows the description switch.
SWITCHES = {
    Feature.DESCRIPTION: "ai_description_enabled",
    Feature.SOCIAL_POST: "ai_description_enabled",
    Feature.HASHTAGS: "ai_hashtags_enabled",
    Feature.REPLY_SUGGESTIONS: "ai_replies_enabled",
    Feature.ASSISTANT: "ai_assistant_enabled",
}


def ensure_enabled(*, user: User, feature: str) -> None:
    switch = SWITCHES.get(feature)
    if switch and not getattr(user, switch):
        raise AIDisabled(details={"switch": switch})


def ensure_quota(*, user: User | None) -> None:
    quota = settings.AI_DAILY_QUOTA
    if not quota or user is None:
        return
    now = timezone.now()
    used = counted_calls(user, now=now).count()
    if used >= quota:
        wait = seconds_until_a_call_frees_up(user, limit=quota, used=used, now=now)
        raise QuotaExceeded(details={"quota": quota, "retry_after": wait}, headers={"Retry-After": str(wait)})


def usage_start(*, user: User | None, feature: str, provider: Provider) -> AIUsage:
    """Take one generation from the user's quota: the count and the new row under the user's
    row lock, so parallel requests cannot all slip under the limit."""
    day = user_today(user)
    with transaction.atomic():
        if user is not None:
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()
            ensure_quota(user=user)
        return AIUsage.objects.create(user=user, feature=feature, provider=provider.name, model=provider.model,
                                      day=day)


def usage_finish(*, usage: AIUsage, generation: Generation | None = None, error: str = "") -> None:
    if generation is not None:
        AIUsage.objects.filter(pk=usage.pk).update(
            success=not error, error=error, model=(generation.model or usage.model)[:100],
            prompt_tokens=generation.prompt_tokens, completion_tokens=generation.completion_tokens,
            latency_ms=generation.latency_ms)
    else:
        AIUsage.objects.filter(pk=usage.pk).update(success=False, error=error or "error")


def ensure_language(*, provider: Provider, language: str) -> None:
    if not provider.supports_language(language):
        raise LanguageNotSupported(details={"language": language, "provider": provider.name})


def generate(*, user: User | None, feature: str, prompt: Prompt, provider: Provider | None = None,
             accept: Callable[[Generation], Any] | None = None) -> Any:
    """Ask the provider, recording the call, and return the generation, or what `accept` makes
    of it: `accept` checks the answer against our rules and raises AIProviderError to reject it
    (the call is then recorded as failed). Failures become the API's errors: 400
    language_unsupported, 429 quota_exceeded, 502 provider_error."""
    provider = provider or get_provider()
    return recorded_call(user=user, feature=feature, provider=provider, language=prompt.language,
                         call=lambda: provider.generate(prompt), accept=accept)


def recorded_call(*, user: User | None, feature: str, provider: Provider, language: str,
                  call: Callable[[], Generation], accept: Callable[[Generation], Any] | None = None) -> Any:
    """generate()'s bookkeeping around any call of the provider's (`provider.generate(prompt)`,
    `provider.assist(request)`): the language, the quota and the usage row, and the errors."""
    ensure_language(provider=provider, language=language)
    usage = usage_start(user=user, feature=feature, provider=provider)
    generation = None
    try:
        generation = call()
        result = accept(generation) if accept else generation
    except AIProviderError as rejected:
        usage_finish(usage=usage, generation=generation, error=str(rejected.details.get("reason", "rejected"))[:40])
        raise
    except LanguageUnsupported:
        usage_finish(usage=usage, error="language_unsupported")
        raise LanguageNotSupported(details={"language": language, "provider": provider.name}) from None
    except ProviderFailure as failure:
        usage_finish(usage=usage, error=failure.reason[:40])
        logger.warning("AI %s failed on %s: %s (%s)", feature, provider.name, failure, failure.reason)
        raise AIProviderError(details={"provider": provider.name, "reason": failure.reason}) from None
    except Exception:
        usage_finish(usage=usage, error="crashed")
        raise
    usage_finish(usage=usage, generation=generation)
    return result


def unusable_answer(usage_feature: str, provider: str, reason: str) -> AIProviderError:
    logger.warning("AI %s from %s was unusable: %s", usage_feature, provider, reason)
    return AIProviderError(details={"provider": provider, "reason": reason})
