"""The seller's assistant's answers: a question, the session's earlier turns and the seller's own
tools (ai.assistant), through the provider with the assistant's switch, the quota and usage."""

from collections.abc import Callable

from accounts.models import User
from ai.assistant import bound_tools
from ai.models import Feature
from ai.providers import AssistantRequest, Generation, Provider, get_provider
from ai.services.generation import ensure_enabled, ensure_language, ensure_quota, recorded_call, unusable_answer

ANSWER_MAX_CHARACTERS = 4000


def assistant_check(*, user: User, provider: Provider | None = None) -> None:
    """What refuses a question before it is stored: the switch (403 ai_disabled) and the quota (429)."""
    ensure_enabled(user=user, feature=Feature.ASSISTANT)
    ensure_language(provider=provider or get_provider(), language="auto")
    ensure_quota(user=user)


def assistant_answer(*, user: User, question: str, history: list[dict[str, str]],
                     on_delta: Callable[[str], None] | None = None, provider: Provider | None = None) -> Generation:
    """The assistant's answer to the seller's question, from the seller's own data only: every tool
    the provider may call is bound to `user`. `on_delta` hears the answer piece by piece when the
    provider streams (the built-in one sends it whole)."""
    ensure_enabled(user=user, feature=Feature.ASSISTANT)
    provider = provider or get_provider()
    request = AssistantRequest(question=question, history=history, tools=bound_tools(user),
                               shop=user.display_name, on_delta=on_delta)

    def usable(generation: Generation) -> Generation:
        if not generation.text.strip():
            raise unusable_answer("assistant", provider.name, "empty")
        return generation

    return recorded_call(user=user, feature=Feature.ASSISTANT, provider=provider, language=request.language,
                         call=lambda: provider.assist(request), accept=usable)
