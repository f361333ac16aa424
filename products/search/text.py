"""How search reads text, the same for a product and for a query: words folded to lower case
without accents, their English and French Snowball stems, the sizes and colours they name, and
how far apart two spellings are. Pure functions: no database."""

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# The tokens of a search document: a word by where it stands, most telling first ("a:phone"),
# and the sizes and colours the product comes in ("size:m", "colour:navy").
NAME, TAGS, DESCRIPTION = "a", "b", "c"
FIELDS = (NAME, TAGS, DESCRIPTION)
WORD_TOKEN_PREFIXES = {f"{where}:" for where in FIELDS}
SIZE, COLOUR = "size", "colour"

MAX_WORD_LENGTH = 40  # longer "words" are serial numbers or garbage: not indexed
MAX_QUERY_WORD_LENGTH = 100  # a longer one in a query finds nothing, as any word not indexed

# Letters the NFKD decomposition leaves whole.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i"})
# French elisions ("l'huile", "d'Afrique") and English possessives ("women's") are not words.
_ELISION = re.compile(r"\b(?:[cdjlmnst]|qu)['’](?=\w)")
_POSSESSIVE = re.compile(r"['’]s\b")
_WORD = re.compile(r"[^\W_]+")
# Words joined by a hyphen or an apostrophe are also one word: "t-shirt" is "t", "shirt", "tshirt".
_COMPOUND = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)+")


def fold(text: str) -> str:
    """Lower case, accents removed: "Crème Karité" → "creme karite"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_LIGATURES)


def _cleaned(text: str) -> str:
    return _POSSESSIVE.sub("", _ELISION.sub("", fold(text)))


def words(text: str) -> list[str]:
    """The words of `text`, folded, in order; hyphenated words also joined."""
    cleaned = _cleaned(text)
    found = [word for word in _WORD.findall(cleaned) if len(word) <= MAX_WORD_LENGTH]
    for compound in _COMPOUND.findall(cleaned):
        joined = "".join(_WORD.findall(compound))
        if len(joined) <= MAX_WORD_LENGTH:
            found.append(joined)
    return found


def query_words(text: str) -> list[tuple[str, ...]]:
    """The words of a query, each as the alternatives it may be written as: "t-shirt" is
    ("tshirt", "t shirt"), where the second stands for both words."""
    cleaned = _cleaned(text)
    found: list[tuple[str, ...]] = []
    for piece in re.split(r"[^\w'’-]+|_", cleaned):
        parts = [word[:MAX_QUERY_WORD_LENGTH] for word in _WORD.findall(piece)]
        if len(parts) > 1:
            found.append(("".join(parts), " ".join(parts)))
        elif parts:
            found.append((parts[0],))
    return found


_EN = snowballstemmer.stemmer("english")
_FR = snowballstemmer.stemmer("french")


@lru_cache(maxsize=50_000)
def stems(word: str) -> tuple[str, str]:
    """(English stem, French stem): two words are the same word when either pair is equal
    ("phones"/"phone" in English, "bijoux"/"bijou" in French). Numbers stay as they are."""
    if not word.isalpha():
        return word, word
    return _EN.stemWord(word), _FR.stemWord(word)


# --- Sizes -------------------------------------------------------------------------------------
# What shoppers type and sellers write for clothing sizes, folded, to one canonical size.
SIZE_PHRASES = {
    "xxs": "xxs", "2xs": "xxs", "extra extra small": "xxs",
    "xs": "xs", "extra small": "xs", "x small": "xs",
    "s": "s", "small": "s",
    "m": "m", "medium": "m", "med": "m",
    "l": "l", "large": "l",
    "xl": "xl", "extra large": "xl", "x large": "xl",
    "xxl": "2xl", "2xl": "2xl", "extra extra large": "2xl", "xx large": "2xl",
    "xxxl": "3xl", "3xl": "3xl",
    "xxxxl": "4xl", "4xl": "4xl",
    "one size": "onesize", "onesize": "onesize", "taille unique": "onesize", "free size": "onesize",
}
# The words a seller may name a size option with.
SIZE_OPTION_NAMES = {"size", "sizes", "taille", "tailles", "pointure", "shoe size", "shoesize"}
SHOE_SYSTEMS = {"eu": "eu", "eur": "eu", "uk": "uk", "us": "us"}
_SHOE_SIZE = re.compile(r"^(?:(?P<before>eur?|uk|us)\s*)?(?P<number>\d{1,2}(?:[.,]5)?)(?:\s*(?P<after>eur?|uk|us))?$")
# Size words long enough to appear in a product's name ("Large Tote Bag") as well as in a variant.
SIZE_NAME_WORDS = {"small": "s", "medium": "m", "large": "l"}


def size_tokens(value: str) -> set[str]:
    """The canonical sizes a variant's size value stands for: "Medium" and "M" are `m`; shoe
    sizes are numbers, European unless the value says UK or US ("EU 42", "42" → `42`;
    "UK 8" → `uk8`)."""
    folded = " ".join(_WORD.findall(fold(value).replace(".", "").replace(",", "")))
    if folded in SIZE_PHRASES:
        return {SIZE_PHRASES[folded]}
    shoe = _SHOE_SIZE.match(fold(value).strip())
    if shoe:
        system = SHOE_SYSTEMS.get(shoe.group("before") or shoe.group("after") or "eu", "eu")
        number = shoe.group("number").replace(",", ".").removesuffix(".0")
        return {number if system == "eu" else f"{system}{number}"}
    return set()


# --- Colours -----------------------------------------------------------------------------------
# Spellings and languages of one colour, folded, to its canonical English name. Words that are
# more often something else ("rose" water, "crème" de karité, "marine" collagen) are left out.
COLOUR_NAMES = {
    "red": "red", "rouge": "red", "scarlet": "red", "crimson": "red",
    "blue": "blue", "bleu": "blue",
    "navy": "navy",
    "green": "green", "vert": "green", "verte": "green",
    "black": "black", "noir": "black", "noire": "black",
    "white": "white", "blanc": "white", "blanche": "white",
    "yellow": "yellow", "jaune": "yellow",
    "pink": "pink",
    "purple": "purple", "violet": "purple", "violette": "purple",
    "orange": "orange",
    "brown": "brown", "marron": "brown",
    "grey": "grey", "gray": "grey", "gris": "grey", "grise": "grey",
    "gold": "gold", "golden": "gold", "dore": "gold", "doree": "gold",
    "silver": "silver", "argent": "silver", "argente": "silver",
    "beige": "beige",
    "maroon": "maroon", "burgundy": "maroon", "bordeaux": "maroon",
    "cream": "cream", "ivory": "cream",
    "khaki": "khaki", "kaki": "khaki",
    "teal": "teal", "turquoise": "turquoise",
    "multicolour": "multicolour", "multicolor": "multicolour", "multicolore": "multicolour",
}
# Colours said in two words, folded: found under the colour (and its family).
COLOUR_PHRASES = {"bleu marine": "navy", "navy blue": "navy", "bleu nuit": "navy", "bleu ciel": "blue",
                  "sky blue": "blue", "royal blue": "blue", "bleu roi": "blue", "vert olive": "green",
                  "olive green": "green"}
# Shades that are also found under their family ("navy" is a blue).
COLOUR_FAMILIES = {"navy": "blue", "teal": "blue", "turquoise": "blue", "maroon": "red"}
# Only French: English colours do not agree, and their stems are other words ("reds", "tanned").
_COLOURS_BY_FRENCH_STEM = {stems(name)[1]: colour for name, colour in COLOUR_NAMES.items()
                           if name.isalpha() and len(name) > 3 and fold(name) == name}


def colour_of(word: str) -> str | None:
    """The canonical colour a folded word names, or None; French agreement included, by the
    French stem ("noires", "dorés", "bleues")."""
    colour = COLOUR_NAMES.get(word)
    if colour is None and word.isalpha() and len(word) > 3:
        colour = _COLOURS_BY_FRENCH_STEM.get(stems(word)[1])
    return colour


def colour_tokens(word: str) -> set[str]:
    """The colours a product that says `word` (or a phrase of COLOUR_PHRASES) is found under:
    itself and its family."""
    colour = colour_of(word) or COLOUR_PHRASES.get(word)
    if colour is None:
        return set()
    return {colour, COLOUR_FAMILIES[colour]} if colour in COLOUR_FAMILIES else {colour}


# --- Typos -------------------------------------------------------------------------------------

def typo_budget(word: str) -> int:
    """How many typos a query word forgives (Meilisearch's rule): none under 5 letters, one
    from 5, two from 9. Words with digits (models, SKUs, sizes) must be exact."""
    if not word.isalpha() or len(word) < 5:
        return 0
    return 1 if len(word) < 9 else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    """Letters wrong, missing, extra or swapped between `a` and `b` (optimal string alignment),
    or `limit + 1` as soon as it is known to exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous_previous, previous = previous, current
    return min(previous[-1], limit + 1)
