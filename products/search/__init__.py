"""Catalog search: what shoppers type (plurals, accents, typos, sizes, colours, synonyms) matched
against the products' search documents, with the same results on PostgreSQL and SQLite.

- text: how words are read (folding, stems, sizes, colours, edit distance);
- index: the search documents and the vocabulary, written by the catalog services;
- vocabulary, synonyms: what a query word stands for;
- query: a query as a plan, and the plan as SQL;
- suggestions: "did you mean" and type-ahead.
"""

import re

from django.db.models import QuerySet

from products.cache import cached_suggestions
from products.search.query import apply_plan, corrections, has_any, plan_for
from products.search.suggestions import typeahead
from products.search.text import COLOUR, NAME, SIZE, SIZE_NAME_WORDS, TAGS, colour_of, fold, size_tokens


def search_products(queryset: QuerySet, text: str, *, rank_ordering: tuple = ("-search_rank",)) -> QuerySet:
    """Products matching every word of `text`, annotated with `search_rank` and ordered by
    `rank_ordering` (empty: leave the order to the caller)."""
    plan = plan_for(text)
    if not plan:
        # Nothing to search for, or only signs ("!!!", an emoji): no product says them.
        return queryset.none() if text.strip() else queryset
    matched = apply_plan(queryset, plan)
    return matched.order_by(*rank_ordering, "-id") if rank_ordering else matched


def did_you_mean(text: str, *, within: str | None = None, among: QuerySet | None = None) -> str | None:
    """`text` with its words that found nothing replaced by the nearest catalog words (the
    others as typed), or None when there is nothing to correct. `within`: the whole query that
    `text` was read from (AI search), corrected in the same way. `among`: what a suggestion must
    find something in (the public catalog: the vocabulary also holds drafts' words)."""
    plan = plan_for(text)
    replaced = corrections(plan) if plan else {}
    if not replaced:
        return None
    if among is not None and not search_products(among, " ".join(replaced.get(unit.typed, unit.typed)
                                                                for unit in plan.units), rank_ordering=()).exists():
        return None
    suggestion = re.sub(r"[^\W_]+", lambda match: replaced.get(fold(match.group()), match.group()),
                        text if within is None else within)
    return " ".join(suggestion.split())


def with_colours(queryset: QuerySet, colours: list[str]) -> QuerySet:
    """Products in any of these colours (a variant, or their name or tags, says it; a shade is
    found under its family too: navy is a blue)."""
    names = {colour_of(fold(colour)) or fold(colour).strip() for colour in colours}
    return queryset.filter(has_any(sorted(f"{COLOUR}:{name}" for name in names if name)))


def with_sizes(queryset: QuerySet, sizes: list[str]) -> QuerySet:
    """Products in any of these sizes, however written ("M", "medium"; "42", "EU 42"): a variant
    of that size, or a name or tag that says "small", "medium" or "large"."""
    canonical = {token for size in sizes for token in (size_tokens(size) or {fold(size).replace(" ", "")})}
    tokens = {f"{SIZE}:{size}" for size in canonical}
    tokens |= {f"{where}:{word}" for word, size in SIZE_NAME_WORDS.items() if size in canonical
               for where in (NAME, TAGS)}
    return queryset.filter(has_any(sorted(tokens)))


def suggest(text: str) -> list[dict]:
    """Type-ahead suggestions for a search box, cached until the catalog changes."""
    return cached_suggestions(" ".join(fold(text).split()), lambda: typeahead(text))
