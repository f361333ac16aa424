"""Social posts shaped for each platform: X in a sentence or two, Instagram with a hook and
short lines, Facebook a little longer, WhatsApp as a catalog message, TikTok punchy. The body
is written to fit the platform's limit with its hashtags; the tone picks the words and emojis."""

from __future__ import annotations

import re

from ai.providers.local import lexicon
from ai.providers.local.description import options_phrase
from ai.providers.local.facts import (
    Product,
    as_plural,
    capitalize,
    category_in,
    elide,
    facts_in,
    is_plural_name,
    join_words,
    notes_from,
    option_label,
    option_values,
    pick,
    shop_fallback,
    with_article,
)
from ai.providers.local.hashtags import write_hashtags
from ai.providers.local.lexicon import detect_language
from ai.providers.local.phrases import CALLS_TO_ACTION, HOOKS, POST_WORDS, TIKTOK_HOOKS, WHATSAPP_OPENERS
from ai.rules import POST_LIMITS, clip, hashtag_limit, platform_length
from sellflow.platforms import Platform

TONES = ("friendly", "professional", "playful", "urgent", "elegant")
CALL_TO_ACTION_MAX = 200
X_BODY_TARGET = 200  # an X post reads best well under its 280
PITCH_MAX = {Platform.TWITTER: 0, Platform.TIKTOK: 110, Platform.WHATSAPP: 160, Platform.INSTAGRAM: 220,
             Platform.FACEBOOK: 400}

# Line markers per tone on Instagram and TikTok; professional and elegant posts use none.
LINE_EMOJIS = {
    "friendly": {"colour": "🎨 ", "size": "📏 ", "other": "✔️ ", "price": "💰 ", "stock": "📦 ", "cta": " 📩"},
    "playful": {"colour": "🌈 ", "size": "📐 ", "other": "👉 ", "price": "🏷️ ", "stock": "📦 ", "cta": " 💌"},
    "urgent": {"colour": "", "size": "", "other": "", "price": "", "stock": "⏳ ", "cta": ""},
}


def clean_call_to_action(value) -> str:
    """The seller's own words, kept as written: one line, a sensible length."""
    if not isinstance(value, str):
        return ""
    text = re.sub(r"[\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2060-\u2064]", " ", value)
    text = re.sub(r"\s+", " ", text).strip()
    return clip(text, CALL_TO_ACTION_MAX) if text else ""


class PostWriter:
    def __init__(self, product: Product, *, platform: str, language: str, tone: str, include_price: bool,
                 call_to_action: str):
        self.product = product
        self.platform = platform
        self.language = language
        self.tone = tone if tone in TONES else "friendly"
        self.include_price = include_price and product.price is not None
        self.call_to_action = call_to_action
        self.words = POST_WORDS[language]
        self.seed = (product.name, platform, language, self.tone)
        self.emojis = LINE_EMOJIS.get(self.tone, {})
        self.name = product.short_name
        if platform == Platform.TWITTER and len(self.name) > 60:
            self.name = clip(self.name, 60)

    # --- Pieces -------------------------------------------------------------------------------------

    def fields(self) -> dict:
        product = self.product
        shop = product.shop or ("our shop" if self.language == "en" else "notre boutique")
        the_name = with_article(self.name) if self.language == "en" and detect_language(self.name) != "fr" \
            else self.name
        return {"name": self.name, "the_name": the_name, "The_name": capitalize(the_name), "shop": shop,
                "de_shop": elide("de", shop),
                "q": product.stock_quantity, "price": product.money(product.price, self.language),
                "compare": product.money(product.compare_at_price, self.language), "pct": product.discount_percent,
                "min_price": product.money(product.lowest_variant_price, self.language)}

    def hook_key(self) -> str:
        product = self.product
        if self.tone != "urgent":
            return self.tone
        if not product.in_stock:
            return "urgent_out"
        if product.low_stock:
            return "urgent_last" if product.stock_quantity == 1 else "urgent_low"
        if product.discount_percent and self.include_price:
            return "urgent_sale"
        return "urgent"

    def hook(self) -> str:
        key = self.hook_key()
        if self.platform == Platform.TIKTOK and key in TIKTOK_HOOKS[self.language]:
            template = TIKTOK_HOOKS[self.language][key]
        else:
            template = pick(HOOKS[self.language][key], *self.seed)
        return capitalize(template.format(**self.fields()))

    def hook_tells_stock(self) -> bool:
        return self.hook_key() in ("urgent_low", "urgent_last", "urgent_out")

    def pitch(self, limit: int) -> list[str]:
        """What the product is, in a sentence or two from the seller's notes or its known facts."""
        if limit <= 0:
            return []
        product = self.product
        notes = notes_from(product).sentences_in(self.language)
        chosen: list[str] = []
        for sentence in notes:
            if sum(len(s) + 1 for s in chosen) + len(sentence) <= limit:
                chosen.append(sentence)
            if len(chosen) >= 2:
                break
        if chosen:
            return chosen
        sources = product.text_for_facts() + " " + product.notes
        facts = facts_in(sources, exclude=product.name)
        features = [f.fr if self.language == "fr" else f.en for f in facts.features]
        if facts.origin:
            features.append(f"fabriqué {facts.origin[1]}" if self.language == "fr" else f"made in {facts.origin[0]}")
        lines = []
        materials = [m.fr if self.language == "fr" else m.en for m in facts.materials]
        if features:
            lines.append(capitalize(self.words["features"].format(features=join_words(features, self.language))))
        if materials:
            key = ("ingredients" if all(m.ingredient for m in facts.materials) else "materials") \
                + ("" if len(materials) > 1 else "_one")
            lines.append(self.words[key].format(materials=join_words(materials, self.language)))
        if not lines and product.category:
            lines.append(self.words["from_category"].format(category=category_in(product, self.language)))
        if facts.occasions and self.platform in (Platform.INSTAGRAM, Platform.FACEBOOK):
            occasions = join_words([o.fr if self.language == "fr" else o.en for o in facts.occasions], self.language)
            lines.append(self.words["occasions"].format(occasions=occasions))
        return [line for line in lines if len(line) <= limit]

    def option_lines(self) -> list[str]:
        lines = []
        for group in self.product.options:
            label = capitalize(option_label(group, self.language))
            values = ", ".join(option_values(group, self.language)[:10])
            marker = self.emojis.get(group.kind, "")
            lines.append(f"{marker}{label}{self.words['colon']}{values}")
        return lines

    def compact_options(self) -> str:
        more = " et plus" if self.language == "fr" else " and more"
        parts = [join_words(values, self.language, "or") if len(values) <= 4 else ", ".join(values[:4]) + more
                 for values in (option_values(group, self.language) for group in self.product.options)]
        return capitalize(" · ".join(part for part in parts if part))

    def price_line(self) -> str:
        if not self.include_price:
            return ""
        product = self.product
        key = "price_sale" if product.discount_percent else "price_from" if product.lowest_variant_price else "price"
        return self.emojis.get("price", "") + self.words[key].format(**self.fields())

    def short_price(self) -> str:
        if not self.include_price:
            return ""
        product = self.product
        key = "short_price_sale" if product.discount_percent else "short_price_from" \
            if product.lowest_variant_price else "short_price"
        return self.words[key].format(**self.fields())

    def stock_line(self, *, always: bool = False, marked: bool = True, after_hook: bool = True) -> str:
        product = self.product
        if after_hook and self.hook_tells_stock():
            return ""
        if not product.in_stock:
            text = self.words["out"]
        elif product.low_stock:
            text = self.words["last" if product.stock_quantity == 1 else "low"].format(q=product.stock_quantity)
        elif always:
            text = self.words["in_stock"]
        else:
            return ""
        calm = self.tone in ("professional", "elegant") or text == self.words["in_stock"]
        marker = self.emojis.get("stock", "") if marked else ""
        return marker + text + ("." if calm else " !" if self.language == "fr" else "!")

    def closing(self) -> str:
        if self.call_to_action:
            return self.call_to_action
        if not self.product.in_stock:
            return ""  # the stock line already asks them to write to reserve one
        return CALLS_TO_ACTION[self.language][self.platform] + self.emojis.get("cta", "")

    def order_hint(self) -> str:
        choices = []
        for group in self.product.options[:3]:
            key = f"choice_{group.kind}"
            label = option_label(group, self.language)
            choices.append(self.words[key].format(label=label))
        if not choices:
            return ""
        return self.words["order_hint"].format(choices=join_words(list(dict.fromkeys(choices)), self.language))

    # --- Platforms: each returns versions from the richest to the barest ------------------------------

    def versions(self) -> list[str]:
        return {
            Platform.TWITTER: self.twitter, Platform.INSTAGRAM: self.instagram, Platform.FACEBOOK: self.facebook,
            Platform.WHATSAPP: self.whatsapp, Platform.TIKTOK: self.tiktok,
        }[self.platform]()

    def short_hook(self, name: str | None = None) -> str:
        """The name alone, when the hook leaves no room for the price and the seller's words."""
        calm = self.tone in ("professional", "elegant")
        return capitalize(name or self.name) + ("." if calm else " !" if self.language == "fr" else "!")

    def twitter(self) -> list[str]:
        """Every version keeps the price (when asked) and the seller's call to action: the hook
        gives way first, then the hashtags (write_post), then the name is shortened."""
        hook, price, stock, closing = self.hook(), self.short_price(), self.stock_line(marked=False), self.closing()
        plain_stock = self.stock_line(marked=False, after_hook=False)
        short = self.short_hook()
        return [_line(hook, price, stock, closing), _line(hook, price, closing),
                _line(short, price, plain_stock, closing), _line(short, price, closing)]

    def minimal(self, room: int, *, named: bool = True) -> str:
        """The name cut to whatever the price, the stock and the call to action leave ('' when
        that is too little and `named`)."""
        rest = _line(self.short_price(), self.stock_line(marked=False, after_hook=False), self.closing())
        name_room = room - platform_length(rest, self.platform) - 3
        tokens = self.name.split()
        head: list[str] = []
        for token in tokens:  # whole words, no ellipsis: "Handwoven Kente!", not "Handwoven…!"
            if platform_length(" ".join(head + [token]), self.platform) > name_room:
                break
            head.append(token)
        while head and head[-1].lower().strip(",;:-") in lexicon.STOPWORDS:
            head.pop()
        name = " ".join(head).strip(" ,;:-–—|(/") if len(head) >= min(2, len(tokens)) else ""
        if named and not name:
            return ""
        return _line(self.short_hook(name) if name else "", rest)

    def instagram(self) -> list[str]:
        hook, closing = self.hook(), self.closing()
        pitch = self.pitch(PITCH_MAX[Platform.INSTAGRAM])
        details = self.option_lines() + [self.price_line(), self.stock_line()]
        full = _blocks([hook], pitch, details, [closing])
        return [full, _blocks([hook], pitch[:1], details, [closing]),
                _blocks([hook], [self.price_line(), self.stock_line()], [closing]), _blocks([hook], [closing])]

    def facebook(self) -> list[str]:
        hook, closing = self.hook(), self.closing()
        pitch = self.pitch(PITCH_MAX[Platform.FACEBOOK])
        options = options_phrase(self.product.options, self.language, "professional")
        available = ("Disponible " if self.language == "fr" else "Available ") + options + "." if options else ""
        price = self.price_line()
        details = " ".join(part for part in (available, price + "." if price else "", self.stock_line()) if part)
        return [_blocks([hook], [" ".join(pitch)], [details], [closing]),
                _blocks([hook], [" ".join(pitch[:1])], [details], [closing]),
                _blocks([hook], [details], [closing]), _blocks([hook], [closing])]

    def whatsapp(self) -> list[str]:
        opener = WHATSAPP_OPENERS[self.language][self.tone].format(**self.fields())
        if self.tone == "urgent" and self.hook_tells_stock():
            opener = self.hook()
        title = f"*{capitalize(self.name) if self.product.name_is_fallback else self.name}*"
        pitch = self.pitch(PITCH_MAX[Platform.WHATSAPP])[:1]
        details = [self.price_line()] + self.option_lines() + [self.stock_line(always=True)]
        ordering = [self.order_hint(), self.closing()]
        return [_blocks([opener, title] + pitch, details, ordering), _blocks([opener, title], details, ordering),
                _blocks([title], [self.price_line()], [self.closing()]), _blocks([title], [self.closing()])]

    def tiktok(self) -> list[str]:
        hook, closing = self.hook(), self.closing()
        pitch = self.pitch(PITCH_MAX[Platform.TIKTOK])[:1]
        options = self.compact_options()
        price = self.short_price()
        price = (self.emojis.get("price", "") + price) if price else ""
        lines = [hook] + pitch + [options, price, self.stock_line(), closing]
        return ["\n".join(line for line in lines if line), _line(hook, price, closing).replace(". ", ".\n"),
                "\n".join(line for line in (hook, closing) if line)]


def _line(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _blocks(*blocks: list[str]) -> str:
    """Blocks of lines separated by a blank line, empty lines and blocks left out."""
    kept = ["\n".join(line for line in block if line) for block in blocks]
    return "\n\n".join(block for block in kept if block)


def write_post(product: Product, *, platform: str, language: str, tone: str, include_price: bool,
               hashtag_count: int, max_chars: int, call_to_action) -> tuple[str, list[str]]:
    """(body without hashtags, hashtags): the body fits the limit with the hashtags after it."""
    limit = min(max_chars, POST_LIMITS[platform]) if max_chars > 0 else POST_LIMITS[platform]
    count = min(max(hashtag_count, 0), hashtag_limit(platform))
    tags = write_hashtags(product, platform=platform, count=count, language=language) if count else []
    while tags and platform_length(" ".join(tags), platform) > limit // 3:  # as ai.rules.compose_post does
        tags.pop()

    def room(kept: list[str]) -> int:
        return limit - (platform_length("\n\n" + " ".join(kept), platform) if kept else 0)

    writer = PostWriter(product, platform=platform, language=language, tone=tone, include_price=include_price,
                        call_to_action=clean_call_to_action(call_to_action))

    def finish(version: str) -> str:
        if language == "en" and is_plural_name(writer.name):
            version = as_plural(version, writer.name)
        return shop_fallback(version, language, bool(product.shop))

    versions = [finish(version) for version in writer.versions() if version]
    # What the seller asked for is kept: the price when include_price, their call to action.
    essentials = [part for part in (writer.call_to_action, _price_shown(writer)) if part]
    kept = [version for version in versions if all(part in version for part in essentials)]

    def fits(version: str, within: int) -> bool:
        return platform_length(version, platform) <= within

    target = min(room(tags), X_BODY_TARGET) if platform == Platform.TWITTER else room(tags)
    for version in kept:  # the richest version that reads best with every hashtag
        if fits(version, target):
            return version, tags
    for count in range(len(tags), -1, -1):  # then a longer body, then fewer hashtags
        for version in kept:
            if fits(version, room(tags[:count])):
                return version, tags[:count]
        minimal = finish(writer.minimal(room(tags[:count]), named=count > 0))
        if essentials and all(part in minimal for part in essentials) and fits(minimal, room(tags[:count])):
            return minimal, tags[:count]  # with the name, shortened; without it only when no hashtag is left
    for version in versions:
        if fits(version, target):
            return version, tags
    return clip(versions[-1], target, platform), tags


def _price_shown(writer: PostWriter) -> str:
    """The amount the post must show when the seller asked for the price."""
    if not writer.include_price:
        return ""
    product = writer.product
    return product.money(product.lowest_variant_price or product.price, writer.language)
