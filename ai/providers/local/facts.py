"""The product as the local writer reads it: the seller's fields coerced and cleaned (they are
untrusted text), money written the way each language writes it, the seller's notes cut into
sentences worth reusing, and the facts the notes and tags state (materials, handmade, origin)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from ai.providers.local import lexicon, phrases

LOW_STOCK = 5  # at or under this many left, the copy says so
NAME_MAX_WORDS = 10  # longer names are shortened to their first phrase in the prose
NOTE_SENTENCE_MAX_WORDS = 40

# Symbols written before the amount in English; French writes every currency after it.
SYMBOLS = {"GHS": "GH₵", "NGN": "₦", "USD": "$", "EUR": "€", "GBP": "£", "KES": "KSh", "ZAR": "R"}
SUFFIX_CURRENCIES = {"XOF": "FCFA", "XAF": "FCFA"}
NO_DECIMALS = {"XOF", "XAF"}  # the CFA franc has no cents
ROUND_DECIMALS = {"NGN"}  # naira prices are written without kobo when there are none
NBSP = "\u00a0"

# --- Small helpers ----------------------------------------------------------------------------

_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u2028\u2029\u202a-\u202e"
                      r"\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")
_HTML_TAG = re.compile(r"<[^<>]{0,200}>")


def is_emoji(character: str) -> bool:
    code = ord(character)
    if code < 0x2100:
        return code == 0x200D
    return 0x1F000 <= code <= 0x1FAFF or code == 0xFE0F or unicodedata.category(character) == "So"


def plain(value: Any, max_length: int = 300) -> str:
    """One line of seller text: a string, no control characters or emojis, single spaces."""
    if value is None or isinstance(value, (dict, list, tuple, set)):
        return ""
    text = _HTML_TAG.sub(" ", _CONTROL.sub("", str(value)))
    text = "".join(" " if c in "\r\n" else ("" if is_emoji(c) else c) for c in text)
    text = _SPACES.sub(" ", text).strip()
    return text[:max_length].strip()


def stable_index(count: int, *keys: Any) -> int:
    """A choice among `count` that depends only on the keys: same product, same wording."""
    digest = hashlib.sha256("\x1f".join(str(key) for key in keys).encode()).digest()
    return int.from_bytes(digest[:8], "big") % max(count, 1)


def pick(choices: Sequence[str], *keys: Any) -> str:
    return choices[stable_index(len(choices), *keys)]


def join_words(items: Sequence[str], language: str, conjunction: str = "and") -> str:
    """'a, b and c' / 'a, b et c' ('or' / 'ou' when asked)."""
    items = [item for item in items if item]
    word = {"and": {"en": "and", "fr": "et"}, "or": {"en": "or", "fr": "ou"}}[conjunction][language]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def words(text: str) -> int:
    return len(text.split())


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


# --- Money ------------------------------------------------------------------------------------

def to_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def format_money(amount: Decimal, currency: str, language: str) -> str:
    """GH₵180.00, ₦25,000, 15,000 FCFA in English; 180,00 GH₵, 15 000 FCFA in French."""
    currency = (currency or "").upper()
    places = 0 if currency in NO_DECIMALS or (currency in ROUND_DECIMALS and amount == amount.to_integral_value()) \
        else 2
    quantized = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    number = f"{quantized:,.{places}f}"
    if language == "fr":
        number = number.replace(",", NBSP).replace(".", ",")
        unit = SUFFIX_CURRENCIES.get(currency) or SYMBOLS.get(currency) or currency
        return f"{number}{NBSP}{unit}" if unit else number
    if currency in SUFFIX_CURRENCIES:
        return f"{number}{NBSP}{SUFFIX_CURRENCIES[currency]}"
    if currency in SYMBOLS:
        return f"{SYMBOLS[currency]}{number}"
    return f"{currency}{NBSP}{number}" if currency else number


# --- The product ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Variant:
    name: str
    options: dict[str, str]
    price: Decimal | None
    in_stock: bool
    stock_quantity: int | None


@dataclass(frozen=True)
class OptionGroup:
    kind: str  # "colour", "size" or "other"
    name: str  # as the seller named it
    values: list[str]


@dataclass(frozen=True)
class Product:
    name: str
    short_name: str
    category: str | None
    tags: list[str]
    price: Decimal | None
    compare_at_price: Decimal | None
    currency: str
    in_stock: bool
    stock_quantity: int | None
    options: list[OptionGroup]
    variants: list[Variant]
    notes: str
    shop: str
    delivery_fee: Decimal | None = None  # the shop's flat delivery charge, when it set one
    free_delivery_from: Decimal | None = None
    name_is_fallback: bool = False  # the seller's name had nothing to write (emojis only): see named()

    @property
    def delivers(self) -> bool:
        """Whether the shop stated its delivery terms: only then does the copy talk about delivery."""
        return self.delivery_fee is not None or self.free_delivery_from is not None

    @property
    def free_delivery(self) -> bool:
        return self.delivery_fee == 0 or self.free_delivery_from == 0

    @property
    def discount_percent(self) -> int | None:
        if self.price is None or not self.compare_at_price or self.compare_at_price <= self.price:
            return None
        percent = int(((self.compare_at_price - self.price) / self.compare_at_price * 100).quantize(
            Decimal(1), rounding=ROUND_HALF_UP))
        return percent if percent >= 1 else None

    @property
    def low_stock(self) -> bool:
        return self.in_stock and self.stock_quantity is not None and 0 < self.stock_quantity <= LOW_STOCK

    @property
    def lowest_variant_price(self) -> Decimal | None:
        """The 'from' price when the variants cost different amounts and some cost less."""
        prices = {v.price for v in self.variants if v.price is not None}
        if len(prices) > 1 and self.price is not None and min(prices) < self.price:
            return min(prices)
        return None

    def money(self, amount: Decimal | None, language: str) -> str:
        return format_money(amount, self.currency, language) if amount is not None else ""

    def text_for_facts(self) -> str:
        return " ".join([self.name, self.category or "", " ".join(self.tags)])


def _coerce_int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return None


def short_name(name: str) -> str:
    """A name of at most ten words: its first phrase ('Kente Stole, gold thread, for weddings...'
    -> 'Kente Stole'), else its first words."""
    tokens = name.split()
    if len(tokens) <= NAME_MAX_WORDS:
        return name
    for separator in (" - ", " – ", " — ", " | ", ",", "(", ":", ";", " / ", " with ", " for ", " avec ", " pour "):
        head = name.split(separator, 1)[0].strip(" -–—|,(:;/")
        if 2 <= len(head.split()) <= NAME_MAX_WORDS and len(head) < len(name):
            return head
    head = tokens[:8]
    while len(head) > 2 and head[-1].lower().strip(",") in lexicon.STOPWORDS:
        head.pop()
    return " ".join(head).strip(" -–—|,(:;/")


def _options(raw_options: Any, variants: list[Variant]) -> list[OptionGroup]:
    values: dict[str, list[str]] = {}
    if isinstance(raw_options, dict):
        for name, choices in list(raw_options.items())[:6]:
            name = plain(name, 40)
            choices = choices if isinstance(choices, (list, tuple)) else [choices]
            for choice in choices[:20]:
                choice = plain(choice, 40)
                if name and choice and choice.lower() not in {v.lower() for v in values.setdefault(name, [])}:
                    values[name].append(choice)
    if not values:  # older facts: the variants alone say what can be chosen
        for variant in variants:
            for name, choice in variant.options.items():
                if choice.lower() not in {v.lower() for v in values.setdefault(name, [])}:
                    values[name].append(choice)
    groups = []
    for name, choices in values.items():  # colours, then sizes, then the rest: the order shoppers read them
        if not choices:
            continue
        key = name.lower()
        kind = "colour" if key in lexicon.COLOUR_OPTION_NAMES else "size" if key in lexicon.SIZE_OPTION_NAMES \
            else "other"
        groups.append(OptionGroup(kind=kind, name=name, values=choices))
    return sorted(groups, key=lambda group: ("colour", "size", "other").index(group.kind))


def product_from(raw: Any) -> Product:
    raw = raw if isinstance(raw, dict) else {}
    name = plain(raw.get("name"), 200).strip(" \"'“”*#")
    variants = []
    for item in raw.get("variants") or []:
        if not isinstance(item, dict):
            continue
        options = item.get("options") if isinstance(item.get("options"), dict) else {}
        quantity = _coerce_int(item.get("stock_quantity"))
        in_stock = bool(item.get("in_stock")) if "in_stock" in item else bool(quantity)
        variants.append(Variant(
            name=plain(item.get("name"), 120),
            options={plain(k, 40): plain(v, 40) for k, v in options.items() if plain(k, 40) and plain(v, 40)},
            price=to_decimal(item.get("price")),
            in_stock=in_stock and quantity != 0,
            stock_quantity=quantity,
        ))
    quantity = _coerce_int(raw.get("stock_quantity"))
    in_stock = bool(raw.get("in_stock")) if "in_stock" in raw else bool(quantity) if quantity is not None else True
    tags = raw.get("tags") if isinstance(raw.get("tags"), (list, tuple)) else str(raw.get("tags") or "").split(",")
    tags = [tag for tag in (plain(t, 50).lstrip("#") for t in tags[:20]) if tag]
    notes = raw.get("notes") if isinstance(raw.get("notes"), str) else ""
    currency = plain(raw.get("currency"), 3).upper()
    delivery = raw.get("delivery") if isinstance(raw.get("delivery"), dict) else {}
    product = Product(
        name=name,
        short_name=short_name(name),
        category=plain(raw.get("category"), 80) or None,
        tags=list(dict.fromkeys(tags)),
        price=to_decimal(raw.get("price")),
        compare_at_price=to_decimal(raw.get("compare_at_price")),
        currency=currency if currency.isalpha() else "",
        in_stock=in_stock and quantity != 0,
        stock_quantity=quantity,
        options=_options(raw.get("options"), variants),
        variants=variants,
        notes=_CONTROL.sub("", notes[:6000]),
        shop=plain(raw.get("shop"), 80),
        delivery_fee=to_decimal(delivery.get("fee")),
        free_delivery_from=to_decimal(delivery.get("free_from")),
    )
    return product


FALLBACK_NAME = {"en": "this item", "fr": "cet article"}


def named(product: Product, language: str) -> Product:
    """A product whose name has nothing left to write (only emojis or symbols) is called by its
    category in English, else 'this item' / 'cet article': never an empty name ("The  costs...")."""
    if product.name:
        return product
    # French needs an article the category does not give: "Craquez pour cet article", not "pour Chaussures".
    name = (category_in(product, language) if language == "en" else None) \
        or FALLBACK_NAME.get(language, FALLBACK_NAME["en"])
    return replace(product, name=name, short_name=short_name(name), name_is_fallback=True)


def delivery_terms(product: Product, language: str) -> str:
    """The shop's own delivery terms in a sentence, '' when it stated none."""
    if not product.delivers:
        return ""
    fee = product.money(product.delivery_fee, language)
    free_from = product.money(product.free_delivery_from, language)
    if product.free_delivery:
        return "La livraison est offerte." if language == "fr" else "Delivery is free."
    if language == "fr":
        if fee and free_from:
            return f"La livraison coûte {fee}, et elle est offerte dès {free_from} d'achat."
        return f"La livraison coûte {fee}." if fee else f"La livraison est offerte dès {free_from} d'achat."
    if fee and free_from:
        return f"Delivery costs {fee}, and it is free on orders from {free_from}."
    return f"Delivery costs {fee}." if fee else f"Delivery is free on orders from {free_from}."


# --- Options in words -------------------------------------------------------------------------

def colour_fr(value: str) -> str | None:
    return lexicon.COLOURS_FR.get(value.lower().strip())


def option_label(group: OptionGroup, language: str) -> str:
    """'colours' / 'coloris', 'sizes' / 'tailles' ('size' / 'taille' for a single value)."""
    key = group.name.lower()
    one = len(group.values) == 1
    if language == "fr":
        if group.kind == "colour":
            return "coloris"
        if group.kind == "size":
            return ("pointure" if key.startswith("pointure") else "taille") + ("" if one else "s")
        return lexicon.OPTION_LABELS_FR.get(key, key)
    if group.kind == "colour":
        return "colour" if one else "colours"
    if group.kind == "size":
        return "size" if one else "sizes"
    return lexicon.OPTION_LABELS_EN.get(key, key)


def shop_fallback(text: str, language: str, has_shop: bool) -> str:
    """Without a shop name the copy says 'our shop'; French then shops 'dans', not 'chez'."""
    if has_shop or language != "fr":
        return text
    return text.replace("chez notre boutique", "dans notre boutique")


_BYTES = re.compile(r"\b(\d+)\s?(G|T|M)B\b")


def option_values(group: OptionGroup, language: str) -> list[str]:
    if language != "fr":
        return list(group.values)
    if group.kind == "colour":
        return [colour_fr(value) or value for value in group.values]
    return [_BYTES.sub(lambda m: f"{m.group(1)}{NBSP}{m.group(2)}o", value) for value in group.values]  # 128 Go


# --- The seller's notes -----------------------------------------------------------------------

# Text addressed to a writer, or placeholder text, is not a fact about the product.
_NOT_A_FACT = re.compile(
    r"lorem|ipsum|ignore (?:all |any |the |your )?(?:previous|prior|above|earlier)|"
    r"disregard (?:all|any|the|your|previous)|"
    r"system prompt|(?:previous|prior|above|new|these|following|your|my|system) instructions|"
    r"you are (?:now |an? )?(?:ai|assistant|chatgpt|language model)|as an ai\b|jailbreak|\[[^\]]*\]|\{[^}]*\}|"
    r"placeholder|\bTODO\b|\bTBD\b|xxx|ignorez (?:les|toutes)|oubliez (?:les|vos)|instructions précédentes",
    re.IGNORECASE)
_CONTACT = re.compile(r"https?://|www\.|\S+@\S+\.\w+|(?:\+?\d[\d\s-]{7,}\d)|wa\.me|bit\.ly", re.IGNORECASE)
_MONEY_MENTION = re.compile(r"(?:gh[₵¢s]|₵|₦|\$|€|£|fcfa|cfa|ngn|ghs|xof|cedis?|naira|usd|eur)\s?\d|"
                            r"\d\s?(?:gh[₵¢s]|₵|₦|\$|€|£|fcfa|cfa|ngn|ghs|xof|cedis?|naira|usd|eur|francs?)\b|"
                            r"\b(?:price|prix|discount|promo|sale price)\b", re.IGNORECASE)
# What goes stale once written down: stock, prices and offers, how to order or get it delivered.
# The copy states these from the product's current facts, never from old notes (which are often
# the writer's own earlier description, applied to the product by the seller).
_STOCK_MENTION = re.compile(
    r"\b(?:in|out of|back in) stock\b|\bsold out\b|\bstock\b|\blast one\b|\b(?:only|just) \d+ (?:left|remain)|"
    r"\bleft in stock\b|\b\d+ left\b|\bgot \d+\b|\brestock|\bready (?:to order|for you)\b|"
    r"\bavailab(?:le|ility)\b|\bdisponib|\ben stock\b|\brupture\b|\bépuisé|\bréassort|\bplus que \d+|"
    r"\bil (?:n'en )?reste\b|dernier exemplaire", re.IGNORECASE)
_OFFER_MENTION = re.compile(
    r"\bsav(?:e|es|ing|ings)\b|\breduced\b|\bon (?:sale|offer)\b|\bdiscount|\d\s?% off\b|\bprices? start|"
    r"\bpriced\b|\bcosts?\b|\bfor just\b|\binstead of\b|\bdown from\b|\béconomi|\bau lieu de\b|"
    r"\bréduction|\bremise|\bpromo|\bà partir de\b|\btarif", re.IGNORECASE)
_ORDER_MENTION = re.compile(
    r"\border|\bdeliver|\bshipping\b|\bdispatch|\bcollection or\b|\bmessage (?:us|me)\b|"
    r"\bsend (?:us|me) a\b|\bdm\b|\bcontact\b|\bget in touch\b|\bcall (?:us|me)\b|\bwhatsapp\b|"
    r"\binbox\b|\bcommand|\blivr|\bexpédi|\bécrivez|\bcontactez|\benvoyez-(?:nous|moi)\b|"
    r"\bappelez|\b(?:send|message|dm|write to) \S+ (?:to|now|today)\b", re.IGNORECASE)
_MARKUP = re.compile(r"\*\*|__|`+|^#+\s|^>\s?|~~")
_BULLET = re.compile(r"^\s*(?:[-*•·▪●◦–—]|\d{1,2}[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“«(]?[A-ZÀ-Ý0-9])")
_HASHTAG = re.compile(r"#(\w+)")


@dataclass(frozen=True)
class Notes:
    sentences: tuple[tuple[str, str | None], ...]  # (sentence, language)
    fragments: tuple[tuple[str, str | None], ...]  # short label-like lines: "100% cotton", "Weight: 500g"

    def sentences_in(self, language: str) -> list[str]:
        return [s for s, lang in self.sentences if lang == language or (lang is None and language == "en")]

    def fragments_in(self, language: str) -> list[str]:
        return [f for f, lang in self.fragments if lang == language or (lang is None and language == "en")]


def _tidy_line(line: str) -> str:
    line = _HTML_TAG.sub(" ", line)
    line = _BULLET.sub("", line)
    line = _MARKUP.sub("", line).replace("**", "")
    line = "".join("" if is_emoji(c) else c for c in line)
    line = _HASHTAG.sub(r"\1", line)
    line = _SPACES.sub(" ", line).strip(" -–—|*_•")
    letters = [c for c in line if c.isalpha()]
    if len(letters) > 8 and sum(c.isupper() for c in letters) / len(letters) > 0.7:
        line = line.lower()  # SHOUTED notes become a normal sentence
    return line


def _mentions_only_name(sentence: str, name: str) -> bool:
    rest = re.sub(re.escape(name), "", sentence, flags=re.IGNORECASE) if name else sentence
    return len(re.findall(r"\w+", rest)) < 3


def _template_pattern(template: str) -> re.Pattern | None:
    """One of the writer's own sentences as a pattern: its words as written, any field as text."""
    template = template.split(":", 1)[1] if re.match(r"^[a-z]+:", template) else template
    parts = re.split(r"\{[^{}]*\}", template)
    fixed = [re.sub(r"\W+", " ", part.lower()).strip() for part in parts]
    needed = 2 if "{options}" in template else 3  # "Choose yours {options}."
    if sum(len(part.split()) for part in fixed) < needed:
        return None  # "It's {features}." would match anything the seller wrote starting "It's"
    pattern = r"\s*(?:.+?)?\s*".join(re.escape(part).replace(r"\ ", r"\s+") for part in fixed)
    return re.compile(rf"^\s*{pattern}\s*$")


@lru_cache(maxsize=1)
def _own_sentences() -> tuple[re.Pattern, ...]:
    """Every sentence the writer itself writes, in both languages: quoting one back from notes
    would say it twice (or state what is no longer true)."""
    templates: list[str] = []

    def collect(value) -> None:
        if isinstance(value, str):
            templates.extend(t for t in re.split(r"(?<=[.!?…])\s+", value) if t)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                collect(item)

    collect(phrases.DESCRIPTION_PHRASES)
    collect(phrases.HOOKS)
    collect(phrases.TIKTOK_HOOKS)
    collect(phrases.POST_WORDS)
    collect(phrases.CALLS_TO_ACTION)
    return tuple(pattern for pattern in {_template_pattern(t) for t in templates} if pattern)


def _writers_own(sentence: str, name: str, shop: str) -> bool:
    key = re.sub(r"\W+", " ", sentence.lower()).strip()
    if not key:
        return False
    if name and shop and name.lower() in sentence.lower() and shop.lower() in sentence.lower():
        return True  # "{shop} presents {name}": an intro
    return any(pattern.match(key) for pattern in _own_sentences())


# The writer's own list of details ("Details: 100% cotton; hand wash cold."): back to the fragments.
_DETAILS = re.compile(r"^(?:details|the details|what you get|caractéristiques|les détails|ce que vous obtenez)\s*:"
                      r"\s*(.+?)\.?$", re.IGNORECASE)


def _stale(sentence: str) -> bool:
    return bool(_STOCK_MENTION.search(sentence) or _OFFER_MENTION.search(sentence)
                or _ORDER_MENTION.search(sentence))


def notes_from(product: Product) -> Notes:
    return _notes(product.notes, product.name, product.shop, product.short_name)


@lru_cache(maxsize=256)  # a post reads the same notes for its pitch, facts and hashtags
def _notes(text: str, name: str, shop: str = "", short: str = "") -> Notes:
    sentences: list[tuple[str, str | None]] = []
    fragments: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for raw_line in text.splitlines():
        line = _tidy_line(raw_line)
        if not line:
            continue
        pieces = []
        for piece in _SENTENCE_END.split(line):
            listed = _DETAILS.match(piece.strip())
            pieces += [part.strip() for part in listed.group(1).split(";")] if listed else [piece]
        for piece in pieces:
            piece = piece.strip()
            if not piece:
                continue
            key = re.sub(r"\W+", " ", piece.lower()).strip()
            if not key or key in seen or _NOT_A_FACT.search(piece) or _CONTACT.search(piece) \
                    or _MONEY_MENTION.search(piece) or _mentions_only_name(piece, name) or _stale(piece) \
                    or _writers_own(piece, short or name, shop):
                continue
            seen.add(key)
            count = words(piece)
            language = lexicon.detect_language(piece)
            if piece[-1] not in ".!?…" and count <= 8:
                fragments.append((capitalize(piece.rstrip(":;,")), language))
            elif 3 <= count <= NOTE_SENTENCE_MAX_WORDS:
                sentence = capitalize(piece.rstrip(",;:"))
                if sentence[-1] not in ".!?…":
                    sentence += "."
                sentences.append((sentence, language))
    return Notes(sentences=tuple(sentences), fragments=tuple(fragments))


# --- Facts stated anywhere (name, tags, category, notes) ---------------------------------------

@dataclass(frozen=True)
class Facts:
    features: tuple[lexicon.Feature, ...]
    origin: tuple[str, str, str] | None
    materials: tuple[lexicon.Material, ...]
    occasions: tuple[lexicon.Occasion, ...]
    gift: bool


CRAFT = {"handwoven", "handmade"}  # a name that says one says the other


@lru_cache(maxsize=512)
def facts_in(text: str, *, exclude: str = "") -> Facts:
    """What `text` states, leaving out what `exclude` (the name) already says."""
    features = [f for f in lexicon.FEATURES if f.pattern.search(text) and not f.pattern.search(exclude)]
    if any(f.key == "handwoven" for f in features) or any(f.pattern.search(exclude) for f in lexicon.FEATURES
                                                         if f.key in CRAFT):
        features = [f for f in features if f.key != "handmade"]
    if any(f.key in ("organic", "unrefined") for f in features):
        features = [f for f in features if f.key != "natural"]
    origin = lexicon.origin_in(text)
    if origin and lexicon.origin_in(exclude):
        origin = None
    materials = [m for m in lexicon.MATERIALS if m.pattern.search(text) and not m.pattern.search(exclude)]
    occasions = [o for o in lexicon.OCCASIONS if o.pattern.search(text)]
    return Facts(features=tuple(features[:4]), origin=origin, materials=tuple(materials[:4]),
                 occasions=tuple(occasions[:3]),
                 gift=bool(lexicon.GIFT.search(text)) and not lexicon.GIFT.search(exclude))


def without(facts: Facts, text: str) -> Facts:
    """The facts `text` does not already state (the notes quoted next to them)."""
    if not text:
        return facts
    return Facts(features=tuple(f for f in facts.features if not f.pattern.search(text)),
                 origin=facts.origin if not lexicon.origin_in(text) else None,
                 materials=tuple(m for m in facts.materials if not m.pattern.search(text)),
                 occasions=tuple(o for o in facts.occasions if not o.pattern.search(text)),
                 gift=facts.gift and not lexicon.GIFT.search(text))


_ARTICLE_FREE = re.compile(r"^(?:the|a|an|our|my|your|this|these|\d)\b|^\w+['’]s\b", re.IGNORECASE)


def with_article(name: str) -> str:
    """'the Handwoven Kente Stole', but 'Ama's Wraps' and 'The Original' as they are."""
    return name if _ARTICLE_FREE.match(name) else f"the {name}"


def elide(word: str, following: str) -> str:
    """French 'de' + 'Ama's' -> "d'Ama's"."""
    if word in ("de", "le", "la", "que") and following[:1].lower() in "aeiouhâàéèêîïôûy":
        return f"{word[0]}'{following}"
    return f"{word} {following}"


_ONE_THING_OF = re.compile(r"\b(?:set|pack|pair|box|bundle|kit|lot|case|bottle|jar|tin|bag) of\b", re.IGNORECASE)
_PLURAL_FIXES = [(re.compile(pattern), replacement) for pattern, replacement in (
    (r"\bIt is\b", "They are"), (r"\bit is\b", "they are"), (r"\bIt's\b", "They're"), (r"\bit's\b", "they're"),
    (r"\bIt also makes\b", "They also make"), (r"\bIt makes\b", "They make"), (r"\bThis one is\b", "These are"),
    (r"\b(get|make|enjoying|love|see|without|set) it\b", r"\1 them"), (r"\bwhen it will\b", "when they will"),
)]


def is_plural_name(name: str) -> bool:
    """'Wireless Headphones', 'Ankara Earrings' are plural; 'Ankara Dress', 'Set of Bowls' are not."""
    last = re.findall(r"[A-Za-z]+$", name.strip())
    if not last or _ONE_THING_OF.search(name):
        return False
    word = last[0].lower()
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ics"))


def as_plural(text: str, name: str) -> str:
    """English copy written for one thing, made to agree with a plural name."""
    for pattern, replacement in _PLURAL_FIXES:
        text = pattern.sub(replacement, text)
    for verb, plural in (("is", "are"), ("has", "have"), ("costs", "cost"), ("starts", "start")):
        text = text.replace(f"{name} {verb} ", f"{name} {plural} ")
    return text


def category_in(product: Product, language: str) -> str | None:
    if not product.category:
        return None
    if language == "fr":
        return lexicon.CATEGORIES_FR.get(product.category.lower(), product.category)
    return lexicon.CATEGORIES_EN.get(product.category.lower(), product.category)


def product_kind(product: Product) -> set[str]:
    """The audiences a product speaks to: fashion, african_print, beauty, tech, jewelry, home, food."""
    text = " ".join([product.name, product.category or "", " ".join(product.tags)])
    kinds = {kind for kind, pattern in (
        ("fashion", lexicon.FASHION), ("african_print", lexicon.AFRICAN_PRINT), ("beauty", lexicon.BEAUTY),
        ("tech", lexicon.TECH), ("jewelry", lexicon.JEWELRY), ("home", lexicon.HOME), ("food", lexicon.FOOD),
    ) if pattern.search(text)}
    if "tech" in kinds:
        kinds -= {"fashion", "beauty"}  # "watch", "oil" in a phone's name say nothing about style
    return kinds
