"""Synonyms applied to queries: the operators' SearchSynonym groups, read once per edit
(cached under a generation the admin bumps) and looked up by the stems of their words, so that
"sneaker" finds the group "sneakers, trainers"."""

from dataclasses import dataclass

from django.core.cache import cache

from accounts.cache import bump_generation, read_generation
from products.cache import CATALOG_GENERATION_KEY
from products.search.text import query_words, stems

SYNONYMS_GENERATION_KEY = "catalog:synonyms-generation"
MAX_PHRASE_WORDS = 3
# Part of the cache key: a release that changes SynonymTable's shape bumps it, so that no process
# reads a table pickled by an older one.
TABLE_FORMAT = 2

# The table shipped with SellFlow (migration 0012 loads it; operators edit it in the admin):
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
    """What each phrase (a tuple of folded words) also finds, looked up by the stems of a phrase."""

    by_stems: dict[tuple[tuple[str, ...], str], tuple[tuple[str, ...], ...]]

    def group_of(self, phrase: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
        """The phrases that `phrase` also finds (itself included), or ()."""
        for language in (0, 1):
            found = self.by_stems.get((_key(phrase, language), str(language)))
            if found:
                return found
        return ()


def _key(phrase: tuple[str, ...], language: int) -> tuple[str, ...]:
    return tuple(stems(word)[language] for word in phrase)


def build_table(rules: list[str]) -> SynonymTable:
    """`rules`: "a, b, c" (each finds the others) or "a, b => c" (a and b also find c; c finds
    only itself: "portable" is a phone in French and a speaker may be portable in English; a does
    not find b). Two-way rules that share a phrase, in any of its forms, are one group ("handsets,
    phones" joins "phone, smartphone"), whichever rows they are written in."""
    parent: dict[tuple[str, ...], tuple[str, ...]] = {}
    one_way: dict[tuple[str, ...], set[tuple[str, ...]]] = {}

    def root(phrase):
        parent.setdefault(phrase, phrase)
        while parent[phrase] != phrase:
            phrase = parent[phrase] = parent[parent[phrase]]
        return phrase

    for rule in rules:
        sources, arrow, targets = rule.partition("=>")
        found, aimed = _phrases(sources), _phrases(targets)
        for phrase in found:
            if arrow:
                one_way.setdefault(phrase, set()).update(aimed)
            parent[root(phrase)] = root(found[0]) if not arrow else root(phrase)
    # Phrases that are one word in two forms ("phone", "phones") are one phrase: their groups merge.
    first_with: dict[tuple[tuple[str, ...], int], tuple[str, ...]] = {}
    for phrase in list(parent):
        for language in (0, 1):
            other = first_with.setdefault((_key(phrase, language), language), phrase)
            parent[root(phrase)] = root(other)
    members: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for phrase in list(parent):
        members.setdefault(root(phrase), []).append(phrase)
    by_stems: dict[tuple[tuple[str, ...], str], tuple[tuple[str, ...], ...]] = {}
    for phrase in parent:
        group = tuple(dict.fromkeys([phrase, *sorted(members[root(phrase)]), *sorted(one_way.get(phrase, ()))]))
        if len(group) < 2:
            continue
        for language in (0, 1):
            key = (_key(phrase, language), str(language))
            by_stems[key] = tuple(dict.fromkeys([*by_stems.get(key, ()), *group]))
    return SynonymTable(by_stems=by_stems)


def _phrases(terms: str) -> tuple[tuple[str, ...], ...]:
    """The folded words of each comma-separated term, a hyphenated word as one ("tshirt")."""
    phrases = (tuple(alternatives[0] for alternatives in query_words(term)) for term in terms.split(","))
    return tuple(phrase for phrase in phrases if 0 < len(phrase) <= MAX_PHRASE_WORDS)


def synonym_table() -> SynonymTable:
    """The active groups, cached until an operator edits one."""
    key = f"catalog:synonyms:{TABLE_FORMAT}:{read_generation(SYNONYMS_GENERATION_KEY)}"
    table = cache.get(key)
    if table is None:
        from products.models import SearchSynonym

        table = build_table(list(SearchSynonym.objects.filter(is_active=True).values_list("terms", flat=True)))
        cache.set(key, table, 24 * 3600)
    return table


def synonyms_changed() -> None:
    """Synonyms were added, edited or removed: call after commit. Pages of searches cached under
    the catalog's generation go too."""
    bump_generation(SYNONYMS_GENERATION_KEY)
    bump_generation(CATALOG_GENERATION_KEY)
