"""Product descriptions in three styles and three lengths, in English and French, from the
product's own facts: professional is measured and in the third person, casual talks to the
reader warmly, persuasive sells the benefits and asks for the order."""

from __future__ import annotations

from dataclasses import dataclass

from ai.providers.local.facts import (
    Facts,
    Notes,
    OptionGroup,
    Product,
    as_plural,
    capitalize,
    category_in,
    delivery_terms,
    elide,
    facts_in,
    is_plural_name,
    join_words,
    notes_from,
    option_label,
    option_values,
    pick,
    shop_fallback,
    stable_index,
    with_article,
    without,
    words,
)
from ai.providers.local.lexicon import detect_language
from ai.providers.local.phrases import DESCRIPTION_PHRASES

# Word counts: (at least, aim for, at most).
LENGTHS = {"short": (30, 46, 60), "medium": (70, 100, 130), "long": (140, 190, 250)}
STYLES = ("professional", "casual", "persuasive")
MAX_OPTION_VALUES = 8

# "colour:..." is said only of products offered in colours, "delivery:..." only when the shop stated
# its delivery terms, "low:..." only when few are left, "stock:..." only when it can be ordered now.
# No filler promises what the data does not say (photos, speed, delivery, scarcity).
FILLER_NEEDS = {"options", "colour", "currency", "delivery", "low", "stock"}
CURRENCY_NAMES = {
    "en": {"GHS": "Ghanaian cedis", "NGN": "Nigerian naira", "XOF": "CFA francs", "XAF": "CFA francs",
           "USD": "US dollars", "EUR": "euros", "GBP": "pounds sterling", "KES": "Kenyan shillings"},
    "fr": {"GHS": "cedis ghanéens", "NGN": "nairas nigérians", "XOF": "francs CFA", "XAF": "francs CFA",
           "USD": "dollars américains", "EUR": "euros", "GBP": "livres sterling", "KES": "shillings kényans"},
}
SHOP_FALLBACK = {"en": "our shop", "fr": "notre boutique"}
MORE = {"en": "more", "fr": "d'autres encore"}


@dataclass
class Piece:
    paragraph: int
    rank: int  # 0 always kept, then added in rank order while there is room
    text: str


# --- Options, the way each style says them -----------------------------------------------------

def options_phrase(groups: list[OptionGroup], language: str, style: str) -> str:
    either = "and" if style == "professional" else "or"
    parts = []
    for group in groups:
        values = option_values(group, language)
        extra = len(values) > MAX_OPTION_VALUES
        values = values[:MAX_OPTION_VALUES] + ([MORE[language]] if extra else [])
        listed = join_words(values, language, "and" if extra else either)
        label = option_label(group, language)
        if language == "fr" and style != "professional":
            parts.append(f"{label} {listed}")  # "Au choix : coloris doré ou vert, tailles M ou L"
        elif group.kind == "colour":
            parts.append(f"en coloris {listed}" if language == "fr" else f"in {listed}")
        elif group.kind == "size":
            if language == "fr":
                parts.append(f"en {label} {listed}")
            elif len(values) > 1 and either == "and":
                parts.append(f"in sizes {listed}")
            else:
                parts.append(f"in size {listed}")
        elif language == "fr":
            article = "d'" if label[:1].lower() in "aeiouéèêh" else "de "
            parts.append(f"avec un choix {article}{label} ({join_words(values, language, 'or')})")
        else:
            parts.append(f"with a choice of {label} ({join_words(values, language, 'or')})")
    return ", ".join(parts)


# --- The pieces of a description -----------------------------------------------------------------

def _facts_to_state(product: Product, notes: Notes, language: str) -> Facts:
    """Facts from the name, tags, category and notes (those the quoted notes already say are
    left out by the caller): notes in another language, or sentences not quoted because they
    are the writer's own earlier copy, still tell what the product is made of."""
    return facts_in(product.text_for_facts() + " " + product.notes, exclude=product.name)


def _pieces(product: Product, language: str, style: str) -> tuple[list[Piece], list[str]]:
    phrases = DESCRIPTION_PHRASES[language][style]
    shop = product.shop or SHOP_FALLBACK[language]
    seed = (product.name, language, style)
    category = category_in(product, language)
    if product.name_is_fallback and category and category.lower() == product.short_name.lower():
        category = None  # "The Sandals are part of the Sandals collection" says it twice
    the_name = with_article(product.short_name) if language == "en" and detect_language(product.short_name) != "fr" \
        else product.short_name
    values = {"name": product.short_name, "the_name": the_name, "The_name": capitalize(the_name), "shop": shop,
              "is": "are" if language == "en" and is_plural_name(product.short_name) else "is",
              "de_shop": elide("de", shop), "category": category or ""}
    pieces: list[Piece] = []

    intro = pick(phrases["intro_category" if category else "intro"], *seed)
    pieces.append(Piece(0, 0, capitalize(intro.format(**values))))

    notes = notes_from(product)
    quoted = " ".join(notes.sentences_in(language) + notes.fragments_in(language))
    facts = without(_facts_to_state(product, notes, language), quoted)
    features = [feature.fr if language == "fr" else feature.en for feature in facts.features]
    if facts.origin:
        features.append(f"fabriqué {facts.origin[1]}" if language == "fr" else f"made in {facts.origin[0]}")
    if features:
        benefits = list(dict.fromkeys(
            (f.benefit_fr if language == "fr" else f.benefit_en) for f in facts.features if f.benefit_en))[:2]
        template = phrases["features"]
        if style == "persuasive" and not benefits:
            template = phrases["features_plain"]
        pieces.append(Piece(0, 1, template.format(features=join_words(features, language),
                                                  benefits=join_words(benefits, language))))
    materials = [m.fr if language == "fr" else m.en for m in facts.materials]
    if materials:
        key = ("ingredients" if all(m.ingredient for m in facts.materials) else "materials") \
            + ("" if len(materials) > 1 else "_one")
        pieces.append(Piece(1, 3, phrases[key].format(materials=join_words(materials, language))))

    for sentence in notes.sentences_in(language):
        pieces.append(Piece(1, 2, sentence))
    details = notes.fragments_in(language)[:5]
    if details:
        listed = "; ".join([details[0]] + [d[:1].lower() + d[1:] if not d[:2].isupper() else d
                                            for d in details[1:]])
        pieces.append(Piece(1, 2, phrases["details"].format(details=listed)))

    if facts.occasions:
        occasions = [o.fr if language == "fr" else o.en for o in facts.occasions]
        pieces.append(Piece(1, 3, phrases["occasions"].format(occasions=join_words(occasions, language))))
    if facts.gift:
        pieces.append(Piece(1, 3, phrases["gift"]))

    if product.options:
        pieces.append(Piece(2, 0, phrases["options"].format(options=options_phrase(product.options, language,
                                                                                     style))))
    if product.price is not None:
        money = {"price": product.money(product.price, language),
                 "compare": product.money(product.compare_at_price, language),
                 "pct": product.discount_percent, "min_price": product.money(product.lowest_variant_price, language)}
        key = "price_sale" if product.discount_percent else "price_from" if product.lowest_variant_price else "price"
        pieces.append(Piece(2, 0, phrases[key].format(**money)))
    if not product.in_stock:
        pieces.append(Piece(2, 0, phrases["out"].format(**values)))
    elif product.low_stock:
        key = "last" if product.stock_quantity == 1 else "low"
        pieces.append(Piece(2, 0 if style != "professional" else 1, phrases[key].format(q=product.stock_quantity)))
    else:
        pieces.append(Piece(2, 3, phrases["in_stock"]))
    if style == "persuasive":
        pieces.append(Piece(4, 0, pick(phrases["cta"], *seed, "cta").format(**values)))

    aspect = phrases["aspect_options" if product.options else "aspect"]
    kinds = {"options"} if product.options else set()
    kinds |= {"colour"} if any(group.kind == "colour" for group in product.options) else set()
    kinds |= {"currency"} if product.currency in CURRENCY_NAMES[language] else set()
    kinds |= {"delivery"} if product.delivers else set()
    kinds |= {"low"} if product.low_stock else set()
    kinds |= {"stock"} if product.in_stock else set()
    values["currency_name"] = CURRENCY_NAMES[language].get(product.currency, "")
    values["delivery_terms"] = delivery_terms(product, language)
    fillers = []
    for filler in phrases["fillers"]:
        needs, _, text = filler.partition(":") if filler.split(":", 1)[0] in FILLER_NEEDS else ("", "", filler)
        if not needs or needs in kinds:
            fillers.append(text.format(**values, aspect=aspect))
    start = stable_index(len(fillers), *seed, "fillers")
    return pieces, fillers[start:] + fillers[:start]


def _assemble(pieces: list[Piece], fillers: list[str], length: str) -> list[Piece]:
    low, aim, high = LENGTHS[length]
    chosen = [p for p in pieces if p.rank == 0]
    total = sum(words(p.text) for p in chosen)
    for rank in (1, 2, 3):
        for piece in pieces:
            if piece.rank == rank and total + words(piece.text) <= (aim if rank > 1 else high):
                chosen.append(piece)
                total += words(piece.text)
    for filler in fillers:
        if total >= low:
            break
        if total + words(filler) <= high:
            chosen.append(Piece(3, 4, filler))
            total += words(filler)
    # Too long even so (a huge name or many options): let go of the least needed.
    while total > high and any(p.rank > 0 for p in chosen):
        drop = max((p for p in chosen if p.rank > 0), key=lambda p: (p.rank, chosen.index(p)))
        chosen.remove(drop)
        total -= words(drop.text)
    order = {id(p): i for i, p in enumerate(pieces)}
    return sorted(chosen, key=lambda p: (p.paragraph, order.get(id(p), len(order))))


def _paragraphs(chosen: list[Piece]) -> str:
    """About the product, then the details (options, price, stock), then how to buy; a long
    first part splits before the seller's notes, a lonely sentence joins its neighbour."""
    about = [p.text for p in chosen if p.paragraph == 0]
    notes = [p.text for p in chosen if p.paragraph == 1]
    if sum(words(t) for t in about + notes) > 80 and len(notes) > 1:
        groups = [about, notes]
    else:
        groups = [about + notes]
    groups += [[p.text for p in chosen if p.paragraph == 2], [p.text for p in chosen if p.paragraph >= 3]]
    merged: list[list[str]] = []
    for sentences in groups:
        if not sentences:
            continue
        if merged and (len(sentences) == 1 or len(merged[-1]) == 1):
            merged[-1].extend(sentences)
        else:
            merged.append(list(sentences))
    return "\n\n".join(" ".join(sentences) for sentences in merged)


def write_description(product: Product, *, language: str, style: str, length: str) -> str:
    style = style if style in STYLES else "professional"
    length = length if length in LENGTHS else "medium"
    pieces, fillers = _pieces(product, language, style)
    text = shop_fallback(_paragraphs(_assemble(pieces, fillers, length)), language, bool(product.shop))
    return as_plural(text, product.short_name) if language == "en" and is_plural_name(product.short_name) else text
