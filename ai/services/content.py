"""Product copy (descriptions, hashtags, social posts), stored as AIContent for the seller to
review, edit and apply."""

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from ai import prompts
from ai.errors import NotApplicable
from ai.models import AIContent, ContentStatus, ContentType
from ai.providers import Generation, Prompt, Provider, get_provider
from ai.rules import (
    DEFAULT_POST_HASHTAGS,
    POST_LIMITS,
    clean_hashtags,
    clip,
    compose_post,
    hashtag_limit,
    hashtag_problems,
    hashtags_in,
    platform_length,
)
from ai.services.generation import ensure_enabled, generate, unusable_answer
from products.models import Product
from products.services import product_update
from sellflow.exceptions import ApplicationError


@dataclass(frozen=True)
class ContentRequest:
    """What the seller asked for; the options a content type does not use are ignored."""

    content_type: str
    platform: str = ""
    language: str = "en"
    style: str = "professional"
    length: str = "medium"
    count: int = 10
    tone: str = "friendly"
    include_price: bool = True
    call_to_action: str = ""
    hashtag_count: int | None = None

    def options(self) -> dict:
        if self.content_type == ContentType.DESCRIPTION:
            return {"style": self.style, "length": self.length}
        if self.content_type == ContentType.HASHTAGS:
            return {"count": self.count}
        return {"tone": self.tone, "include_price": self.include_price, "call_to_action": self.call_to_action,
                "hashtag_count": self.post_hashtag_count()}

    def post_hashtag_count(self) -> int:
        if self.hashtag_count is not None:
            return min(self.hashtag_count, hashtag_limit(self.platform))
        return DEFAULT_POST_HASHTAGS[self.platform]

    def as_params(self) -> dict:
        return {field: getattr(self, field) for field in self.__dataclass_fields__}


def _prompt_for(request: ContentRequest, facts: dict) -> Prompt:
    if request.content_type == ContentType.DESCRIPTION:
        return prompts.description_prompt(facts, style=request.style, length=request.length, language=request.language)
    if request.content_type == ContentType.HASHTAGS:
        # Hashtags say what a product is, not how many are left: a sale must not make the stored
        # ones stale (nor cost the seller a generation).
        lasting = {key: value for key, value in facts.items() if key not in ("in_stock", "stock_quantity", "delivery")}
        lasting["variants"] = [
            {key: value for key, value in variant.items() if key not in ("in_stock", "stock_quantity")}
            for variant in facts["variants"]]
        return prompts.hashtags_prompt(lasting, platform=request.platform, count=request.count,
                                       language=request.language)
    return prompts.social_post_prompt(
        facts, platform=request.platform, tone=request.tone, language=request.language,
        include_price=request.include_price, call_to_action=request.call_to_action,
        hashtag_count=request.post_hashtag_count())


def _request_key(prompt: Prompt, provider: Provider) -> str:
    """The request and every fact it was written from: equal keys, equal answers."""
    material = {"provider": provider.name, "model": provider.model, "feature": prompt.feature,
                "language": prompt.language, "options": prompt.options, "data": prompt.data}
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def _finished_copy(request: ContentRequest, generation: Generation, provider: str) -> tuple[str, list[str]]:
    """The provider's answer made to fit the platform rules: (text, hashtags)."""
    data = generation.data if isinstance(generation.data, dict) else {}
    if request.content_type == ContentType.DESCRIPTION:
        text = clip(generation.text.strip(), prompts.DESCRIPTION_MAX_CHARACTERS)
        if not text:
            raise unusable_answer("description", provider, "empty")
        return text, []
    if request.content_type == ContentType.HASHTAGS:
        limit = min(request.count, hashtag_limit(request.platform))
        tags = clean_hashtags([str(tag) for tag in data.get("hashtags", [])], limit=limit)
        if not tags:
            raise unusable_answer("hashtags", provider, "no_valid_hashtags")
        return " ".join(tags), tags
    body = str(data.get("text", "")).strip()
    if not body:
        raise unusable_answer("social_post", provider, "empty")
    tags = clean_hashtags([str(tag) for tag in data.get("hashtags", [])], limit=request.post_hashtag_count())
    text = compose_post(body, tags, request.platform)
    return text, hashtags_in(text)


def content_generate(*, user: User, product: Product, request: ContentRequest, regenerate: bool = False,
                     provider: Provider | None = None) -> tuple[AIContent, bool]:
    """The copy asked for, as a stored draft, and whether it was already stored: an identical
    request for an unchanged product is answered from the store unless `regenerate`."""
    ensure_enabled(user=user, feature=request.content_type)
    provider = provider or get_provider()
    product = prompts.product_queryset().get(pk=product.pk)
    prompt = _prompt_for(request, prompts.product_facts(product))
    key = _request_key(prompt, provider)
    if not regenerate:
        stored = (AIContent.objects.filter(product=product, request_key=key)
                  .exclude(status=ContentStatus.REJECTED).order_by("-version").first())
        if stored is not None:
            return stored, True

    generation, (text, hashtags) = generate(
        user=user, feature=request.content_type, prompt=prompt, provider=provider,
        accept=lambda answer: (answer, _finished_copy(request, answer, provider.name)))
    return _store_content(product=product, user=user, request=request, key=key, text=text, hashtags=hashtags,
                          generation=generation), False


@transaction.atomic
def _store_content(*, product: Product, user: User, request: ContentRequest, key: str, text: str, hashtags: list[str],
                   generation: Generation) -> AIContent:
    # The product row lock orders parallel generations, so versions count up one by one.
    Product.objects.select_for_update().filter(pk=product.pk).first()
    version = (AIContent.objects.filter(product=product, content_type=request.content_type,
                                        platform=request.platform, language=request.language)
               .aggregate(latest=Max("version"))["latest"] or 0) + 1
    return AIContent.objects.create(
        product=product, content_type=request.content_type, platform=request.platform, language=request.language,
        text=text, hashtags=hashtags, options=request.options(), provider=generation.provider or "",
        model=generation.model[:100], version=version, request_key=key, created_by=user)


HASHTAG_TEXT_LIMIT = 3000


@transaction.atomic
def content_update(*, content: AIContent, actor: User, data: dict) -> AIContent:
    """The seller's edit or review of a generated text. `apply` puts an approved description
    on the product itself (recorded in the product's history like any edit)."""
    content = AIContent.objects.select_for_update().select_related("product").get(pk=content.pk)
    text = data.get("text")
    if text is not None and text.strip() != content.text:
        content.text, content.hashtags = _checked_edit(content, text.strip())
        content.edited = True
    new_status = data.get("status")
    if new_status and new_status != content.status:
        content.status = new_status
        content.reviewed_at = timezone.now()
    if data.get("apply"):
        if content.content_type != ContentType.DESCRIPTION or content.status != ContentStatus.APPROVED:
            raise NotApplicable()
        product_update(product=content.product, actor=actor, data={"description": content.text})
        content.applied_at = timezone.now()
    content.save()
    return content


def _checked_edit(content: AIContent, text: str) -> tuple[str, list[str]]:
    def invalid(message: str) -> ApplicationError:
        return ApplicationError("The edited text breaks the platform's rules.", details={"text": [message]})

    if not text:
        raise invalid("The text cannot be empty.")
    if content.content_type == ContentType.DESCRIPTION:
        if len(text) > prompts.DESCRIPTION_MAX_CHARACTERS:
            raise invalid(f"A description holds at most {prompts.DESCRIPTION_MAX_CHARACTERS} characters.")
        return text, []
    if content.content_type == ContentType.HASHTAGS:
        if len(text) > HASHTAG_TEXT_LIMIT:
            raise invalid("Too long for a list of hashtags.")
        tags = clean_hashtags(text.replace(",", " ").split(), limit=hashtag_limit(content.platform))
        if not tags:
            raise invalid("Write at least one hashtag (#word).")
        return " ".join(tags), tags
    limit = POST_LIMITS[content.platform]
    if platform_length(text, content.platform) > limit:
        raise invalid(f"{content.get_platform_display()} posts hold at most {limit} characters.")
    problems = hashtag_problems(text, content.platform)
    if problems:
        raise ApplicationError("The edited text breaks the platform's rules.", details={"text": problems})
    return text, hashtags_in(text)
