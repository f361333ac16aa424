"""The search data of the catalog: each product's search document and the vocabulary of all
their words. The catalog services call `index_products` inside their transaction whenever a
product's words change (name, SKU, description, tags, category, variants); `rebuild` redoes
everything (the data migration and `manage.py rebuild_search_index`)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction

from products.search.text import (
    COLOUR,
    DESCRIPTION,
    NAME,
    SIZE,
    SIZE_OPTION_NAMES,
    SIZE_PHRASES,
    TAGS,
    WORD_TOKEN_PREFIXES,
    colour_tokens,
    fold,
    size_tokens,
    stems,
    words,
)
from products.search.vocabulary import vocabulary_changed

# A long description says everything once; its first words say what the product is.
MAX_DESCRIPTION_WORDS = 400
BATCH = 500


@dataclass
class Document:
    """A product's search document being built: its tokens in order, each once."""

    tokens: dict[str, None] = field(default_factory=dict)
    vocabulary: set[str] = field(default_factory=set)

    def add_words(self, where: str, text: str, *, limit: int | None = None) -> None:
        found = list(dict.fromkeys(words(text)))
        for word in found[:limit]:
            self.tokens[f"{where}:{word}"] = None
            self.vocabulary.add(word)
            if where != DESCRIPTION:
                for colour in colour_tokens(word):
                    self.tokens[f"{COLOUR}:{colour}"] = None
        if where != DESCRIPTION:
            plain = words(text)
            for pair in zip(plain, plain[1:], strict=False):  # "Bleu marine" is navy
                for colour in colour_tokens(" ".join(pair)):
                    self.tokens[f"{COLOUR}:{colour}"] = None

    def add_sizes(self, sizes: Iterable[str]) -> None:
        for size in sizes:
            self.tokens[f"{SIZE}:{size}"] = None


def build_document(*, name: str, sku: str, description: str, tags: Iterable[str], categories: Iterable[str],
                   variants: Iterable[tuple[str, dict]]) -> Document:
    """`categories`: the product's category and the ones above it; `variants`: (name, options)."""
    document = Document()
    document.add_words(NAME, name)
    document.add_words(NAME, sku)
    for text in (*tags, *categories):
        document.add_words(TAGS, text)
    for variant_name, options in variants:
        document.add_words(TAGS, variant_name)
        if " ".join(words(variant_name)) in SIZE_PHRASES:
            document.add_sizes(size_tokens(variant_name))
        for key, value in (options if isinstance(options, dict) else {}).items():
            value = str(value)
            document.add_words(TAGS, value)
            if fold(str(key)).strip() in SIZE_OPTION_NAMES:
                document.add_sizes(size_tokens(value))
    document.add_words(DESCRIPTION, description, limit=MAX_DESCRIPTION_WORDS)
    return document


@dataclass(frozen=True)
class Models:
    """The models to index with: the project's, or a migration's historical ones."""

    product: type
    document: type
    word: type
    variant: type


def _current_models() -> Models:
    from products.models import Product, SearchDocument, SearchWord, Variant

    return Models(product=Product, document=SearchDocument, word=SearchWord, variant=Variant)


def _category_names(category) -> list[str]:
    names = []
    while category is not None:
        names.append(category.name)
        category = category.parent
    return names


def _index_batch(models: Models, product_ids: list[int]) -> set[str]:
    """Write the documents of these products; return their words."""
    # Locked as the catalog services lock them, so that a concurrent edit is read once committed
    # and never overwritten with the words it replaced.
    products = list(models.product.objects.filter(pk__in=product_ids).order_by("pk")
                    .select_for_update(of=("self",))
                    .select_related("category__parent__parent")
                    .only("pk", "name", "sku", "description", "tags_text", "category__name",
                          "category__parent__name", "category__parent__parent__name"))
    variants: dict[int, list[tuple[str, dict]]] = {}
    for product_id, variant_name, options in (models.variant.objects.filter(product_id__in=product_ids)
                                              .order_by("position", "id")
                                              .values_list("product_id", "name", "options")):
        variants.setdefault(product_id, []).append((variant_name, options))
    vocabulary: set[str] = set()
    rows = []
    for product in products:
        document = build_document(
            name=product.name, sku=product.sku, description=product.description,
            tags=[tag for tag in product.tags_text.split(",") if tag], categories=_category_names(product.category),
            variants=variants.get(product.pk, ()))
        vocabulary |= document.vocabulary
        rows.append(models.document(product_id=product.pk, tokens=list(document.tokens)))
    models.document.objects.bulk_create(rows, update_conflicts=True, unique_fields=["product"],
                                        update_fields=["tokens"])
    return vocabulary


def _add_words(models: Models, vocabulary: set[str]) -> int:
    """Add the words the vocabulary lacks; return how many."""
    ordered, added = sorted(vocabulary), 0
    for start in range(0, len(ordered), BATCH):
        chunk = ordered[start:start + BATCH]
        known = set(models.word.objects.filter(word__in=chunk).values_list("word", flat=True))
        new = [models.word(word=word, stem_en=stems(word)[0], stem_fr=stems(word)[1], length=len(word))
               for word in chunk if word not in known]
        models.word.objects.bulk_create(new, ignore_conflicts=True)
        added += len(new)
    return added


def index_products(product_ids: Iterable[int]) -> None:
    """Bring these products' search data up to date. Call inside the transaction that changed
    them: search sees the change when the change commits."""
    models = _current_models()
    ids = sorted(set(product_ids))
    added = 0
    _hold_vocabulary(exclusive=False)
    for start in range(0, len(ids), BATCH):
        added += _add_words(models, _index_batch(models, ids[start:start + BATCH]))
    if added:
        transaction.on_commit(vocabulary_changed)


def index_category(category_id: int) -> None:
    """A category was renamed or moved: its products and those of the categories below it."""
    from products.models import Product
    from products.selectors import category_and_descendant_ids

    ids = category_and_descendant_ids(str(category_id))
    index_products(Product.objects.filter(category_id__in=ids).values_list("pk", flat=True))


# An advisory lock of PostgreSQL's, held until the transaction ends: writers of documents share
# it; the rebuild's pruning of unused words takes it alone, so that it never drops a word a
# document being written (not yet committed, not yet visible) relies on. SQLite's writers are
# serialized already (each transaction takes the write lock as it begins).
VOCABULARY_LOCK = 0x5EA4C4  # "search" in this project's advisory lock space


def _hold_vocabulary(*, exclusive: bool) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_advisory_xact_lock{'' if exclusive else '_shared'}(%s)", [VOCABULARY_LOCK])


Progress = Callable[[int, int], None]


def rebuild(models: Models | None = None, *, progress: Progress | None = None, announce: bool = True) -> int:
    """Every product's document rewritten and the vocabulary made exactly their words (words no
    product has any more are dropped). One transaction per batch; returns how many products.
    `announce=False` (a migration): cached query plans are left to expire."""
    models = models or _current_models()
    ids = list(models.product.objects.order_by("pk").values_list("pk", flat=True))
    vocabulary: set[str] = set()
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            vocabulary |= _index_batch(models, ids[start:start + BATCH])
        if progress:
            progress(min(start + BATCH, len(ids)), len(ids))
    with transaction.atomic():
        _hold_vocabulary(exclusive=True)
        _add_words(models, vocabulary)
        # The words of the documents as they are now, products added or edited meanwhile included.
        in_use = {token.split(":", 1)[1] for tokens in models.document.objects.values_list("tokens", flat=True)
                  for token in tokens if token[:2] in WORD_TOKEN_PREFIXES}
        stale = [pk for pk, word in models.word.objects.values_list("pk", "word") if word not in in_use]
        for start in range(0, len(stale), BATCH):
            models.word.objects.filter(pk__in=stale[start:start + BATCH]).delete()
        if announce:
            transaction.on_commit(vocabulary_changed)
    return len(ids)
