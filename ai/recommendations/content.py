"""Content similarity: TF-IDF over each public product's name, tags, category and description,
kept in a per-process corpus brought up to date from each product's `updated_at`."""

import heapq
import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models.functions import Substr

from ai.recommendations.scope import TOP_K
from products.models import Category, Product

# Content candidates are found through a product's QUERY_TERMS strongest terms (the rare words
# of its name and tags, mostly), the CONTENT_CANDIDATES sharing the most weight with it then
# scored exactly. A term in more than MAX_POSTING products (a huge category, a word every title
# has) tells products apart too little to be worth walking its posting list.
QUERY_TERMS = 12
CONTENT_CANDIDATES = 3 * TOP_K
MAX_POSTING = 1000
DESCRIPTION_CHARS = 1000

STOP_WORDS = frozenset(
    "a an and are as at be by for from has have in into is it its of on or our the this to was with you your "
    "made new".split()
)
WORD = re.compile(r"[^\W_]+")
# How much a word weighs by where it appears: the name and tags say what a product is; a
# description also tells stories.
NAME_WEIGHT, TAG_WEIGHT, CATEGORY_WEIGHT, DESCRIPTION_WEIGHT = 3, 2, 1, 1
CATEGORY_TERM = "category:"  # never a word: words have no colon


def words(text: str) -> Iterable[str]:
    for word in WORD.findall(text.casefold()):
        if len(word) < 2 or word in STOP_WORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]  # "sandals" and "sandal" are one term
        yield word


@dataclass(frozen=True)
class CategoryNode:
    parent_id: int | None


def load_categories() -> dict[int, CategoryNode]:
    return {pk: CategoryNode(parent_id) for pk, parent_id in Category.objects.values_list("pk", "parent_id")}


def document(*, name: str, tags_text: str, description: str, category_id: int | None,
             categories: dict[int, CategoryNode]) -> Counter:
    """A product's weighted term counts: the words of its name, tags and description, and its
    category as a term of its own (its parent category a weaker one)."""
    terms: Counter = Counter()
    for word in words(name):
        terms[word] += NAME_WEIGHT
    for word in words(tags_text.replace(",", " ")):
        terms[word] += TAG_WEIGHT
    for word in words(description[:DESCRIPTION_CHARS]):
        terms[word] += DESCRIPTION_WEIGHT
    category = categories.get(category_id) if category_id else None
    if category:
        terms[f"{CATEGORY_TERM}{category_id}"] += 2 * CATEGORY_WEIGHT
        if category.parent_id:
            terms[f"{CATEGORY_TERM}{category.parent_id}"] += CATEGORY_WEIGHT
    return terms


class Corpus:
    """The public products' term counts with their document frequencies and posting lists,
    kept between refreshes in this process and brought up to date from each product's
    `updated_at` (and its category's parent): a refresh tokenises only what changed since the
    last one, so one product's refresh does not re-read the catalog's text."""

    def __init__(self):
        self.documents: dict[int, tuple[tuple, Counter]] = {}
        self.frequency: Counter = Counter()
        self.postings: dict[str, set[int]] = defaultdict(set)
        self.lock = threading.RLock()  # refreshes run in request threads when Celery is eager

    def sync(self, versions: dict[int, tuple], categories: dict[int, CategoryNode]) -> None:
        for product_id in [pk for pk in self.documents if pk not in versions]:
            self._remove(product_id)
        stale = [pk for pk, version in versions.items() if self.documents.get(pk, (None,))[0] != version]
        for start in range(0, len(stale), 500):
            rows = Product.objects.filter(pk__in=stale[start:start + 500]).values_list(
                "pk", "name", "tags_text", Substr("description", 1, DESCRIPTION_CHARS), "category_id")
            for pk, name, tags_text, description, category_id in rows:
                self._remove(pk)
                terms = document(name=name, tags_text=tags_text, description=description or "",
                                 category_id=category_id, categories=categories)
                self.documents[pk] = (versions[pk], terms)
                self.frequency.update(terms.keys())
                for term in terms:
                    self.postings[term].add(pk)

    def clear(self) -> None:
        """Forget every document, as in a worker process that just started."""
        with self.lock:
            self.documents.clear()
            self.frequency.clear()
            self.postings.clear()

    def _remove(self, product_id: int) -> None:
        _, terms = self.documents.pop(product_id, (None, {}))
        for term in terms:
            self.frequency[term] -= 1
            self.postings[term].discard(product_id)
            if not self.frequency[term]:
                del self.frequency[term], self.postings[term]


CORPUS = Corpus()


class ContentIndex:
    """TF-IDF vectors over a corpus (sublinear tf, smoothed idf, unit length), made when first
    needed. A product's cosine with the others is accumulated over the posting lists of its own
    terms: one product costs the length of its terms' lists, never the size of the catalog."""

    def __init__(self, corpus: Corpus):
        self.corpus = corpus
        self.size = len(corpus.documents)
        self._vectors: dict[int, dict[str, float]] = {}

    def vector(self, product_id: int) -> dict[str, float]:
        vector = self._vectors.get(product_id)
        if vector is None:
            _, terms = self.corpus.documents.get(product_id, (None, {}))
            frequency = self.corpus.frequency
            vector = {term: (1 + math.log(count)) * (math.log((1 + self.size) / (1 + frequency[term])) + 1)
                      for term, count in terms.items()}
            norm = math.sqrt(sum(weight * weight for weight in vector.values())) or 1.0
            vector = self._vectors[product_id] = {term: weight / norm for term, weight in vector.items()}
        return vector

    def cosine(self, product_id: int, other: int) -> float:
        vector, other_vector = self.vector(product_id), self.vector(other)
        return min(sum(vector[term] * other_vector[term] for term in vector.keys() & other_vector.keys()), 1.0)

    def similarities(self, product_id: int, allowed: set[int], also: Iterable[int] = ()) -> dict[int, float]:
        """Cosines with the products that share the product's strongest terms (the best by
        shared weight), and with `also`."""
        vector = self.vector(product_id)
        shared: dict[int, float] = defaultdict(float)
        for term, weight in heapq.nlargest(QUERY_TERMS, vector.items(), key=lambda item: item[1]):
            posting = self.corpus.postings.get(term, ())
            # Sharing only a category is no likeness: such products come as the category's popular ones.
            if len(posting) <= MAX_POSTING and not term.startswith(CATEGORY_TERM):
                for other in posting:
                    shared[other] += weight
        candidates = heapq.nlargest(CONTENT_CANDIDATES, (other for other in shared if other in allowed),
                                    key=lambda other: (shared[other], -other))
        scores = {}
        for other in {*candidates, *(other for other in also if other in allowed)} - {product_id}:
            if score := self.cosine(product_id, other):
                scores[other] = score
        return scores
