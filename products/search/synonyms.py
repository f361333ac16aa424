"""Synonyms applied to queries: the operators' SearchSynonym groups, read once per edit
(cached under a generation the admin bumps) and looked up by the stems of their words, so that
"sneaker" finds the group "sneakers, trainers"."""

from dataclasses import dataclass

from django.core.cache import cache

from accounts.cache import bump_generation, read_generation
from products.search.text import query_words, stems

SYNONYMS_GENERATION_KEY = "catalog:synonyms-generation"
MAX_PHRASE_WORDS = 3

# The table shipped with SellFlow (migration 0013 loads it; operators edit it in the admin):
# everyday commerce words of English and French. `=>` where a word has another meaning in the
# other language: "baskets" are sneakers in French, but "sneakers" never finds wicker baskets.
SHIPPED_SYNONYMS = (
    "sneakers, trainers, running shoes",
    "baskets => sneakers",
    "phone, smartphone, mobile phone, cellphone, cell phone, téléphone",
    "portable, mobile => phone",
    "tee, t-shirt, tshirt, tee shirt",
    "handbag, purse, sac à main",
    "bag, sac",
    "backpack, rucksack, sac à dos, school bag",
    "trousers, pants, pantalon",
    "sofa, couch, settee, canapé",
    "laptop, notebook computer, ordinateur portable",
    "earbuds, earphones, écouteurs",
    "headphones, headset",
    "casque => headphones",
    "charger, chargeur",
    "watch, wristwatch, montre",
    "necklace, collier",
    "earrings, boucles d'oreilles",
    "bracelet, bangle",
    "jewellery, jewelry, bijoux",
    "perfume, fragrance, cologne, parfum",
    "shoes, footwear, chaussures",
    "sandals, slippers, sandales",
    "dress, gown",
    "robe => dress",
    "skirt, jupe",
    "shirt, chemise",
    "jacket, veste",
    "cap, hat, casquette",
    "soap, savon",
    "shea butter, karité",
    "lotion, body cream, moisturiser, moisturizer",
    "hair extensions, weave, weavon, mèches",
    "wig, perruque",
    "fabric, cloth, tissu",
    "ankara, wax print, african print, pagne",
    "kente, kente cloth",
    "rice, riz",
    "pepper sauce, chilli sauce, hot sauce, piment",
    "fridge, refrigerator, réfrigérateur",
    "tv, television, télévision",
    "power bank, powerbank, batterie externe",
    "enceinte => speaker",
    "glasses, spectacles, lunettes",
    "sunglasses, shades, lunettes de soleil",
    "wallet, portefeuille",
    "kids, children, enfants",
    "baby, bébé",
)


@dataclass(frozen=True)
class SynonymTable:
    """Groups of phrases (each a tuple of folded words), found by the stems of a phrase."""

    groups: tuple[tuple[tuple[str, ...], ...], ...]
    by_stems: dict[tuple[tuple[str, ...], str], int]

    def group_of(self, phrase: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
        """The phrases that mean the same as `phrase` (itself included), or ()."""
        for language in (0, 1):
            key = (tuple(stems(word)[language] for word in phrase), str(language))
            if key in self.by_stems:
                return self.groups[self.by_stems[key]]
        return ()


def build_table(rules: list[str]) -> SynonymTable:
    """`rules`: "a, b, c" (each finds the others) or "a, b => c" (a and b also find c; c finds
    only itself: "portable" is a phone in French and a speaker may be portable in English)."""
    groups: list[tuple[tuple[str, ...], ...]] = []
    by_stems: dict[tuple[tuple[str, ...], str], int] = {}
    for rule in rules:
        sources, one_way, targets = rule.partition("=>")
        found = [_phrases(sources), _phrases(targets)]
        # "a, b => c": a finds a and c, b finds b and c; a does not find b ("mobile" is no
        # "portable" speaker). "a, b, c": each finds all three.
        for phrases in ([(source, *found[1]) for source in found[0]] if one_way else [found[0]]):
            phrases = tuple(dict.fromkeys(phrases))
            if len(phrases) < 2:
                continue
            for phrase in (phrases[:1] if one_way else phrases):
                for language in (0, 1):
                    by_stems.setdefault((tuple(stems(word)[language] for word in phrase), str(language)), len(groups))
            groups.append(phrases)
    return SynonymTable(groups=tuple(groups), by_stems=by_stems)


def _phrases(terms: str) -> tuple[tuple[str, ...], ...]:
    """The folded words of each comma-separated term, a hyphenated word as one ("tshirt")."""
    phrases = (tuple(alternatives[0] for alternatives in query_words(term)) for term in terms.split(","))
    return tuple(phrase for phrase in phrases if 0 < len(phrase) <= MAX_PHRASE_WORDS)


def synonym_table() -> SynonymTable:
    """The active groups, cached until an operator edits one."""
    key = f"catalog:synonyms:{read_generation(SYNONYMS_GENERATION_KEY)}"
    table = cache.get(key)
    if table is None:
        from products.models import SearchSynonym

        table = build_table(list(SearchSynonym.objects.filter(is_active=True).values_list("terms", flat=True)))
        cache.set(key, table, 24 * 3600)
    return table


def synonyms_changed() -> None:
    """Synonyms were added, edited or removed: call after commit."""
    bump_generation(SYNONYMS_GENERATION_KEY)
