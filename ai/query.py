"""The local understanding of a shopper's search ("red sneakers under 300 cedis"): price bounds,
in-stock, colours, sizes, a category, and the words left to search for. Deterministic and offline;
the OpenAI provider extracts the same `Interpretation` and falls back to this."""

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from products.search.text import COLOUR_PHRASES, SIZE_PHRASES, colour_of, fold, size_tokens, stems

CURRENCY_WORDS = {
    "cedi": "GHS", "cedis": "GHS", "ghs": "GHS", "ghc": "GHS", "gh₵": "GHS", "₵": "GHS", "gh¢": "GHS",
    "naira": "NGN", "ngn": "NGN", "₦": "NGN",
    "dollar": "USD", "dollars": "USD", "usd": "USD", "$": "USD",
    "euro": "EUR", "euros": "EUR", "eur": "EUR", "€": "EUR",
    "pound": "GBP", "pounds": "GBP", "gbp": "GBP", "£": "GBP",
}
CHEAP_WORDS = {"cheap", "cheapest", "affordable", "budget", "inexpensive", "bargain"}
STOPWORDS = {
    "a", "an", "the", "for", "with", "and", "or", "of", "in", "on", "me", "my", "i", "want", "need", "looking",
    "show", "find", "some", "any", "that", "are", "is", "to", "please", "buy", "price", "priced", "costing",
    "cost", "which", "items", "products", "stuff", "new",
}

MAX_PRICE = Decimal("9999999999.99")  # what a catalog price can hold
MAX_TERMS = 3  # colours or sizes taken from one query
# A number followed by one of these is a quantity, not a price ("256gb", "0-3 months", "2 kg").
_UNIT = (r"(?!\s*(?:(?:gb|tb|mb|kb|kg|g|mg|ml|cl|l|litres?|liters?|inch(?:es)?|mah|w|watts?|v|volts?|cm|mm|"
         r"m|ft|years?|yrs?|months?|weeks?|days?|hours?|hrs?|pcs|pieces?|seater|people|persons?|yards?|metres?|"
         r"meters?|x|per)\b|\"|%))")
_AMOUNT = r"(?P<{name}>(?:\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:[.,]\d+)?)(?![\d.,])(?:\s*k\b)?)" + _UNIT
_CURRENCY = r"(?:gh₵|gh¢|₵|₦|\$|€|£|ghs|ghc|ngn|usd|eur|gbp|cedis?|naira|dollars?|euros?|pounds?)"
_MONEY = r"(?:{cur}\s*)?{amount}(?:\s*{cur})?"


def _money(name: str) -> str:
    return _MONEY.format(cur=_CURRENCY, amount=_AMOUNT.format(name=name))


PRICE_PATTERNS = [
    # between 1000 and 2000 / from 50 to 100 / 50-100 / 50 to 100; entre 100 et 300 / de 50 à 100
    ("range", re.compile(rf"\b(?:between|from|entre|de)\s+{_money('low')}\s+(?:and|to|-|et|à|a)\s+{_money('high')}")),
    ("range", re.compile(rf"(?<![\w.])(?<!size ){_money('low')}\s*(?:-|–|to|à)\s*{_money('high')}")),
    ("max", re.compile(rf"\b(?:under|below|less than|cheaper than|up to|upto|at most|max(?:imum)?|"
                       rf"not more than|no more than|within|moins de|moins que|en dessous de|au-dessous de|"
                       rf"au plus|pas plus de|jusqu'à|jusqu'a|inférieur à|sous)\s+{_money('high')}")),
    ("max", re.compile(rf"(?:<=?|≤)\s*{_money('high')}")),
    ("min", re.compile(rf"\b(?:over|above|more than|at least|min(?:imum)?|from|starting at|upwards of|"
                       rf"plus de|au moins|à partir de|a partir de|dès|supérieur à|au-dessus de)\s+"
                       rf"{_money('low')}")),
    ("min", re.compile(rf"(?:>=?|≥)\s*{_money('low')}")),
]
IN_STOCK = re.compile(r"\b(?:in[\s-]stock|available(?: now)?|ready to ship|on hand)\b")
# Size words of more than one letter ("medium", "extra large", "2xl"), longest first.
_SIZE_NAMES = "|".join(re.escape(name) for name in sorted((n for n in SIZE_PHRASES if len(n) > 1), key=len,
                                                          reverse=True))
_SHOE_NUMBER = r"\d{1,2}(?:[.,]5)?"
SIZE_MENTION = re.compile(
    rf"(?<![\w.])(?:(?:size|taille|pointure)\s+(?P<value>(?:eu|uk|us)\s*{_SHOE_NUMBER}|{_SHOE_NUMBER}|{_SIZE_NAMES}|s|m|l)"
    rf"|(?P<system>eu|uk|us)\s*(?P<number>{_SHOE_NUMBER})|(?P<number_first>{_SHOE_NUMBER})\s*(?P<system_after>eu|uk|us)"
    rf"|(?P<name>{_SIZE_NAMES}))(?![\w.])")


@dataclass
class Interpretation:
    text: str = ""  # the words left to search for
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    currency: str | None = None
    in_stock: bool | None = None
    colors: list[str] = field(default_factory=list)
    sizes: list[str] = field(default_factory=list)
    category: dict | None = None  # {"id", "name", "slug"}
    sort: str | None = None  # "price" when the shopper asked for cheap things

    def as_dict(self) -> dict:
        data = asdict(self)
        for key in ("min_price", "max_price"):
            if data[key] is not None:
                data[key] = f"{data[key]:.2f}"
        return data


def _amount(raw: str | None) -> Decimal | None:
    """"300", "1,500", "2.5k", "99,90" as a Decimal."""
    if not raw:
        return None
    raw = raw.strip().lower().replace(" ", "")
    thousands = raw.endswith("k")
    raw = raw.rstrip("k")
    raw = raw.replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+", raw) else raw.replace(",", ".")
    try:
        value = Decimal(raw) * (1000 if thousands else 1)
    except InvalidOperation:
        return None
    return value if value <= MAX_PRICE else None  # no price is that high: not a price


def _currency_in(fragment: str) -> str | None:
    for token in re.findall(r"gh₵|gh¢|₵|₦|\$|€|£|[a-z]+", fragment):
        if token in CURRENCY_WORDS:
            return CURRENCY_WORDS[token]
    return None


def parse_query(query: str, *, categories: list[dict] | tuple = ()) -> Interpretation:
    """`categories`: [{"id", "name", "slug"}] to recognise by name (longest names first). Each
    step takes what it understands out of the text and leaves the rest to the next."""
    result = Interpretation()
    text = " " + " ".join(query.lower().split()) + " "
    text = _take_prices(text, result)
    text = _take_stock(text, result)
    text = _take_sizes(text, result)
    text = _take_category(text, result, categories)
    _take_words(text, result)
    return result


def _take_prices(text: str, result: Interpretation) -> str:
    """Price bounds and the currency they were given in, the lower bound first."""
    for kind, pattern in PRICE_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        groups = match.groupdict()
        low, high = _amount(groups.get("low")), _amount(groups.get("high"))
        if kind == "min" and _is_a_year(match, low):
            continue  # "laptop from 2021": a year, not a price
        if kind in ("range", "min") and low is not None and result.min_price is None:
            result.min_price = low
        if kind in ("range", "max") and high is not None and result.max_price is None:
            result.max_price = high
        result.currency = result.currency or _currency_in(match.group(0))
        text = text[:match.start()] + " " + text[match.end():]
    if result.min_price is not None and result.max_price is not None and result.min_price > result.max_price:
        result.min_price, result.max_price = result.max_price, result.min_price
    return text


def _is_a_year(match: re.Match, low: Decimal | None) -> bool:
    """"from 2021" without a currency."""
    return (match.group(0).strip().startswith("from") and low is not None and 1900 <= low <= 2100
            and not _currency_in(match.group(0)))


def _take_stock(text: str, result: Interpretation) -> str:
    if IN_STOCK.search(text):
        result.in_stock = True
        text = IN_STOCK.sub(" ", text)
    return text


def _take_sizes(text: str, result: Interpretation) -> str:
    """Sizes said as "size 42", "size m", "eu 42", "uk 8", "medium", "extra large", "xxl", each
    in its canonical spelling (products.search.text): "medium" is M, "xxl" is 2XL."""
    for match in SIZE_MENTION.finditer(text):
        groups = match.groupdict()
        value = (groups["value"] or groups["name"]
                 or f"{groups['system'] or groups['system_after']} {groups['number'] or groups['number_first']}")
        result.sizes.append(display_size(value))
    return SIZE_MENTION.sub(" ", text)


def display_size(value: str) -> str:
    """A size as the interpretation shows it: "medium" → "M", "eu 42" → "42", "uk 8" → "UK8"."""
    canonical = sorted(size_tokens(value))
    return (canonical[0] if canonical else " ".join(fold(value).split())).upper()


def _take_category(text: str, result: Interpretation, categories: list[dict] | tuple) -> str:
    """The first category named, longest names first ("running shoes" before "shoes")."""
    for category in sorted(categories, key=lambda c: -len(c["name"])):
        match = _category_named_in(text, category)
        if match:
            result.category = {"id": category["id"], "name": category["name"], "slug": category["slug"]}
            return text[:match.start] + " " + text[match.end:]
    return text


@dataclass(frozen=True)
class _Span:
    start: int
    end: int


def _same_word(typed: str, named: str) -> bool:
    """One word, in any of its forms (English or French stems) and with or without accents."""
    typed, named = fold(typed), fold(named)
    return typed == named or any(a == b for a, b in zip(stems(typed), stems(named), strict=True))


def _category_named_in(text: str, category: dict) -> _Span | None:
    """Where the text names the category, by its name or its slug, in any word form ("dress"
    names "Dresses", "chaussure" names "Chaussures")."""
    typed = list(re.finditer(r"[^\W_]+", text))
    for name in {category["name"], category["slug"].replace("-", " ")}:
        named = re.findall(r"[^\W_]+", name.lower().replace("'", " "))
        for i in range(len(typed) - len(named) + 1) if named else ():
            if all(_same_word(typed[i + k].group(), word) for k, word in enumerate(named)):
                return _Span(typed[i].start(), typed[i + len(named) - 1].end())
    return None


def _take_words(text: str, result: Interpretation) -> None:
    """Colours (in English or French, "gray" as "grey", "navy blue" as navy) and "cheap" among
    the words left; the others are searched for."""
    remaining = []
    words = re.findall(r"[\w'’-]+", text)
    i = 0
    while i < len(words):
        word, pair = words[i], fold(" ".join(words[i:i + 2]))
        if i + 1 < len(words) and pair in COLOUR_PHRASES:
            result.colors.append(COLOUR_PHRASES[pair])
            i += 1
        elif colour_of(fold(word)):
            result.colors.append(colour_of(fold(word)))
        elif word in CHEAP_WORDS:
            result.sort = "price"
        elif word not in STOPWORDS:
            remaining.append(word)
        i += 1
    # Each once, and a few at most: every one is a filter the database has to apply.
    result.colors = list(dict.fromkeys(result.colors))[:MAX_TERMS]
    result.sizes = list(dict.fromkeys(result.sizes))[:MAX_TERMS]
    result.text = " ".join(remaining[:12])
