"""A shopper's query as a plan (each word and what it may match in a product's search document),
and the plan as SQL: one condition per word, all required, and a rank that puts exact words above
other forms above longer words above near spellings, and name above tags above description.

Matching a token of the document is exact on both databases: PostgreSQL tests the document's
token array (GIN-indexed) with `&&`, SQLite looks for " token " in its text, so the same plan
finds the same products on both."""

import hashlib
from dataclasses import dataclass, field
from functools import reduce
from operator import and_, or_

from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Case, F, Func, IntegerField, Q, QuerySet, Value, When

from accounts.cache import read_generation
from products.search.synonyms import SYNONYMS_GENERATION_KEY, synonym_table
from products.search.text import (
    COLOUR,
    DESCRIPTION,
    NAME,
    SHOE_SYSTEMS,
    SIZE,
    SIZE_PHRASES,
    TAGS,
    colour_of,
    query_words,
    size_tokens,
)
from products.search.vocabulary import EXACT, FORM, TYPO, closest_word, expand, vocabulary_generation

MAX_WORDS = 10
PLAN_CACHE_SECONDS = 600
# Part of the cache key: a release that changes the shape of Plan or Unit bumps it.
PLAN_FORMAT = 2
FIELD_WEIGHTS = ((NAME, 3), (TAGS, 2), (DESCRIPTION, 1))
SIZE_LEAD_WORDS = {"size", "sizes", "taille", "pointure"}


@dataclass
class Unit:
    """One thing the shopper asked for (a word, or a phrase such as "extra large"): the catalog
    words that satisfy it alone, with their kind of match; phrases whose words must all be
    present; and size or colour tokens."""

    typed: str
    words: dict[str, int] = field(default_factory=dict)
    phrases: list[list[dict[str, int]]] = field(default_factory=list)
    specials: set[str] = field(default_factory=set)

    @property
    def finds_anything(self) -> bool:
        return bool(self.words or self.specials or any(all(slot for slot in p) for p in self.phrases))


@dataclass
class Plan:
    units: list[Unit]

    def __bool__(self) -> bool:
        return bool(self.units)


@dataclass
class _Draft:
    """A unit before the vocabulary is asked: its words, and those of its alternatives."""

    phrase: tuple[str, ...]  # the words as typed (one, or a phrase)
    spaced: tuple[str, ...] = ()  # "t-shirt" also as "t" + "shirt"
    synonyms: list[tuple[str, ...]] = field(default_factory=list)
    synonyms_of_correction: list[tuple[str, ...]] = field(default_factory=list)
    specials: set[str] = field(default_factory=set)


def plan_for(text: str) -> Plan:
    """The plan of a query, cached until the vocabulary or the synonyms change."""
    typed = query_words(text)[:MAX_WORDS]
    if not typed:
        return Plan([])
    material = repr(typed).encode()
    key = (f"catalog:search-plan:{PLAN_FORMAT}:{vocabulary_generation()}:{read_generation(SYNONYMS_GENERATION_KEY)}:"
           f"{hashlib.sha256(material).hexdigest()}")
    plan = cache.get(key)
    if plan is None:
        plan = _plan(typed)
        cache.set(key, plan, PLAN_CACHE_SECONDS)
    return plan


def _plan(typed: list[tuple[str, ...]]) -> Plan:
    drafts = _drafts(typed)
    full = {word for d in drafts for word in (*d.phrase, *d.spaced)}
    forms_only = {word for d in drafts for synonym in d.synonyms for word in synonym} - full
    found = expand(full, forms_only, last=typed[-1][0])
    misspelt = _synonyms_of_corrections(drafts, found)
    if misspelt:
        found.update(expand(set(), misspelt - found.keys()))

    def slot(word: str, *, as_synonym: bool = False, kind_at_most: int = FORM) -> dict[str, int]:
        kinds = found.get(word, {})
        return {w: min(kind, kind_at_most) for w, kind in kinds.items()} if as_synonym else dict(kinds)

    units = []
    for draft in drafts:
        unit = Unit(typed=" ".join(draft.phrase), specials=set(draft.specials))
        for phrase, as_synonym, kind_at_most in [
                (draft.phrase, False, EXACT), (draft.spaced, False, EXACT),
                *((synonym, True, FORM) for synonym in draft.synonyms),
                *((synonym, True, TYPO) for synonym in draft.synonyms_of_correction)]:
            if len(phrase) == 1:
                for word, kind in slot(phrase[0], as_synonym=as_synonym, kind_at_most=kind_at_most).items():
                    unit.words[word] = max(kind, unit.words.get(word, 0))
            elif phrase:
                unit.phrases.append([slot(word, as_synonym=as_synonym, kind_at_most=kind_at_most)
                                     for word in phrase])
        units.append(unit)
    return Plan(units)


def _synonyms_of_corrections(drafts: list["_Draft"], found: dict[str, dict[str, int]]) -> set[str]:
    """A word found only as a misspelling also finds the synonyms of the word it was read as
    ("chossures" is "chaussures", and so shoes too): set on the drafts, their words returned."""
    table = synonym_table()
    words: set[str] = set()
    for draft in drafts:
        kinds = found.get(draft.phrase[0], {}) if len(draft.phrase) == 1 and not draft.synonyms else {}
        if kinds and all(kind == TYPO for kind in kinds.values()):
            for corrected in sorted(kinds):
                group = table.group_of((corrected,))
                draft.synonyms_of_correction += [p for p in group if p != (corrected,)
                                                 and p not in draft.synonyms_of_correction]
            words |= {word for phrase in draft.synonyms_of_correction for word in phrase}
    return words


def _drafts(typed: list[tuple[str, ...]]) -> list[_Draft]:
    """The query's words grouped into units, longest phrases first: a size ("extra large",
    "size 42", "eu 42") or a synonym phrase ("running shoes") is one unit."""
    table = synonym_table()
    words = [alternatives[0] for alternatives in typed]
    drafts, i = [], 0
    while i < len(words):
        for length in (3, 2, 1):
            phrase = tuple(words[i:i + length])
            if len(phrase) < length:
                continue
            sizes = _sizes(phrase)
            group = table.group_of(phrase)
            if length == 1 or sizes or group:
                draft = _Draft(phrase=phrase, specials={f"{SIZE}:{s}" for s in sizes})
                if length == 1:
                    draft.spaced = tuple(typed[i][1].split()) if len(typed[i]) > 1 else ()
                    # The colour asked for, not its family: "navy" is a blue, a blue is not navy.
                    colour = colour_of(phrase[0])
                    draft.specials |= {f"{COLOUR}:{colour}"} if colour else set()
                # "size 42": the size, or both words written out ("Sneakers Size 42"), never the
                # number alone ("43 inch TV").
                draft.synonyms = [synonym for synonym in group if synonym != phrase]
                drafts.append(draft)
                i += length
                break
    return drafts


def _sizes(phrase: tuple[str, ...]) -> set[str]:
    joined = " ".join(phrase)
    if joined in SIZE_PHRASES and (len(phrase) > 1 or len(joined) > 1 or joined in ("s", "m", "l")):
        return {SIZE_PHRASES[joined]}
    if len(phrase) == 2 and (phrase[0] in SIZE_LEAD_WORDS | set(SHOE_SYSTEMS) or phrase[1] in SHOE_SYSTEMS):
        value = phrase[1] if phrase[0] in SIZE_LEAD_WORDS else joined
        return size_tokens(value) or ({SIZE_PHRASES[value]} if value in SIZE_PHRASES else set())
    return set()


# --- SQL -----------------------------------------------------------------------------------------

TOKENS = "search_document__tokens"


class TokenOverlap(Func):
    """PostgreSQL: the document's tokens (a text[]) share one with `tokens`; the GIN index
    `products_search_tokens` (migration 0012) answers it."""

    template = "%(expressions)s && %%s"
    output_field = BooleanField()

    def __init__(self, tokens: list[str]):
        super().__init__(F(TOKENS))
        self.tokens = tokens

    def as_sql(self, compiler, connection, **extra):
        sql, params = super().as_sql(compiler, connection, **extra)
        return sql, (*params, self.tokens)


class TokenPresent(Func):
    """Elsewhere: the document's text (a space around every token) holds " token "."""

    template = "instr(%(expressions)s, %%s) > 0"
    output_field = BooleanField()

    def __init__(self, token: str):
        super().__init__(F(TOKENS))
        self.token = token

    def as_sql(self, compiler, connection, **extra):
        sql, params = super().as_sql(compiler, connection, **extra)
        return sql, (*params, f" {self.token} ")


def has_any(tokens: list[str]) -> Q:
    """The product's search document holds one of these tokens."""
    if not tokens:
        return Q(pk__in=[])
    if connection.vendor == "postgresql":
        return Q(TokenOverlap(tokens))
    return reduce(or_, (Q(TokenPresent(token)) for token in tokens))


def _everywhere(words) -> list[str]:
    return [f"{where}:{word}" for word in words for where, _ in FIELD_WEIGHTS]


def unit_condition(unit: Unit) -> Q:
    condition = has_any(_everywhere(unit.words) + sorted(unit.specials))
    for phrase in unit.phrases:
        if all(phrase):
            condition |= reduce(and_, (has_any(_everywhere(slot)) for slot in phrase))
    return condition


def unit_rank(unit: Unit) -> Case:
    """Kind of match first, then where: an exact word in the description ranks above another
    form of it in the name."""
    ranked = dict(unit.words)
    for phrase in unit.phrases:
        for slot in phrase:
            for word, kind in slot.items():
                ranked[word] = max(kind, ranked.get(word, 0))
    whens = []
    for kind in sorted(set(ranked.values()) | ({EXACT} if unit.specials else set()), reverse=True):
        words = sorted(word for word, k in ranked.items() if k == kind)
        for where, weight in FIELD_WEIGHTS:
            tokens = [f"{where}:{word}" for word in words]
            if kind == EXACT and where == TAGS:
                tokens += sorted(unit.specials)
            if tokens:
                whens.append(When(has_any(tokens), then=Value(kind * 4 + weight)))
    return Case(*whens, default=Value(0), output_field=IntegerField())


def apply_plan(queryset: QuerySet, plan: Plan) -> QuerySet:
    """Products matching every unit of the plan, annotated with `search_rank`."""
    # `&&` is strict: PostgreSQL joins the documents as an inner join and reads them by their index.
    condition = reduce(and_, (unit_condition(unit) for unit in plan.units))
    rank = reduce(lambda total, unit: total + unit_rank(unit), plan.units[1:], unit_rank(plan.units[0]))
    return queryset.filter(condition).annotate(search_rank=rank)


def corrections(plan: Plan) -> dict[str, str]:
    """"Did you mean": each word of the plan that found nothing, with the nearest catalog word;
    empty when one of them has none (no correction would find anything either)."""
    found = {}
    for unit in plan.units:
        if unit.finds_anything:
            continue
        nearest = closest_word(unit.typed) if " " not in unit.typed else None
        if nearest is None:
            return {}
        found[unit.typed] = nearest
    return found
