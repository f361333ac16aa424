"""The catalog's words (SearchWord) that a query word stands for: the same word, its other forms
(same English or French stem), longer words it begins, and near spellings within its typo budget.
Near spellings are looked up with the GIN trigram index on PostgreSQL and among words of about
the same length on SQLite, then checked by the same edit distance on both, so both databases
find exactly the same words."""

import weakref
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, F, Func, Q

from accounts.cache import bump_generation, read_generation
from products.models import SearchWord
from products.search.text import edit_distance, stems, typo_budget

VOCABULARY_GENERATION_KEY = "catalog:search-vocabulary-generation"
# Kinds of match, best first; their values weigh in the ranking.
EXACT, FORM, PREFIX, TYPO = 4, 3, 2, 1
# Longer words a query word begins ("head": headphones, headset...), shortest first.
PREFIX_LIMIT = 50
# Every word within two edits of a word of 9 letters or more shares at least a tenth of its
# trigrams with it (pg_trgm's similarity: two letters swapped twice change at most 8 of its
# 10+ trigrams), so this threshold never loses a near spelling; the edit distance decides.
TRIGRAM_THRESHOLD = 0.1


class NearSpelling(Func):
    """PostgreSQL: pg_trgm's similarity operator on lower(word), the expression of the GIN trigram
    index `products_searchword_trigram` (migration 0012)."""

    template = "lower(%(expressions)s) %%%% %%s"
    output_field = BooleanField()

    def __init__(self, word: str):
        super().__init__(F("word"))
        self.word = word

    def as_sql(self, compiler, connection, **extra):
        sql, params = super().as_sql(compiler, connection, **extra)
        return sql, (*params, self.word)


@dataclass(frozen=True)
class Row:
    word: str
    stem_en: str
    stem_fr: str


# The database connections (the driver's, renewed when Django reconnects) whose session has it.
_THRESHOLD_SET: "weakref.WeakSet" = weakref.WeakSet()


def _use_trigram_threshold() -> None:
    """Set the similarity `%` asks of a candidate, once per connection (a setting made inside a
    transaction lasts only as long as it, and is made again there). The database has it as its
    default too (migration 0012), for the sessions a pooler in transaction mode hands out."""
    in_transaction = connection.in_atomic_block
    if not in_transaction and connection.connection in _THRESHOLD_SET:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, %s)",
                       [str(TRIGRAM_THRESHOLD), in_transaction])
    if not in_transaction:
        _THRESHOLD_SET.add(connection.connection)


def vocabulary_changed() -> None:
    """New words entered the vocabulary, or old ones left it: call after commit."""
    bump_generation(VOCABULARY_GENERATION_KEY)


def vocabulary_generation() -> int:
    return read_generation(VOCABULARY_GENERATION_KEY)


def expand(full: set[str], forms_only: set[str], *, last: str = "") -> dict[str, dict[str, int]]:
    """For each query word, the catalog words it finds and how (EXACT, FORM, PREFIX, TYPO).
    `full` words find all four ways; `forms_only` words (a synonym's) only the first two.
    A word the catalog has finds longer words only when it is the `last` word typed (the one
    being typed: "head" finds Headphones), as Meilisearch does; earlier words are whole.
    One query, and one more per word of one or two letters (whose longer words are many)."""
    words = full | forms_only
    if not words:
        return {}
    condition = (Q(word__in=words) | Q(stem_en__in={stems(w)[0] for w in words})
                 | Q(stem_fr__in={stems(w)[1] for w in words}))
    for word in full:
        if len(word) >= 3:
            condition |= Q(word__startswith=word)
    rows = _rows(condition, near={word: typo_budget(word) for word in full})
    for word in full:
        if len(word) < 3:
            rows |= _rows(Q(word__startswith=word), limit=PREFIX_LIMIT)
    found = {word: _matches(word, rows, can_stretch=word in full, whole=word != last) for word in words}
    _add_forms_of_corrections(found, rows)
    return found


def _matches(word: str, rows: set[Row], *, can_stretch: bool, whole: bool) -> dict[str, int]:
    """The catalog words among `rows` that `word` finds, with their kind of match. `whole`: the
    word finds no longer words if the catalog has it as it is."""
    kinds: dict[str, int] = {}
    for row in rows:
        kind = _kind(word, row, can_stretch=can_stretch)
        if kind and kind > kinds.get(row.word, 0):
            kinds[row.word] = kind
    if any(kind in (EXACT, PREFIX) or (kind == FORM and edit_distance(word, w, 2) <= 2) for w, kind in kinds.items()):
        # A word the catalog has (or begins, or has in a close form) is what the shopper typed:
        # "skirt" is not a misspelt "shirt", nor "purse" "pure" (Typesense's rule: typos only
        # when needed). A far form is no proof: "earings" stems to "ear".
        kinds = {w: kind for w, kind in kinds.items() if kind > TYPO}
    if whole and kinds.get(word) == EXACT:
        kinds = {w: kind for w, kind in kinds.items() if kind != PREFIX}
    longer = sorted((w for w, kind in kinds.items() if kind == PREFIX), key=lambda w: (len(w), w))
    return {w: kind for w, kind in kinds.items() if kind != PREFIX or w in longer[:PREFIX_LIMIT]}


def _add_forms_of_corrections(found: dict[str, dict[str, int]], rows: set[Row]) -> None:
    """A misspelt word finds the other forms of the word it was corrected to: "laptpo" is
    "laptop", and so "laptops" too. One more query, only when some word was corrected."""
    corrected = {row for row in rows if any(kinds.get(row.word) == TYPO for kinds in found.values())}
    if not corrected:
        return
    forms = SearchWord.objects.filter(Q(stem_en__in={row.stem_en for row in corrected})
                                      | Q(stem_fr__in={row.stem_fr for row in corrected}))
    forms = {Row(*values) for values in forms.values_list("word", "stem_en", "stem_fr")}
    for kinds in found.values():
        typos = [row for row in corrected if kinds.get(row.word) == TYPO]
        for form in forms:
            if form.word not in kinds and any(form.stem_en == row.stem_en or form.stem_fr == row.stem_fr
                                              for row in typos):
                kinds[form.word] = TYPO


def _kind(word: str, row: Row, *, can_stretch: bool) -> int:
    if row.word == word:
        return EXACT
    stem_en, stem_fr = stems(word)
    if _same_form(word, row.word, stem_en if row.stem_en == stem_en else stem_fr if row.stem_fr == stem_fr else ""):
        return FORM
    if not can_stretch:
        return 0
    if row.word.startswith(word):
        return PREFIX
    budget = typo_budget(word)
    return TYPO if budget and edit_distance(word, row.word, budget) <= budget else 0


# A stem this much shorter than a word has cut into the word itself ("earings" → "ear",
# "organization" → "organ"): the two are not forms of one word.
MAX_ENDING = 3


def _same_form(word: str, other: str, shared_stem: str) -> bool:
    return bool(shared_stem) and len(shared_stem) >= max(len(word), len(other)) - MAX_ENDING


def _rows(condition: Q, *, limit: int | None = None, near: dict[str, int] | None = None) -> set[Row]:
    """The vocabulary rows meeting `condition`, or within the typo budgets of `near`'s words."""
    near = {word: budget for word, budget in (near or {}).items() if budget}
    if near and connection.vendor == "postgresql":
        _use_trigram_threshold()
        # The GIN trigram index finds them; their length is checked with their distance.
        condition |= reduce(or_, (Q(NearSpelling(w)) for w in near))
    elif near:
        condition |= reduce(or_, (Q(length__range=(len(w) - b, len(w) + b)) & _kept_in_place(w, b)
                                  for w, b in near.items()))
    queryset = SearchWord.objects.filter(condition).order_by("length", "word").values_list("word", "stem_en", "stem_fr")
    return {Row(*values) for values in (queryset[:limit] if limit else queryset)}


def _kept_in_place(word: str, budget: int) -> Q:
    """What a word within `budget` edits of `word` must still share with it: one edit leaves the
    first or the last letter in place; two that change both leave the middle whole."""
    kept = Q(word__startswith=word[0]) | Q(word__endswith=word[-1])
    return kept | Q(word__contains=word[2:-2]) if budget > 1 else kept


def closest_word(word: str) -> str | None:
    """The catalog word nearest to a word that found nothing ("did you mean"): within two edits
    (one under 5 letters), the fewest edits first, then the shortest, then alphabetical."""
    if len(word) < 3 or not word.isalpha():
        return None
    budget = 1 if len(word) < 5 else 2
    key = f"catalog:closest:{vocabulary_generation()}:{word}"
    found = cache.get(key)
    if found is None:
        scored = sorted((edit_distance(word, row.word, budget), len(row.word), row.word)
                        for row in _rows(Q(pk__in=[]), near={word: budget}))
        best = next(((d, w) for d, _, w in scored if d <= budget and w != word), None)
        found = best[1] if best else ""
        cache.set(key, found, 3600)
    return found or None
