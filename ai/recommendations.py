"""Product recommendations: owns the ProductRecommendation table. Computes each product's
"similar" and "bought together" neighbours (co-purchases and co-views blended with TF-IDF
content similarity, popular products of the category when evidence runs short) and reads them
back for the endpoints, computing on demand what the table does not hold yet."""

import heapq
import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from ai.models import ProductRecommendation, RecommendationKind
from orders.models import OrderItem, OrderStatus
from products.holds import buyable
from products.models import Category, Favorite, Product, ProductImage, ProductStatus, ProductView
from products.selectors import public_products

SIMILAR, BOUGHT_TOGETHER = RecommendationKind.SIMILAR.value, RecommendationKind.BOUGHT_TOGETHER.value
KINDS = (SIMILAR, BOUGHT_TOGETHER)

TOP_K = 20  # neighbours kept per product and kind: the endpoints' largest `limit`
# Orders that count as purchases: paid (or confirmed cash on delivery) and beyond. Pending,
# cancelled (which includes expired) and refunded orders say nothing about what goes together.
PURCHASED = (OrderStatus.CONFIRMED, OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.DELIVERED)

# Blends of the three signals, each in [0, 1]. "Similar" is an alternative to the product:
# mostly what it is (content), then what shoppers compared it with (co-views). "Bought
# together" is a complement: mostly co-purchases; content only orders close calls.
SIMILAR_WEIGHTS = {"content": 0.6, "view": 0.25, "purchase": 0.15}
BOUGHT_TOGETHER_WEIGHTS = {"purchase": 0.7, "view": 0.15, "content": 0.15}

# Co-purchase evidence of one buyer for a pair: bought in the same order, or only by the same buyer.
SAME_ORDER, SAME_BUYER = 1.0, 0.5
# Cosine of co-occurrence counts, shrunk by count / (count + SHRINK): one shared buyer is a hint, not proof.
SHRINK = 1.0
# Bounds that keep one product's refresh cheap whatever the traffic: the most recent users of
# the product, the most recent products of each user, the strongest raw candidates.
MAX_USERS = 1000
MAX_BASKET = 100
MAX_CANDIDATES = 200
# Content candidates are found through a product's QUERY_TERMS strongest terms (the rare words
# of its name and tags, mostly), the CONTENT_CANDIDATES sharing the most weight with it then
# scored exactly. A term in more than MAX_POSTING products (a huge category, a word every title
# has) tells products apart too little to be worth walking its posting list.
QUERY_TERMS = 12
CONTENT_CANDIDATES = 3 * TOP_K
MAX_POSTING = 1000
DESCRIPTION_CHARS = 1000

# Buyer recommendations: how much each kind of history counts, and how much of it is read.
SEED_WEIGHTS = {"order": 3.0, "favorite": 2.0, "view": 1.0}
HISTORY = 50
BOUGHT_HISTORY = 200
ON_DEMAND_SEEDS = 3

# Popularity: page views plus this many views' worth per paying buyer.
BUYER_POPULARITY = 10
POPULAR_CACHE_KEY = "ai:recommendations:popular"
POPULAR_SIZE = 100
POPULAR_TTL = 15 * 60


def _public(prefix: str = "") -> Q:
    """Product.objects.public() as a condition, through a relation with a prefix."""
    return Q(**{f"{prefix}deleted_at__isnull": True, f"{prefix}status": ProductStatus.ACTIVE,
                f"{prefix}seller__is_active": True})


def _recommendable(prefix: str = "") -> Q:
    """What the lists are computed over: on sale with stock on hand. Holds come and go between two
    hourly runs, so a product held in full keeps its place in the lists and is left out when read."""
    return _public(prefix) & Q(**{f"{prefix}stock_quantity__gt": 0})


def _buyable(prefix: str = "") -> Q:
    """What is shown: on sale, and stock buyers can take now (on hand, not all of it held)."""
    return _public(prefix) & buyable(timezone.now(), prefix)


def _purchased(prefix: str = "") -> Q:
    return Q(**{f"{prefix}order__status__in": PURCHASED, f"{prefix}product__isnull": False})


# --- Content: TF-IDF over name, tags, category and description -------------------------------

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

    def _remove(self, product_id: int) -> None:
        _, terms = self.documents.pop(product_id, (None, {}))
        for term in terms:
            self.frequency[term] -= 1
            self.postings[term].discard(product_id)
            if not self.frequency[term]:
                del self.frequency[term], self.postings[term]


_CORPUS = Corpus()


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


# --- Collaborative: co-purchases and co-views ------------------------------------------------

@dataclass
class Interactions:
    """Who bought and who looked at what. Each user keeps their MAX_BASKET most recent products;
    the counts (distinct buyers and viewers of a product) are over everything."""

    bought: dict[int, dict[int, set[int]]] = field(default_factory=dict)  # buyer → product → its orders
    viewed: dict[int, set[int]] = field(default_factory=dict)  # user → products
    buyers_of: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    viewers_of: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add_purchases(self, rows: Iterable[tuple[int, int, int]]) -> None:
        """(buyer, order, product) rows, each buyer's newest first."""
        for buyer_id, order_id, product_id in rows:
            basket = self.bought.setdefault(buyer_id, {})
            if product_id in basket:
                basket[product_id].add(order_id)
            elif len(basket) < MAX_BASKET:
                basket[product_id] = {order_id}
                self.buyers_of[product_id].append(buyer_id)

    def add_views(self, rows: Iterable[tuple[int, int]]) -> None:
        """(user, product) rows, each user's newest first."""
        for user_id, product_id in rows:
            seen = self.viewed.setdefault(user_id, set())
            if len(seen) < MAX_BASKET and product_id not in seen:
                seen.add(product_id)
                self.viewers_of[product_id].append(user_id)

    def co_purchases(self, product_id: int) -> dict[int, float]:
        together: dict[int, float] = defaultdict(float)
        for buyer_id in self.buyers_of.get(product_id, ()):
            basket = self.bought[buyer_id]
            orders = basket[product_id]
            for other, other_orders in basket.items():
                if other != product_id:
                    together[other] += SAME_ORDER if orders & other_orders else SAME_BUYER
        return together

    def co_views(self, product_id: int) -> dict[int, float]:
        together: dict[int, float] = defaultdict(float)
        for user_id in self.viewers_of.get(product_id, ()):
            for other in self.viewed[user_id]:
                if other != product_id:
                    together[other] += 1.0
        return together


def _strongest(together: dict[int, float], allowed: set[int]) -> dict[int, float]:
    candidates = ((other, count) for other, count in together.items() if other in allowed)
    return dict(heapq.nlargest(MAX_CANDIDATES, candidates, key=lambda item: (item[1], -item[0])))


def _cosine(together: dict[int, float], counts: dict[int, int], product_id: int) -> dict[int, float]:
    own = max(counts.get(product_id, 0), 1)
    return {
        other: min(count / math.sqrt(own * max(counts.get(other, 0), 1)), 1.0) * count / (count + SHRINK)
        for other, count in together.items()
    }


def _buyer_counts(product_ids: Iterable[int] | None = None) -> dict[int, int]:
    rows = OrderItem.objects.filter(_purchased())
    if product_ids is not None:
        rows = rows.filter(product_id__in=list(product_ids))
    return dict(rows.order_by().values("product_id").annotate(n=Count("order__buyer_id", distinct=True))
                .values_list("product_id", "n"))


def _viewer_counts(product_ids: Iterable[int] | None = None) -> dict[int, int]:
    rows = ProductView.objects.all()
    if product_ids is not None:
        rows = rows.filter(product_id__in=list(product_ids))
    return dict(rows.order_by().values("product_id").annotate(n=Count("id")).values_list("product_id", "n"))


def _purchase_rows(buyer_ids: list[int] | None = None) -> QuerySet:
    rows = OrderItem.objects.filter(_purchased())
    if buyer_ids is not None:
        rows = rows.filter(order__buyer_id__in=buyer_ids)
    return rows.order_by("order__buyer_id", "-order__created_at", "-order_id").values_list(
        "order__buyer_id", "order_id", "product_id")


def _view_rows(user_ids: list[int] | None = None) -> QuerySet:
    rows = ProductView.objects.all()
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    return rows.order_by("user_id", "-last_viewed_at", "-id").values_list("user_id", "product_id")


# --- The catalog and its popularity ----------------------------------------------------------

@dataclass
class Catalog:
    """The public products (every one has recommendations) and the recommendable ones among
    them (in stock), with their content index."""

    category_of: dict[int, int | None]
    view_count: dict[int, int]
    recommendable: set[int]
    categories: dict[int, CategoryNode]
    index: ContentIndex

    @classmethod
    def load(cls) -> "Catalog":
        """Call with _CORPUS.lock held: the index reads the shared corpus."""
        categories = load_categories()
        rows = Product.objects.public().order_by().values_list(
            "pk", "updated_at", "category_id", "view_count", "stock_quantity")
        category_of, view_count, recommendable, versions = {}, {}, set(), {}
        for pk, updated_at, category_id, views, stock in rows.iterator(chunk_size=5000):
            category_of[pk], view_count[pk] = category_id, views
            versions[pk] = (updated_at, category_id, categories.get(category_id))
            if stock > 0:
                recommendable.add(pk)
        _CORPUS.sync(versions, categories)
        return cls(category_of, view_count, recommendable, categories, ContentIndex(_CORPUS))

    def family_head(self, category_id: int) -> int:
        node = self.categories.get(category_id)
        return node.parent_id if node and node.parent_id else category_id

    def family(self, category_id: int) -> list[int]:
        """The category's parent and the parent's children (its siblings); for a top category,
        itself and its children."""
        head = self.family_head(category_id)
        return [head, *(pk for pk, other in self.categories.items() if other.parent_id == head)]


class Popularity:
    """Recommendable products by popularity: overall, per category and per category family,
    each list as long as a product's padding can need."""

    def __init__(self, catalog: Catalog, buyer_counts: dict[int, int]):
        length = 2 * TOP_K + 1
        self.ranked = sorted(catalog.recommendable, key=lambda pk: (
            -(catalog.view_count[pk] + BUYER_POPULARITY * buyer_counts.get(pk, 0)), -pk))
        self.by_category: dict[int, list[int]] = defaultdict(list)
        self.by_family: dict[int, list[int]] = defaultdict(list)
        self.catalog = catalog
        for pk in self.ranked:
            category_id = catalog.category_of[pk]
            if category_id is None:
                continue
            if len(self.by_category[category_id]) < length:
                self.by_category[category_id].append(pk)
            head = catalog.family_head(category_id)
            if len(self.by_family[head]) < length:
                self.by_family[head].append(pk)
        self.overall = self.ranked[:length]

    def for_product(self, product_id: int) -> list[int]:
        category_id = self.catalog.category_of.get(product_id)
        if category_id is None:
            return self.overall
        head = self.catalog.family_head(category_id)
        return [*self.by_category[category_id], *self.by_family[head], *self.overall]


def _with_popularity(products: QuerySet) -> QuerySet:
    buyers = (OrderItem.objects.filter(_purchased(), product=OuterRef("pk")).order_by().values("product")
              .annotate(n=Count("order__buyer", distinct=True)).values("n"))
    return products.annotate(
        popularity=F("view_count") + BUYER_POPULARITY * Coalesce(Subquery(buyers, output_field=IntegerField()), 0))


def _popular_for(catalog: Catalog, product_id: int) -> list[int]:
    """The same ranking as Popularity.for_product, asked of the database for one product."""
    category_id = catalog.category_of.get(product_id)
    tier = Value(0)
    if category_id is not None:
        tier = Case(When(category_id=category_id, then=Value(0)),
                    When(category_id__in=catalog.family(category_id), then=Value(1)),
                    default=Value(2), output_field=IntegerField())
    rows = (_with_popularity(Product.objects.filter(_recommendable()).exclude(pk=product_id))
            .annotate(tier=tier).order_by("tier", "-popularity", "-id").values_list("pk", flat=True))
    return list(rows[:2 * TOP_K + 1])


def popular_product_ids() -> list[int]:
    """The most popular recommendable products, best first (cached; the hourly refresh renews it)."""
    ids = cache.get(POPULAR_CACHE_KEY)
    if ids is None:
        ranked = _with_popularity(Product.objects.filter(_recommendable())).order_by("-popularity", "-id")
        ids = list(ranked.values_list("pk", flat=True)[:POPULAR_SIZE])
        cache.set(POPULAR_CACHE_KEY, ids, POPULAR_TTL)
    return ids


# --- Scoring ---------------------------------------------------------------------------------

Ranked = list[tuple[int, float]]


@dataclass
class Signals:
    """The three kinds of evidence about a product's neighbours, each in [0, 1]."""

    content: dict[int, float]
    purchase: dict[int, float]
    view: dict[int, float]

    def blend(self) -> dict[str, dict[int, float]]:
        def score(weights: dict[str, float], other: int) -> float:
            return (weights["content"] * self.content.get(other, 0.0) + weights["view"] * self.view.get(other, 0.0)
                    + weights["purchase"] * self.purchase.get(other, 0.0))

        collaborative = self.purchase.keys() | self.view.keys()
        return {
            SIMILAR: {other: score(SIMILAR_WEIGHTS, other) for other in self.content.keys() | collaborative},
            # Only what someone actually took together (or at least compared) is "bought together".
            BOUGHT_TOGETHER: {other: score(BOUGHT_TOGETHER_WEIGHTS, other) for other in collaborative},
        }


def _signals(product_id: int, catalog: Catalog, interactions: Interactions,
             buyer_counts: Callable[[Iterable[int]], dict[int, int]],
             viewer_counts: Callable[[Iterable[int]], dict[int, int]]) -> Signals:
    allowed = catalog.recommendable - {product_id}
    bought = _strongest(interactions.co_purchases(product_id), allowed)
    viewed = _strongest(interactions.co_views(product_id), allowed)
    purchase = _cosine(bought, buyer_counts([*bought, product_id]), product_id) if bought else {}
    view = _cosine(viewed, viewer_counts([*viewed, product_id]), product_id) if viewed else {}
    content = catalog.index.similarities(product_id, allowed, also=bought.keys() | viewed.keys())
    return Signals(content, purchase, view)


def _top(product_id: int, scores: dict[int, float], popular: Callable[[], list[int]]) -> Ranked:
    """The TOP_K best neighbours; too few, and popular products of the category (then of its
    family, then of the shop) fill the list with score 0."""
    best = heapq.nlargest(TOP_K, ((o, s) for o, s in scores.items() if s > 0), key=lambda item: (item[1], -item[0]))
    if len(best) < TOP_K:
        chosen = {other for other, _ in best} | {product_id}
        for other in popular():
            if other not in chosen:
                best.append((other, 0.0))
                chosen.add(other)
                if len(best) == TOP_K:
                    break
    return best


def _rows(product_id: int, kind: str, ranked: Ranked) -> list[ProductRecommendation]:
    return [ProductRecommendation(product_id=product_id, kind=kind, recommended_id=other, score=score, rank=rank)
            for rank, (other, score) in enumerate(ranked, start=1)]


def _replace(lists: dict[tuple[int, str], Ranked]) -> None:
    """Write whole lists, keyed by (product, kind), in one transaction."""
    if not lists:
        return
    with transaction.atomic():
        for kind in KINDS:
            product_ids = [pk for pk, list_kind in lists if list_kind == kind]
            if product_ids:
                ProductRecommendation.objects.filter(kind=kind, product_id__in=product_ids).delete()
        ProductRecommendation.objects.bulk_create(
            [row for (pk, kind), ranked in lists.items() for row in _rows(pk, kind, ranked)], batch_size=1000)


def _stored(rows: QuerySet) -> dict[tuple[int, str], Ranked]:
    lists: dict[tuple[int, str], Ranked] = defaultdict(list)
    for owner, kind, other, score in rows.order_by("product_id", "kind", "rank").values_list(
            "product_id", "kind", "recommended_id", "score"):
        lists[owner, kind].append((other, score))
    return lists


def _same(ranked: Ranked, stored: Ranked) -> bool:
    return len(ranked) == len(stored) and all(
        other == stored_other and math.isclose(score, stored_score, rel_tol=1e-9, abs_tol=1e-12)
        for (other, score), (stored_other, stored_score) in zip(ranked, stored))


# --- Refreshing ------------------------------------------------------------------------------

def recommendations_refresh_all() -> int:
    """Recompute every public product's lists (the hourly job); only lists that changed are
    written. Returns how many products were computed."""
    with _CORPUS.lock:
        catalog = Catalog.load()
        interactions = Interactions()
        interactions.add_purchases(_purchase_rows().iterator(chunk_size=5000))
        interactions.add_views(_view_rows().iterator(chunk_size=5000))
        buyers, viewers = _buyer_counts(), _viewer_counts()
        popularity = Popularity(catalog, buyers)

        product_ids = sorted(catalog.category_of)
        for start in range(0, len(product_ids), 500):
            chunk = product_ids[start:start + 500]
            stored = _stored(ProductRecommendation.objects.filter(product_id__in=chunk))
            changed = {}
            for product_id in chunk:
                scores = _signals(product_id, catalog, interactions, lambda ids: buyers, lambda ids: viewers).blend()
                padding = popularity.for_product(product_id)
                for kind in KINDS:
                    ranked = _top(product_id, scores[kind], lambda: padding)
                    if not _same(ranked, stored.get((product_id, kind), [])):
                        changed[product_id, kind] = ranked
            _replace(changed)
    ProductRecommendation.objects.exclude(product__in=Product.objects.public()).delete()
    cache.set(POPULAR_CACHE_KEY, popularity.ranked[:POPULAR_SIZE], POPULAR_TTL)
    return len(product_ids)


def _interactions_around(product_id: int) -> Interactions:
    """The purchases and views of the product's most recent buyers and viewers."""
    buyer_ids = (OrderItem.objects.filter(_purchased(), product_id=product_id).order_by("-order__created_at")
                 .values_list("order__buyer_id", flat=True)[:MAX_USERS])
    viewer_ids = (ProductView.objects.filter(product_id=product_id).order_by("-last_viewed_at")
                  .values_list("user_id", flat=True)[:MAX_USERS])
    interactions = Interactions()
    if buyer_ids := list(dict.fromkeys(buyer_ids)):
        interactions.add_purchases(_purchase_rows(buyer_ids))
    if viewer_ids := list(viewer_ids):
        interactions.add_views(_view_rows(viewer_ids))
    return interactions


def recommendations_refresh_product(*, product_id: int) -> None:
    """Recompute one product's lists, and keep its place in its neighbours' lists (a new or
    renamed product shows up beside its neighbours at once, not at the next hourly run)."""
    recommendations_refresh_products(product_ids=[product_id])


def recommendations_refresh_products(*, product_ids: Iterable[int]) -> None:
    """recommendations_refresh_product() for several products at once (a bulk edit, an import):
    the catalog is read once for all of them."""
    with _CORPUS.lock:
        catalog = Catalog.load()
        for product_id in dict.fromkeys(product_ids):
            _refresh_one(product_id, catalog)


def _refresh_one(product_id: int, catalog: "Catalog") -> None:
    if product_id not in catalog.category_of:  # gone from the shop: nothing to recommend beside it
        ProductRecommendation.objects.filter(product_id=product_id).delete()
        return
    signals = _signals(product_id, catalog, _interactions_around(product_id), _buyer_counts, _viewer_counts)
    scores = signals.blend()
    popular: list[int] = []

    def padding() -> list[int]:
        if not popular:
            popular.extend(_popular_for(catalog, product_id))
        return popular

    lists = {(product_id, kind): _top(product_id, scores[kind], padding) for kind in KINDS}
    neighbours = {other for ranked in lists.values() for other, score in ranked if score > 0}
    listing = ProductRecommendation.objects.filter(recommended_id=product_id).values("product_id")
    beside = _stored(ProductRecommendation.objects.filter(Q(product_id__in=listing) | Q(product_id__in=neighbours))
                     .exclude(product_id=product_id))
    for owner, _ in beside:  # lists it is in: their owners' scores are needed too
        if owner in catalog.recommendable and owner not in signals.content:
            signals.content[owner] = catalog.index.cosine(product_id, owner)
    lists |= _lists_beside(product_id, lists, signals.blend(), beside, catalog)
    _replace(lists)


def _lists_beside(product_id: int, own: dict[tuple[int, str], Ranked], scores: dict[str, dict[int, float]],
                  stored: dict[tuple[int, str], Ranked], catalog: Catalog) -> dict[tuple[int, str], Ranked]:
    """The lists of other products changed by this one (its scores are symmetric): it enters
    (or moves in) the lists of its best neighbours, and leaves those it no longer belongs to.
    Lists of products that cannot be recommended themselves wait for the hourly run."""
    recommendable = product_id in catalog.recommendable
    best = {kind: {other for other, score in own[product_id, kind] if score > 0} for kind in KINDS}
    changed = {}
    for (owner, kind), ranked in stored.items():
        if owner not in catalog.recommendable:
            continue
        listed = dict(ranked)
        score = scores[kind].get(owner, 0.0) if recommendable else 0.0
        if score > 0 and (owner in best[kind] or product_id in listed):
            updated = [(other, s) for other, s in ranked if other != product_id] + [(product_id, score)]
            updated = sorted(updated, key=lambda item: -item[1])[:TOP_K]  # stable: the padding keeps its order
        elif listed.get(product_id, 0.0) > 0 and recommendable:
            updated = [(other, s) for other, s in ranked if other != product_id]  # no longer a neighbour
        else:
            continue  # unchanged; an unavailable product is hidden when read, and back when it is
        if not _same(updated, ranked):
            changed[owner, kind] = updated
    return changed


# --- Reading ---------------------------------------------------------------------------------

def _available_rows(product_ids: Iterable[int]) -> QuerySet:
    """Precomputed rows whose recommended product can still be bought, with what a public row
    shows joined and prefetched (no query per row)."""
    images = ProductImage.objects.order_by("-is_primary", "position", "id")
    return (ProductRecommendation.objects.filter(_buyable("recommended__"), product_id__in=list(product_ids))
            .select_related("recommended__seller", "recommended__category")
            .prefetch_related(Prefetch("recommended__images", queryset=images)))


def _read_lists(product_id: int, limit: int) -> dict[str, list[Product]]:
    lists: dict[str, list[Product]] = {kind: [] for kind in KINDS}
    for row in _available_rows([product_id]).order_by("kind", "rank"):
        if len(lists[row.kind]) < limit:
            lists[row.kind].append(row.recommended)
    return lists


def recommendations_for_product(product: Product, *, limit: int) -> dict[str, list[Product]]:
    """The product's similar and bought-together products, best first. Three queries when
    precomputed; computed (and stored) at once when the table has nothing for it."""
    lists = _read_lists(product.pk, limit)
    if not any(lists.values()):
        recommendations_refresh_product(product_id=product.pk)
        lists = _read_lists(product.pk, limit)
    return lists


def _history(user) -> tuple[dict[int, float], set[int]]:
    """The buyer's recent products, weighted (order > favourite > view), and what they have
    already bought or saved (never recommended back)."""
    seeds: dict[int, float] = defaultdict(float)
    for product_id in (ProductView.objects.filter(_public("product__"), user=user).order_by("-last_viewed_at")
                       .values_list("product_id", flat=True)[:HISTORY]):
        seeds[product_id] += SEED_WEIGHTS["view"]
    favourites = list(Favorite.objects.filter(_public("product__"), user=user).order_by("-created_at")
                      .values_list("product_id", flat=True)[:HISTORY])
    for product_id in favourites:
        seeds[product_id] += SEED_WEIGHTS["favorite"]
    purchases = (OrderItem.objects.filter(_purchased(), order__buyer=user).order_by("-order__created_at", "-id")
                 .values_list("product_id", ExpressionWrapper(_public("product__"), output_field=BooleanField())))
    bought: dict[int, bool] = {}  # product → still on sale, newest purchase first
    for product_id, on_sale in purchases[:BOUGHT_HISTORY]:
        bought.setdefault(product_id, on_sale)
    for product_id in [pk for pk, on_sale in bought.items() if on_sale][:HISTORY]:
        seeds[product_id] += SEED_WEIGHTS["order"]
    return dict(seeds), set(bought) | set(favourites)


def _personal_scores(seeds: dict[int, float], exclude: set[int]) -> dict[int, float] | None:
    """Each product's weighted sum of its best score beside each seed; None when nothing
    available is stored beside any seed (not even the popular padding)."""
    rows = list(ProductRecommendation.objects.filter(_buyable("recommended__"), product_id__in=list(seeds))
                .exclude(recommended_id__in=list(exclude)).order_by()  # no sort (nor join) for the model's ordering
                .values_list("product_id", "recommended_id", "score"))
    if not rows:
        return None
    strongest: dict[tuple[int, int], float] = {}
    for seed, other, score in rows:  # a pair may be listed under both kinds: its better score counts
        if score > 0:
            strongest[seed, other] = max(score, strongest.get((seed, other), 0.0))
    scores: dict[int, float] = defaultdict(float)
    for (seed, other), score in strongest.items():
        scores[other] += seeds[seed] * score
    return scores


def _products_in_order(ids: list[int]) -> list[Product]:
    chosen = public_products().filter(buyable(timezone.now()), pk__in=ids).order_by()  # in the order of `ids`
    found = {product.pk: product for product in chosen}
    return [found[pk] for pk in ids if pk in found]


def popular_products(*, limit: int, exclude: set[int] = frozenset()) -> list[Product]:
    # Twice the limit: a popular product may have sold out (or be held in full) since the list was cached.
    return _products_in_order([pk for pk in popular_product_ids() if pk not in exclude][:2 * limit])[:limit]


def recommendations_for_user(user, *, limit: int) -> tuple[list[Product], str]:
    """What to show a signed-in shopper: the neighbours of what they recently ordered, saved
    and viewed, summed with those weights ("personal"), topped up with popular products; popular
    products alone while they have no history ("popular"). A fixed number of queries."""
    seeds, exclude = _history(user)
    popular = popular_product_ids()
    if not seeds:
        return popular_products(limit=limit, exclude=exclude), "popular"
    scores = _personal_scores(seeds, exclude)
    if scores is None:  # nothing precomputed around them yet: compute their strongest seeds now
        for seed in heapq.nlargest(ON_DEMAND_SEEDS, seeds, key=lambda pk: (seeds[pk], pk)):
            recommendations_refresh_product(product_id=seed)
        scores = _personal_scores(seeds, exclude) or {}
    personal = [pk for pk, _ in heapq.nlargest(limit, scores.items(), key=lambda item: (item[1], -item[0]))]
    chosen = set(personal) | exclude
    # Twice what is missing: a popular product may have sold out (or be held) since the list was cached.
    ids = personal + [pk for pk in popular if pk not in chosen][:2 * (limit - len(personal))]
    return _products_in_order(ids)[:limit], "personal" if personal else "popular"
