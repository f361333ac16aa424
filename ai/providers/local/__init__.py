"""The built-in provider: offline, deterministic, the embedded default. It writes from the
product's own facts with templates in English and French; other languages are refused.
The same prompt always gets the same answer: any variation in wording is chosen from a hash
of the product and the options, never at random."""

from __future__ import annotations

import json
import time

from ai.providers.base import AssistantRequest, Generation, LanguageUnsupported, Prompt, Provider, ProviderFailure
from ai.providers.local import lexicon
from ai.providers.local.assistant import answer_question
from ai.providers.local.description import write_description
from ai.providers.local.facts import named, product_from
from ai.providers.local.hashtags import write_hashtags
from ai.providers.local.posts import write_post
from ai.providers.local.replies import write_replies
from ai.query import parse_query
from ai.rules import POST_LIMITS
from sellflow.platforms import normalize_platform

__all__ = ["LocalProvider"]

LANGUAGES = {"en", "fr"}
AUTO = "auto"


def _language_code(code: str) -> str:
    """'fr-FR' -> 'fr', 'EN_gb' -> 'en'."""
    return (code or "").strip().lower().replace("_", "-").split("-", 1)[0]


class LocalProvider(Provider):
    name = "local"
    model = "sellflow-local-1"

    def supports_language(self, code: str) -> bool:
        return _language_code(code) in LANGUAGES | {AUTO}

    def generate(self, prompt: Prompt) -> Generation:
        started = time.perf_counter()
        language = _language_code(prompt.language)
        if language not in LANGUAGES | {AUTO}:
            raise LanguageUnsupported(f"The built-in writer only writes English and French, not {prompt.language!r}.")
        writer = {
            "description": self._description,
            "hashtags": self._hashtags,
            "social_post": self._social_post,
            "reply_suggestions": self._reply_suggestions,
            "search": self._search,
        }.get(prompt.feature)
        if writer is None:
            raise ProviderFailure(f"The built-in writer cannot do {prompt.feature!r}.", reason="unsupported_feature")
        data = prompt.data if isinstance(prompt.data, dict) else {}
        options = prompt.options if isinstance(prompt.options, dict) else {}
        text, parsed = writer(data, options, language)
        return Generation(
            text=text,
            data=parsed,
            provider=self.name,
            model=self.model,
            prompt_tokens=max(len((prompt.instructions or "") + json.dumps(prompt.data, default=str,
                                                                            ensure_ascii=False)) // 4, 1),
            completion_tokens=max(len(text) // 4, 1),
            latency_ms=int((time.perf_counter() - started) * 1000),
        )

    def assist(self, request: AssistantRequest) -> Generation:
        """Answers from one tool call, found by keywords; the whole answer is one delta."""
        started = time.perf_counter()
        language = _language_code(request.language)
        if language not in LANGUAGES | {AUTO}:
            raise LanguageUnsupported(f"The built-in assistant only speaks English and French, not "
                                      f"{request.language!r}.")
        answer = answer_question(request, language)
        if request.on_delta is not None:
            request.on_delta(answer.text)
        return Generation(
            text=answer.text, provider=self.name, model=self.model,
            prompt_tokens=max(len(request.question) // 4, 1), completion_tokens=max(len(answer.text) // 4, 1),
            latency_ms=int((time.perf_counter() - started) * 1000), confidence=answer.confidence,
            tools_used=tuple(answer.tools_used))

    # --- Features -------------------------------------------------------------------------------

    @staticmethod
    def _product(data: dict, *, required: bool = True):
        raw = data.get("product")
        product = product_from(raw)
        given = raw.get("name") if isinstance(raw, dict) else None
        if required and not product.name and not (isinstance(given, str) and given.strip()):
            raise ProviderFailure("The product has no name to write about.", reason="invalid_input")
        return product  # a name of emojis only is written about by its category: see named()

    @staticmethod
    def _written_language(language: str, *texts: str) -> str:
        """'auto' writes in the language the seller's own text is in, English when unclear."""
        if language != AUTO:
            return language
        return lexicon.detect_language(" ".join(texts)) or "en"

    def _description(self, data: dict, options: dict, language: str) -> tuple[str, None]:
        product = self._product(data)
        language = self._written_language(language, product.notes, product.name)
        product = named(product, language)
        text = write_description(product, language=language, style=str(options.get("style") or ""),
                                 length=str(options.get("length") or ""))
        return text, None

    def _hashtags(self, data: dict, options: dict, language: str) -> tuple[str, dict]:
        product = self._product(data, required=False)
        language = self._written_language(language, product.notes, product.name)
        tags = write_hashtags(product, platform=_platform(options), count=_int(options.get("count"), 10),
                              language=language)
        return " ".join(tags), {"hashtags": tags}

    def _social_post(self, data: dict, options: dict, language: str) -> tuple[str, dict]:
        product = self._product(data)
        language = self._written_language(language, product.notes, product.name)
        product = named(product, language)
        call_to_action = data.get("call_to_action") or options.get("call_to_action")
        body, tags = write_post(
            product, platform=_platform(options), language=language, tone=str(options.get("tone") or "friendly"),
            include_price=bool(options.get("include_price", True)), hashtag_count=_int(options.get("hashtag_count"),
                                                                                       0),
            max_chars=_int(options.get("max_chars"), 0), call_to_action=call_to_action)
        return body, {"text": body, "hashtags": tags}

    def _reply_suggestions(self, data: dict, options: dict, language: str) -> tuple[str, dict]:
        messages = data.get("messages") if isinstance(data.get("messages"), list) else []
        raw_product = data.get("product")
        product = product_from(raw_product) if isinstance(raw_product, dict) and raw_product.get("name") else None
        suggestions = write_replies(messages, product, shop=str(data.get("shop") or ""),
                                    language=None if language == AUTO else language)
        return "\n".join(suggestions), {"suggestions": suggestions}

    def _search(self, data: dict, options: dict, language: str) -> tuple[str, dict]:
        categories = [c for c in options.get("categories") or [] if isinstance(c, dict) and c.get("name")]
        categories = [{"id": c.get("id"), "name": str(c["name"]), "slug": str(c.get("slug") or c["name"])}
                      for c in categories]
        understood = json.loads(json.dumps(parse_query(str(data.get("query") or ""), categories=categories).as_dict(),
                                           default=str))
        return json.dumps(understood, ensure_ascii=False), understood


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _platform(options: dict) -> str:
    platform = normalize_platform(str(options.get("platform") or ""))
    if platform not in POST_LIMITS:
        raise ProviderFailure(f"Unknown platform {options.get('platform')!r}.", reason="invalid_input")
    return platform
