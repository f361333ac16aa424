"""Natural-language product search: the shopper's words understood as filters (ai.query), then
applied to the public catalog and ranked by the catalog's own search."""

import hashlib
import json
import logging
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from ai.errors import AIProviderError
from ai.models import Feature
from ai.prompts import search_prompt
from ai.providers import Generation, provider_name
from ai.query import MAX_PRICE, MAX_TERMS, Interpretation, display_size, parse_query
from ai.services.generation import generate
from products.holds import available_stock
from products.models import Category
from products.search import search_products, with_colours, with_sizes
from products.search.text import colour_of, fold
from products.selectors import category_and_descendant_ids, public_products, stock_rank
from sellflow.exceptions import ApplicationError

logger = logging.getLogger(__name__)


def categories_for_matching() -> list[dict]:
    return list(Category.objects.filter(is_active=True).values("id", "name", "slug"))


def category_named(value: str) -> dict | None:
    """The category given by id or slug, as the interpretation shows it."""
    # ASCII digits only: "²".isdigit() is true, and int("²") fails.
    is_id = value.isascii() and value.isdigit() and len(value) < 19
    lookup = Q(slug=value) | (Q(pk=int(value)) if is_id else Q(pk__in=[]))
    return Category.objects.filter(lookup).values("id", "name", "slug").first()


# The same words mean the same filters: asked of the provider once an hour, not per search.
SEARCH_CACHE_SECONDS = 3600


def interpret(query: str, *, user: User | AnonymousUser | None = None) -> Interpretation:
    """The filters in the shopper's words: asked of the openai provider as structured output
    when it is the one configured, read by the local parser otherwise and whenever the provider
    fails, refuses, answers nonsense or the user's AI quota is spent."""
    categories = categories_for_matching()
    if provider_name() != "openai":
        return parse_query(query, categories=categories)
    material = json.dumps([settings.OPENAI_MODEL, " ".join(query.lower().split()), categories], sort_keys=True)
    key = "ai:search:" + hashlib.sha256(material.encode()).hexdigest()
    interpretation = cache.get(key)
    if interpretation is not None:
        return interpretation
    try:
        interpretation = generate(user=user if user is not None and user.is_authenticated else None,
                                  feature=Feature.SEARCH, prompt=search_prompt(query, categories),
                                  accept=lambda generation: _accepted_filters(generation, categories))
    except ApplicationError as error:
        logger.info("AI search fell back to the local parser: %s", error)
        return parse_query(query, categories=categories)
    cache.set(key, interpretation, SEARCH_CACHE_SECONDS)
    return interpretation


def _accepted_filters(generation: Generation, categories: list[dict]) -> Interpretation:
    try:
        return interpretation_from(generation.data, categories)
    except (ValueError, TypeError, InvalidOperation) as error:
        raise AIProviderError(details={"provider": generation.provider or "openai", "reason": "invalid_filters"}) \
            from error


def _price(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    if not amount.is_finite() or amount < 0 or amount > MAX_PRICE:
        raise ValueError(f"price out of range: {value}")
    return amount


def interpretation_from(data: dict, categories: list[dict]) -> Interpretation:
    """The provider's filters, checked as strictly as the shopper's own words would be."""
    if not isinstance(data, dict):
        raise ValueError("the provider's filters are not an object")
    min_price, max_price = _price_bounds(data)
    return Interpretation(
        text=str(data.get("text") or "").strip()[:300], min_price=min_price, max_price=max_price,
        currency=_currency(data), in_stock=True if data.get("in_stock") is True else None,
        colors=[colour_of(fold(c)) or c.lower() for c in _terms(data, "colors")],
        sizes=[display_size(size) for size in _terms(data, "sizes")],
        category=_category(data, categories), sort="price" if data.get("sort") == "price" else None)


def _price_bounds(data: dict) -> tuple[Decimal | None, Decimal | None]:
    """(min, max), the lower one first."""
    min_price, max_price = _price(data.get("min_price")), _price(data.get("max_price"))
    if min_price is not None and max_price is not None and min_price > max_price:
        min_price, max_price = max_price, min_price
    return min_price, max_price


def _currency(data: dict) -> str | None:
    """An ISO 4217-shaped code, or nothing."""
    currency = str(data.get("currency") or "").upper() or None
    return currency if currency and re.fullmatch(r"[A-Z]{3}", currency) else None


def _category(data: dict, categories: list[dict]) -> dict | None:
    """One of our categories, named by its name or slug; a name we do not have is no filter."""
    named = str(data.get("category") or "").strip().lower()
    return next((c for c in categories if named and named in (c["name"].lower(), c["slug"].lower())), None)


def _terms(data: dict, key: str) -> list[str]:
    """A few short, non-empty words of the list at `key`."""
    return [str(v).strip()[:30] for v in data.get(key) or [] if str(v).strip()][:MAX_TERMS]


def products_for(interpretation: Interpretation, *, category: str = "") -> QuerySet:
    """The public products that match every kind of filter understood (any of several colours,
    any of several sizes), best matches first."""
    products = public_products()
    chosen = category or (str(interpretation.category["id"]) if interpretation.category else "")
    if chosen:
        products = products.filter(category_id__in=category_and_descendant_ids(chosen))
    if interpretation.min_price is not None:
        products = products.filter(price__gte=interpretation.min_price)
    if interpretation.max_price is not None:
        products = products.filter(price__lte=interpretation.max_price)
    if interpretation.currency:
        products = products.filter(currency=interpretation.currency)
    if interpretation.in_stock:
        products = products.alias(available=available_stock(timezone.now())).filter(available__gt=0)
    if interpretation.colors:
        products = with_colours(products, interpretation.colors)
    if interpretation.sizes:
        products = with_sizes(products, interpretation.sizes)
    if interpretation.text:
        ordering = (stock_rank(), "price") if interpretation.sort == "price" else ("-search_rank",)
        return search_products(products, interpretation.text, rank_ordering=ordering)
    if interpretation.sort == "price":
        return products.order_by(stock_rank(), "price", "-id")
    return products
