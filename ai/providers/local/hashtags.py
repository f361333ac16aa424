"""Hashtags for a product on a platform: the product's own words first (the seller's tags, the
name, the category, materials, colours), then what its audience follows (the kind of product,
the market its currency says it sells in, the platform), then the shopping tags everyone uses."""

from __future__ import annotations

import re
from itertools import chain, zip_longest

from ai.providers.local import lexicon
from ai.providers.local.facts import Product, facts_in, product_kind
from ai.rules import clean_hashtags, hashtag_limit, to_hashtag
from sellflow.platforms import Platform

SPECIFIC_SHARE = 0.5  # of the tags asked for, this share describes the product itself
AUDIENCE_SHARE = 0.3

GENERIC = {
    "en": ["#ShopLocal", "#SmallBusiness", "#SupportSmallBusiness", "#ShopSmall", "#OnlineShopping",
           "#NewArrivals", "#SupportLocal", "#ShopNow", "#BuyLocal", "#ShopOnline", "#OrderNow", "#MustHave",
           "#ShopWithUs", "#TreatYourself", "#GiftIdeas", "#OnlineStore", "#RetailTherapy", "#SmallShop",
           "#LocalBusiness", "#NewIn", "#ShoppingTime", "#DailyFinds", "#QualityFinds", "#ShopSmallBusiness",
           "#LocalBrand", "#ShoppingOnline", "#Trending", "#Deals"],
    "fr": ["#BoutiqueEnLigne", "#CommerceLocal", "#PetiteEntreprise", "#AchatEnLigne", "#ConsommerLocal",
           "#Nouveautes", "#AcheterLocal", "#ShoppingEnLigne", "#BonPlan", "#IdeeCadeau", "#FaitesVousPlaisir",
           "#CommandezMaintenant", "#Tendance", "#Shopping"],
}
PLATFORM_TAGS = {
    Platform.INSTAGRAM: {"en": ["#InstaShop", "#ShopOnInstagram", "#InstaShopping", "#InstaGood", "#InstaDaily"],
                         "fr": ["#BoutiqueInstagram", "#InstaShop", "#InstaShopping"]},
    Platform.TIKTOK: {"en": ["#TikTokMadeMeBuyIt", "#TikTokShop", "#TikTokFinds", "#SmallBusinessCheck", "#FYP"],
                      "fr": ["#TikTokMaFaitAcheter", "#TikTokMadeMeBuyIt", "#TikTokShop", "#FYP"]},
    Platform.FACEBOOK: {"en": ["#FacebookMarketplace", "#ShopOnFacebook", "#FacebookShop"],
                        "fr": ["#MarketplaceFacebook", "#FacebookMarketplace", "#ShopOnFacebook"]},
    Platform.WHATSAPP: {"en": ["#ShopOnWhatsApp", "#WhatsAppBusiness", "#OrderOnWhatsApp"],
                        "fr": ["#CommandeWhatsApp", "#WhatsAppBusiness", "#ShopOnWhatsApp"]},
    Platform.TWITTER: {"en": ["#SmallBiz", "#NowAvailable", "#BuyNow"], "fr": ["#DisponibleMaintenant", "#SmallBiz"]},
}
# Where the currency says the shop sells.
MARKETS = {
    "GHS": ["#ShopGhana", "#AccraShopping", "#GhanaSmallBusiness", "#Accra", "#Kumasi"],
    "NGN": ["#ShopNigeria", "#LagosShopping", "#NaijaSmallBusiness", "#Lagos", "#Abuja"],
    "XOF": ["#Dakar", "#Abidjan", "#BoutiqueDakar", "#BoutiqueAbidjan", "#AfriqueDeLOuest"],
    "XAF": ["#Douala", "#Yaounde", "#Libreville", "#AfriqueCentrale"],
    "KES": ["#ShopKenya", "#NairobiShopping", "#Nairobi"],
}
AFRICAN_CURRENCIES = {"GHS", "NGN", "XOF", "XAF", "KES", "ZAR", "GMD", "SLE", "LRD", "GNF", "RWF", "UGX", "TZS"}
KIND_TAGS = {
    "african_print": {"en": ["#AfricanPrint", "#AfricanFashion"], "fr": ["#ModeAfricaine", "#AfricanPrint"]},
    "fashion": {"en": ["#OOTD", "#StyleInspo", "#OutfitIdeas", "#FashionStyle"],
                "fr": ["#Mode", "#Style", "#OOTD", "#Tenue"]},
    "beauty": {"en": ["#NaturalSkincare", "#SkincareRoutine", "#SelfCare", "#Skincare"],
               "fr": ["#SoinNaturel", "#SoinDeLaPeau", "#Beaute", "#CosmetiqueNaturelle"]},
    "tech": {"en": ["#Gadgets", "#TechDeals", "#Tech", "#TechLovers"], "fr": ["#HighTech", "#Gadgets", "#Tech"]},
    "jewelry": {"en": ["#Jewelry", "#Accessories", "#JewelryLovers"], "fr": ["#Bijoux", "#Accessoires"]},
    "home": {"en": ["#HomeDecor", "#HomeStyle", "#InteriorDecor"], "fr": ["#Deco", "#DecoMaison"]},
    "food": {"en": ["#Foodie", "#Foodstuff"], "fr": ["#Gourmandise", "#Epicerie"]},
}
PRINT_TAGS = {"ankara": ["#AnkaraStyles", "#AnkaraFashion"], "kente": ["#KenteStyles", "#KenteCloth"],
              "wax": ["#ModeWax"], "adire": ["#AdireFashion"], "aso oke": ["#AsoOke"]}
# A print tag naming a kind of thing is only for that kind: #KenteCloth is not for kente sandals.
PRINT_TAG_NOUNS = {"#KenteCloth": re.compile(r"\b(?:cloth|cloths|fabrics?|textiles?|stoles?|scarf|scarves|shawls?|"
                                            r"wraps?|yards?|pagnes?|tissus?|kente)$", re.IGNORECASE)}
AFRICAN_BUSINESS = {"en": ["#SupportAfricanBusiness", "#AfricanBusiness"],
                    "fr": ["#EntrepreneuriatAfricain", "#SupportAfricanBusiness"]}
SALE = {"en": ["#Sale", "#Discount"], "fr": ["#Promo", "#Reduction"]}
LIMITED = {"en": "#LimitedStock", "fr": "#StockLimite"}
GIFT = {"en": "#GiftIdeas", "fr": "#IdeeCadeau"}


# Placeholder text is never a tag, alone or inside one (#RedIPSUM, #LoremIpsumDress).
JUNK_INSIDE = ("lorem", "ipsum", "placeholder", "consectetur", "adipiscing", "dummytext", "sampletext")
JUNK_WORDS = {"dolor", "amet", "todo", "tbd", "xxx", "xxxx", "asdf", "qwerty", "foo", "bar", "foobar", "null",
              "none", "undefined", "untitled", "dummy", "test", "testing", "sample", "example", "na", "n/a", "tba"}
MIN_TAG_BODY = 2  # "#E" (from a tag "é") says nothing


def _usable(tag: str | None) -> bool:
    if not tag:
        return False
    body = tag.lstrip("#")
    lowered = body.lower()
    return len(body) >= MIN_TAG_BODY and lowered not in JUNK_WORDS and not any(j in lowered for j in JUNK_INSIDE)


def _readable(tag: str | None) -> str | None:
    """'#kente' -> '#Kente': a capital is easier to read and to hear from a screen reader."""
    if not _usable(tag):
        return None
    body = tag[1:]
    return f"#{body[:1].upper()}{body[1:]}" if body.islower() else tag


def _tag(text: str) -> str | None:
    if any(word.lower() in JUNK_WORDS for word in re.findall(r"[\w/]+", text)):
        return None
    return _readable(to_hashtag(re.sub(r"['’]", "", text)))  # "Ama's" -> #Amas, not #AmaS


WEAK_WORDS = {"premium", "genuine", "pro", "pure", "pur", "original", "quality", "best", "classic", "mini",
              "max", "plus", "super", "ultra", "lite", "deluxe", "luxury", "authentic", "real", "top", "high", "big",
              "small", "inch", "edition", "version", "model", "style", "type", "neuf", "qualité", "extra", "box", "set",
              "pack", "case", "kit", "lot", "body", "face", "hand", "home", "women", "men", "ladies", "unisex"}
COLOUR_SEARCHED = {"fashion", "african_print", "jewelry", "home"}  # where shoppers search "#RedDress"
_PHRASE_END = re.compile(r"\s(?:with|for|in|from|by|avec|pour|en)\s", re.IGNORECASE)


def _keywords(text: str) -> list[str]:
    return [w for w in re.findall(r"[\w'’-]+", text) if lexicon.is_keyword(w) and not w.isdigit() and _usable(w)]


def _name_tags(name: str) -> list[str | None]:
    """'Handwoven Kente Stole' -> #HandwovenKenteStole, #KenteStole, #Handwoven, #Kente, #Stole;
    'Tecno Spark 20 Pro' -> #TecnoSpark20Pro; 'Beurre de karité pur' -> #BeurreDeKarite."""
    head = _PHRASE_END.split(name, 1)[0]  # "Kente Stole with Gold Thread" -> "Kente Stole"
    tokens = re.findall(r"[\w'’-]+", head)
    # Words of a phrase such as 'Noise Cancelling' mean nothing alone: the phrase has its own tag.
    covered = {word.lower() for feature in lexicon.FEATURES for match in feature.pattern.finditer(head)
               for word in re.findall(r"[\w'’]+", match.group(0)) if len(match.group(0).split()) > 1}
    tags: list[str | None] = []
    has_unit = any(lexicon.is_unit(token) for token in tokens)
    meaningful = [t for t in tokens if t.lower() not in lexicon.STOPWORDS]
    if 2 <= len(meaningful) <= 4 and not has_unit and len(meaningful) == len(tokens):
        tags.append(_tag(" ".join(tokens)))
    if lexicon.detect_language(name) == "fr":
        french = re.match(r"\s*(\w+)\s+(?:de|d'|du|à)\s*(\w+)", head.replace("’", "'"), re.IGNORECASE)
        if french:
            tags.append(_tag(f"{french.group(1)} de {french.group(2)}"))
    elif len(tokens) >= 2 and all(lexicon.is_keyword(t) and not t.isdigit() for t in tokens[-2:]) \
            and not any(t.lower() in WEAK_WORDS | covered for t in tokens[-2:]):
        tags.append(_tag(" ".join(tokens[-2:])))
    tags += [_tag(word) for word in _keywords(head) if word.lower() not in WEAK_WORDS | covered]
    return tags


def _head_noun(name: str) -> str:
    """The thing the product is ('Leather Sandals' -> 'Sandals'): never a colour, a material,
    a feature or a print, so a colour is only ever joined to the product's own noun."""
    words = [w for w in _keywords(_PHRASE_END.split(name, 1)[0]) if w.lower() not in WEAK_WORDS]
    if not words:
        return ""
    head = words[-1]
    lowered = head.lower()
    if lowered in lexicon.COLOURS_FR or lowered in lexicon.COLOUR_WORDS_FR or not head.isalpha() \
            or any(m.pattern.fullmatch(head) for m in lexicon.MATERIALS) \
            or any(f.pattern.fullmatch(head) for f in lexicon.FEATURES) or lexicon.AFRICAN_PRINT.fullmatch(head):
        return ""
    return head


def _fits_noun(tag: str | None, head: str) -> bool:
    return bool(tag) and (tag not in PRINT_TAG_NOUNS or bool(head and PRINT_TAG_NOUNS[tag].search(head)))


def _specific(product: Product, language: str) -> list[str]:
    tags: list[str | None] = [_tag(t) for t in product.tags]
    if not product.name_is_fallback:  # "this item" is no tag
        tags += _name_tags(product.short_name)
    if product.category:
        tags.append(_tag(product.category))
    facts = facts_in(" ".join([product.text_for_facts(), product.notes]))
    head = "" if product.name_is_fallback else _head_noun(product.short_name)
    tags += [tag for tag in (_tag(material.en) for material in facts.materials) if _fits_noun(tag, head)]
    tags += [feature.tag_fr if language == "fr" else feature.tag_en for feature in facts.features]
    if facts.origin:
        tags.append(facts.origin[2])
    if head and product_kind(product) & COLOUR_SEARCHED and lexicon.detect_language(product.short_name) != "fr":
        for group in product.options:
            if group.kind == "colour":
                tags += [_tag(f"{value} {head}") for value in group.values
                         if len(value.split()) == 1 and value.isalpha() and value.lower() in lexicon.COLOURS_FR]
    tags += [occasion.tag for occasion in facts.occasions]
    if facts.gift:
        tags.append(GIFT[language])
    if product.discount_percent:
        tags += SALE[language]
    if product.low_stock:
        tags.append(LIMITED[language])
    return [tag for tag in tags if tag]


def _audience(product: Product, platform: str, language: str) -> list[str]:
    kinds = product_kind(product)
    african = product.currency in AFRICAN_CURRENCIES
    by_kind: list[str] = []
    text = product.text_for_facts().lower()
    head = "" if product.name_is_fallback else _head_noun(product.short_name)
    for word, tags in PRINT_TAGS.items():
        if re.search(rf"\b{word}\b", text):
            by_kind += [tag for tag in tags if _fits_noun(tag, head)]
    for kind in ("african_print", "fashion", "beauty", "tech", "jewelry", "home", "food"):
        if kind in kinds:
            by_kind += KIND_TAGS[kind][language]
    market = MARKETS.get(product.currency, [])
    if african:
        market = market + AFRICAN_BUSINESS[language]
    on_platform = PLATFORM_TAGS[platform][language]
    # Alternate so a few tags already cover the kind, the market and the platform.
    return [tag for tag in chain.from_iterable(zip_longest(by_kind, market, on_platform)) if tag]


def write_hashtags(product: Product, *, platform: str, count: int, language: str) -> list[str]:
    limit = min(count, hashtag_limit(platform))
    if limit <= 0:
        return []
    specific = _specific(product, language)
    audience = _audience(product, platform, language)
    generic = GENERIC[language] + (GENERIC["en"] if language != "en" else [])
    first = max(round(limit * SPECIFIC_SHARE), 1)
    second = max(round(limit * AUDIENCE_SHARE), 1 if limit > 1 else 0)
    ordered = specific[:first] + audience[:second] + generic[: max(limit - first - second, 0)] \
        + specific[first:] + audience[second:] + generic
    # Filtered here too, whatever ai.rules.to_hashtag keeps: no one-letter or placeholder tags.
    return clean_hashtags([tag for tag in ordered if _usable(tag)], limit=limit)
