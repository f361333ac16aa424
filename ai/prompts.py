"""What SellFlow asks a provider for: the instructions (ours, trusted), the facts (sellers' and
customers' text, untrusted, sent as data) and the JSON schema of list answers."""

from django.db.models import QuerySet

from accounts.models import User
from ai.providers import Prompt
from ai.rules import POST_LIMITS
from products.models import Product
from sellflow.platforms import Platform

DESCRIPTION_STYLES = ("professional", "casual", "persuasive")
DESCRIPTION_LENGTHS = {"short": "30 to 60 words", "medium": "70 to 130 words", "long": "140 to 250 words"}
POST_TONES = ("friendly", "professional", "playful", "urgent", "elegant")
REPLY_COUNT = 3
REPLY_MAX_CHARACTERS = 300
DESCRIPTION_MAX_CHARACTERS = 5000


def _list_schema(key: str) -> dict:
    return {"type": "object", "properties": {key: {"type": "array", "items": {"type": "string"}}},
            "required": [key], "additionalProperties": False}


HASHTAGS_SCHEMA = _list_schema("hashtags")
SUGGESTIONS_SCHEMA = _list_schema("suggestions")
POST_SCHEMA = {
    "type": "object",
    "properties": {"text": {"type": "string"}, "hashtags": {"type": "array", "items": {"type": "string"}}},
    "required": ["text", "hashtags"],
    "additionalProperties": False,
}
_nullable = lambda kind: {"type": [kind, "null"]}  # noqa: E731
SEARCH_SCHEMA = {
    "type": "object",
    "properties": {
        "text": {"type": "string"},
        "min_price": _nullable("number"),
        "max_price": _nullable("number"),
        "currency": _nullable("string"),
        "in_stock": _nullable("boolean"),
        "colors": {"type": "array", "items": {"type": "string"}},
        "sizes": {"type": "array", "items": {"type": "string"}},
        "category": _nullable("string"),
        "sort": {"type": ["string", "null"], "enum": ["price", None]},
    },
    "required": ["text", "min_price", "max_price", "currency", "in_stock", "colors", "sizes", "category", "sort"],
    "additionalProperties": False,
}


def product_queryset() -> QuerySet[Product]:
    """Products with everything product_facts() reads, in a fixed number of queries."""
    return Product.objects.select_related("category", "seller").prefetch_related("variants")


def product_facts(product: Product) -> dict:
    """The product as the writer sees it: only what the seller entered and the shop sells."""
    variants = list(product.variants.all())
    options: dict[str, list[str]] = {}
    for variant in variants:
        for name, value in (variant.options or {}).items():
            values = options.setdefault(str(name), [])
            if str(value) not in values:
                values.append(str(value))
    return {
        "name": product.name,
        "category": product.category.name if product.category_id else None,
        "tags": product.tag_list,
        "price": f"{product.price:.2f}",
        "compare_at_price": f"{product.compare_at_price:.2f}" if product.compare_at_price else None,
        "currency": product.currency,
        "in_stock": product.stock_quantity > 0,
        "stock_quantity": product.stock_quantity,
        "options": options,
        "variants": [
            {"name": variant.name, "options": variant.options or {},
             "price": f"{variant.price if variant.price is not None else product.price:.2f}",
             "in_stock": variant.stock_quantity > 0, "stock_quantity": variant.stock_quantity}
            for variant in variants
        ],
        "notes": product.description,
        "shop": product.seller.display_name,
        "delivery": _delivery_terms(product.seller),
    }


def _delivery_terms(seller: User) -> dict | None:
    """What the shop's checkout charges for delivery. A shop that set neither a fee nor a
    free-delivery threshold has not said, so nothing is claimed for it."""
    if not seller.shipping_fee and seller.free_shipping_threshold is None:
        return None
    threshold = seller.free_shipping_threshold
    return {"fee": f"{seller.shipping_fee:.2f}", "free_from": f"{threshold:.2f}" if threshold is not None else None}


def description_prompt(facts: dict, *, style: str, length: str, language: str) -> Prompt:
    return Prompt(
        feature="description",
        instructions=(
            "You write product descriptions for a small online shop that sells through social media. "
            f"Write one {style} description of the product in the data, {DESCRIPTION_LENGTHS[length]}, "
            "as plain text in short paragraphs: no headings, no markdown, no hashtags, no placeholders. "
            "Use only facts from the data (name, category, tags, price, options, the seller's notes); "
            "never invent materials, sizes, guarantees or delivery promises."
        ),
        data={"product": facts},
        language=language,
        options={"style": style, "length": length},
    )


def hashtags_prompt(facts: dict, *, platform: str, count: int, language: str = "en") -> Prompt:
    return Prompt(
        feature="hashtags",
        instructions=(
            f"Suggest {count} hashtags for posting the product in the data on {Platform(platform).label}. "
            "Mix specific tags (product, material, colour, category) with popular shopping tags buyers "
            "follow on that platform. Each hashtag is '#' followed by letters, digits or underscores only, "
            "no spaces, no duplicates. Words in the hashtags may be in the requested language or in English, "
            "whichever buyers search for. Answer with the list only."
        ),
        data={"product": facts},
        language=language,
        options={"platform": platform, "count": count},
        schema=HASHTAGS_SCHEMA,
    )


def social_post_prompt(facts: dict, *, platform: str, tone: str, language: str, include_price: bool,
                       call_to_action: str, hashtag_count: int) -> Prompt:
    limit = POST_LIMITS[platform]
    price_rule = "Mention the price." if include_price else "Do not mention the price."
    return Prompt(
        feature="social_post",
        instructions=(
            f"Write a {tone} {Platform(platform).label} post that sells the product in the data. "
            f"The text must stay well under {limit} characters including hashtags. {price_rule} "
            "End with the call to action from the data when there is one, quoted as written, else a short "
            f"invitation to order. Put {hashtag_count} hashtags in the 'hashtags' list, not in the text. "
            "Use only facts from the data."
        ),
        data={"product": facts, "call_to_action": call_to_action or None},
        language=language,
        options={"platform": platform, "tone": tone, "include_price": include_price,
                 "hashtag_count": hashtag_count, "max_chars": limit},
        schema=POST_SCHEMA,
    )


def reply_suggestions_prompt(messages: list[dict], facts: dict | None, *, shop: str, language: str) -> Prompt:
    return Prompt(
        feature="reply_suggestions",
        instructions=(
            f"You help a seller answer a customer in a chat. Suggest {REPLY_COUNT} short, distinct replies "
            f"(each under {REPLY_MAX_CHARACTERS} characters) the seller could send next, answering the "
            "customer's latest messages with facts from the product in the data (price, stock, options, and "
            "the shop's delivery fee when 'delivery' is given). "
            "Never promise what the data does not say."
        ),
        data={"messages": messages, "product": facts, "shop": shop},
        language=language,
        schema=SUGGESTIONS_SCHEMA,
    )


def search_prompt(query: str, categories: list[dict]) -> Prompt:
    return Prompt(
        feature="search",
        instructions=(
            "Turn a shopper's search into catalog filters. 'text' is the words left to search for (product "
            "kind, brand), without the price, stock, colour, size and category words. Prices are numbers in "
            "the currency named (ISO 4217 code in 'currency', e.g. 'cedis' is GHS, 'naira' NGN, 'CFA' XOF), "
            "null when not said. 'in_stock' true only when asked. 'category' is one of the names in the options "
            "or null. 'sort' is 'price' when the shopper asks for cheap, else null."
        ),
        data={"query": query},
        options={"categories": categories},
        schema=SEARCH_SCHEMA,
    )
