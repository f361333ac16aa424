"""Reply suggestions for the seller's inbox, checked before they leave."""


from accounts.models import User
from ai import prompts
from ai.conversations import REPLY_HISTORY, ConversationContext
from ai.errors import NothingToReplyTo
from ai.models import Feature
from ai.providers import Generation, Provider, get_provider
from ai.rules import clip
from ai.services.generation import ensure_enabled, generate, unusable_answer
from products.models import Product


def reply_suggestions(*, user: User, messages: list[dict], product: Product | None = None, language: str = "auto",
                      provider: Provider | None = None) -> list[str]:
    """Three short, distinct replies the seller could send next. `messages` are
    {"from": "customer"|"seller", "text": ...}, oldest first; `product` is what they talk about."""
    ensure_enabled(user=user, feature=Feature.REPLY_SUGGESTIONS)
    provider = provider or get_provider()
    facts = prompts.product_facts(prompts.product_queryset().get(pk=product.pk)) if product else None
    history = [{"from": m["from"], "text": m["text"]} for m in messages[-REPLY_HISTORY:]]
    prompt = prompts.reply_suggestions_prompt(history, facts, shop=user.display_name, language=language)
    def distinct_replies(generation: Generation) -> list[str]:
        raw = generation.data.get("suggestions", []) if isinstance(generation.data, dict) else []
        suggestions: list[str] = []
        for item in raw:
            text = clip(" ".join(str(item).split()), prompts.REPLY_MAX_CHARACTERS)
            if text and text.lower() not in {s.lower() for s in suggestions}:
                suggestions.append(text)
        if len(suggestions) < prompts.REPLY_COUNT:
            raise unusable_answer("reply_suggestions", provider.name, "too_few_suggestions")
        return suggestions[: prompts.REPLY_COUNT]

    return generate(user=user, feature=Feature.REPLY_SUGGESTIONS, prompt=prompt, provider=provider,
                    accept=distinct_replies)


def conversation_reply_suggestions(*, user: User, conversation: ConversationContext,
                                   language: str = "auto") -> list[str]:
    """reply_suggestions for a conversation of the seller's, once the customer has written."""
    if not any(message["from"] == "customer" for message in conversation.messages):
        raise NothingToReplyTo(details={"conversation": ["No message from the customer in this conversation."]})
    return reply_suggestions(user=user, messages=conversation.messages, product=conversation.product,
                             language=language)
