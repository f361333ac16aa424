"""Reads of the catalog that several views share: scoped querysets, the category tree, and
the rows of the public listings, built directly as dicts (the hot path does no serializer
work per item; the URL prefixes, seller blocks and held stock are computed once per page)."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from typing import Any, NamedTuple

from django.core.files.storage import default_storage
from django.db.models import Case, Count, Expression, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone
from django.utils.encoding import filepath_to_uri

from accounts.models import display_name
from products.holds import HeldUnits, buyable, held_in_full, held_in_full_until, held_units
from products.models import Category, Product, ProductImage, Variant, split_tags
from sellflow.compiled_queries import CompiledQuery


class StockRank(Expression):
    """The leading term of the public orders, so that buyable_first() can recognise it. Its CASE (and
    the subquery of the products held in full in it) is built only when a query keeping it is compiled,
    at that moment's time: the listing's BuyableFirst drops it, so the listing never pays for it."""

    output_field = IntegerField()

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        rank = Case(When(buyable(timezone.now()), then=Value(0)), default=Value(1), output_field=IntegerField())
        return rank.resolve_expression(query, allow_joins, reuse, summarize, for_save)


def stock_rank() -> StockRank:
    """0 for products buyers can take now, 1 for sold out or held in full by unpaid orders:
    listings show what can be bought first."""
    return StockRank()


def on_hand_rank() -> Case:
    """0 for products with stock on hand, 1 for none: the public-listing index
    (products.Product.Meta) is built on this very expression."""
    return Case(When(stock_quantity__gt=0, then=Value(0)), default=Value(1), output_field=IntegerField())


class ListingCounts(NamedTuple):
    """What paginating a public list in two segments needs: the products held in full (the rule of
    the first segment), how many products in all and in the first segment, and until when that is
    true (the first lapse of a hold on a product held in full; null: until the catalog changes)."""

    held_in_full_ids: list[int]
    total: int
    buyable: int
    until: datetime | None


def count_listing(queryset: QuerySet[Product], now: datetime) -> ListingCounts:
    """Two queries: the products held in full, then both counts at once."""
    held, until = held_in_full_until(now)
    rule = buyable(now, held_in_full_ids=held)
    counts = queryset.aggregate(total=Count("pk"), buyable=Count("pk", filter=rule))
    return ListingCounts(held, counts["total"], counts["buyable"], until)


# Given count() (the listing's counts), returns them: from a cache (products.cache.cached_counts) or not.
RememberCounts = Callable[[Callable[[], ListingCounts]], ListingCounts]


class BuyableFirst:
    """A public list ordered by stock_rank(), read for a paginator as two segments: the products
    buyers can take, then the others, each in the rest of the order. Sorting every public product
    by its holds would cost a pass over the catalog per page; the buyable ones (all on hand) are
    read behind on_hand_rank() instead, so that the default order is the public-listing index's,
    read only as far as the page goes.
    The products held in full are read first (one small query), so that the database plans each
    segment knowing how few they are; the count counts both segments at once. A page then costs
    one query (and its prefetches), two where the first segment ends.
    With `remember_counts`, the counts (and the products held in full) are read at once, through it:
    a cached count costs no query at all."""

    def __init__(self, queryset: QuerySet[Product], *, remember_counts: RememberCounts | None = None):
        now = timezone.now()
        self.counts = remember_counts(partial(count_listing, queryset, now)) if remember_counts else None
        held = self.counts.held_in_full_ids if self.counts else list(held_in_full(now))
        self.rule = buyable(now, held_in_full_ids=held)
        order = queryset.query.order_by[1:]
        self.queryset = queryset
        # A search ranks every match before the first page is known: the index's order would only
        # walk the whole catalog in it (PostgreSQL picks that path for a LIMIT), so it is not offered.
        leading = () if "-search_rank" in order else (on_hand_rank(),)
        self.buyable = queryset.filter(self.rule).order_by(*leading, *order)
        self.others = queryset.exclude(self.rule).order_by(*order)
        self.buyable_count: int | None = self.counts.buyable if self.counts else None

    def count(self) -> int:
        if self.counts:
            return self.counts.total
        counts = self.queryset.aggregate(total=Count("pk"), buyable=Count("pk", filter=self.rule))
        self.buyable_count = counts["buyable"]
        return counts["total"]

    def __getitem__(self, page: slice) -> list[Product]:
        if self.buyable_count is None:
            self.count()
        start, stop, first = page.start or 0, page.stop, self.buyable_count
        found = list(self.buyable[start:min(stop, first)]) if start < first else []
        return found + (list(self.others[max(start - first, 0):stop - first]) if stop > first else [])


def buyable_first(queryset: QuerySet[Product], *,
                  remember_counts: RememberCounts | None = None) -> "QuerySet[Product] | BuyableFirst":
    """What to paginate for a list over the whole catalog (the listing, the AI search): read in two
    segments when it puts buyable products first. A vendor's page or favourites sort few rows: they
    are paginated as they are."""
    order = queryset.query.order_by
    if order and isinstance(order[0], StockRank):
        return BuyableFirst(queryset, remember_counts=remember_counts)
    return queryset


def public_listing() -> QuerySet[Product]:
    """The public products in the listing's order, bare: to be read as values of PUBLIC_ROW_FIELDS."""
    return Product.objects.public().order_by(stock_rank(), "-created_at", "-id")


def public_products() -> QuerySet[Product]:
    return (
        public_listing()
        .select_related("seller", "category")
        .prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("-is_primary", "position", "id")))
    )


def category_tree() -> list[dict[str, Any]]:
    categories = list(Category.objects.filter(is_active=True).order_by("position", "name"))
    nodes = {c.id: {"id": c.id, "name": c.name, "slug": c.slug, "icon": c.icon, "children": []} for c in categories}
    roots = []
    for category in categories:
        if category.parent_id is None:
            roots.append(nodes[category.id])
        elif category.parent_id in nodes:  # children of an inactive category are hidden with it
            nodes[category.parent_id]["children"].append(nodes[category.id])
    return roots


def category_and_descendant_ids(value: str) -> list[int]:
    """The category given by id or slug, with every category below it."""
    pairs = list(Category.objects.values_list("id", "parent_id", "slug"))
    start = next((pk for pk, _, slug in pairs if str(pk) == value or slug == value), None)
    if start is None:
        return []
    children: dict[int, list[int]] = {}
    for pk, parent_id, _ in pairs:
        children.setdefault(parent_id, []).append(pk)
    found, frontier = [start], [start]
    while frontier:
        frontier = [child for pk in frontier for child in children.get(pk, [])]
        found += frontier
    return found


# What a public row shows, read as values: the product's columns and its category's and seller's
# public ones, never the seller's whole row (its password hash, email, settings...).
NAME_FIELDS = ("company_name", "first_name", "last_name", "account_type")  # what display_name() reads
SELLER_FIELDS = (*NAME_FIELDS, "city", "avatar")
PUBLIC_ROW_FIELDS = (
    "id", "name", "slug", "price", "compare_at_price", "currency", "stock_quantity", "tags_text", "created_at",
    "category_id", "category__name", "category__slug", "seller_id", *(f"seller__{field}" for field in SELLER_FIELDS),
)
PUBLIC_DETAIL_FIELDS = (*PUBLIC_ROW_FIELDS, "description", "view_count", "share_count")
IMAGE_FIELDS = ("product_id", "id", "image", "thumbnail", "alt_text", "is_primary")


# The public page of one product: its row, images and variants, each query compiled once
# (sellflow.compiled_queries), as building and compiling them cost several times their reading.
_PUBLIC_DETAIL = CompiledQuery(
    lambda pk: Product.objects.public().filter(pk=pk).order_by().values(*PUBLIC_DETAIL_FIELDS)[:1], pk=int)
_IMAGES_OF_PRODUCT = CompiledQuery(
    lambda pk: ProductImage.objects.filter(product_id=pk).values_list(*IMAGE_FIELDS), pk=int)  # in Meta's order
_VARIANTS_OF_PRODUCT = CompiledQuery(
    lambda pk: Variant.objects.filter(product_id=pk).values_list("id", "name", "options", "price", "stock_quantity"),
    pk=int)


def public_detail_values(pk: int) -> dict[str, Any] | None:
    """The PUBLIC_DETAIL_FIELDS of a public product, None if there is none."""
    return next(iter(_PUBLIC_DETAIL.rows(pk=pk)), None)


def public_product_values(product: Product) -> dict[str, Any]:
    """A product instance (category selected) as the product and category columns of PUBLIC_ROW_FIELDS."""
    category = product.category
    return {
        "id": product.pk, "name": product.name, "slug": product.slug, "price": product.price,
        "compare_at_price": product.compare_at_price, "currency": product.currency,
        "stock_quantity": product.stock_quantity, "tags_text": product.tags_text, "created_at": product.created_at,
        "category_id": product.category_id, "category__name": category.name if category else None,
        "category__slug": category.slug if category else None,
    }


def money(value) -> str | None:
    """A DecimalField(decimal_places=2) as DRF renders it."""
    return f"{value:.2f}" if value is not None else None


def timestamp(value: datetime) -> str:
    """A datetime as DRF's DateTimeField renders it: in the current time zone, UTC as "Z"."""
    value = timezone.localtime(value).isoformat()
    return value[:-6] + "Z" if value.endswith("+00:00") else value


class MediaURLs:
    """Absolute media URLs as DRF's file fields render them with a request, the prefix computed
    once per request rather than once per file. It assumes a storage whose URL is its base_url and
    the file's path (Django's FileSystemStorage, as configured): a storage that signs each URL
    (S3 and the like) would need storage.url() per file instead."""

    def __init__(self, request):
        self.media_base = request.build_absolute_uri(default_storage.base_url)

    def url(self, name: str) -> str | None:
        return f"{self.media_base}{filepath_to_uri(name)}" if name else None


# What a seller's product row shows (ProductSerializer's fields), read as values.
SELLER_ROW_FIELDS = (
    "id", "name", "slug", "description", "price", "compare_at_price", "currency", "sku", "category_id",
    "category__name", "category__slug", "tags_text", "status", "stock_quantity", "low_stock_threshold", "weight",
    "view_count", "share_count", "created_at", "updated_at",
)
SELLER_IMAGE_FIELDS = (
    "product_id", "id", "image", "thumbnail", "alt_text", "position", "is_primary", "width", "height",
)
SELLER_VARIANT_FIELDS = ("product_id", "id", "name", "options", "sku", "price", "stock_quantity")


class SellerRows(MediaURLs):
    """A seller's products as ProductSerializer renders them, built from values (one query each
    for the page's images and variants, no model instance): the seller list's hot path."""

    def rows(self, page: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        page = list(page)
        ids = [values["id"] for values in page]
        images: dict[int, list[dict[str, Any]]] = defaultdict(list)
        variants: dict[int, list[dict[str, Any]]] = defaultdict(list)
        if ids:  # each in its model's Meta order
            for product_id, *image in ProductImage.objects.filter(product_id__in=ids).values_list(*SELLER_IMAGE_FIELDS):
                images[product_id].append(self.image(*image))
            for product_id, *variant in Variant.objects.filter(product_id__in=ids).values_list(*SELLER_VARIANT_FIELDS):
                variants[product_id].append(self.variant(*variant))
        return [self.row(values, images[values["id"]], variants[values["id"]]) for values in page]

    def image(self, pk, image, thumbnail, alt_text, position, is_primary, width, height) -> dict[str, Any]:
        return {"id": pk, "image": self.url(image), "thumbnail": self.url(thumbnail), "alt_text": alt_text,
                "position": position, "is_primary": is_primary, "width": width, "height": height}

    @staticmethod
    def variant(pk, name, options, sku, price, stock_quantity) -> dict[str, Any]:
        return {"id": pk, "name": name, "options": options, "sku": sku, "price": money(price),
                "stock_quantity": stock_quantity}

    @staticmethod
    def row(values: dict[str, Any], images: list, variants: list) -> dict[str, Any]:
        category_id, weight = values["category_id"], values["weight"]
        return {
            "id": values["id"], "name": values["name"], "slug": values["slug"],
            "description": values["description"], "price": money(values["price"]),
            "compare_at_price": money(values["compare_at_price"]), "currency": values["currency"],
            "sku": values["sku"], "category": category_id,
            "category_detail": {"id": category_id, "name": values["category__name"],
                                "slug": values["category__slug"]} if category_id is not None else None,
            "tags": values["tags_text"], "tag_list": split_tags(values["tags_text"]), "status": values["status"],
            "stock_quantity": values["stock_quantity"], "low_stock_threshold": values["low_stock_threshold"],
            "in_stock": values["stock_quantity"] > 0,
            "weight": f"{weight:.3f}" if weight is not None else None,
            "view_count": values["view_count"], "share_count": values["share_count"],
            "images": images, "variants": variants,
            "created_at": timestamp(values["created_at"]), "updated_at": timestamp(values["updated_at"]),
        }


class PublicRows(MediaURLs):
    """Builds the public JSON rows of products for one request. Their stock is what buyers can
    still take (on hand minus held): count the holds of the products first (`count_holds`, one
    query), or build a page with `products` (instances, as public_products() reads them) or `rows`
    (values of PUBLIC_ROW_FIELDS: no model instance at all, the cheap way for the listing)."""

    def __init__(self, request):
        super().__init__(request)
        self._sellers: dict[int, dict] = {}
        self._held = HeldUnits()

    @property
    def valid_until(self):
        """When the first hold counted lapses: rows built here are true until then."""
        return self._held.until

    def count_holds(self, products: Iterable[Product]) -> None:
        self._held = held_units((product.pk for product in products), now=timezone.now())

    def products(self, page: Iterable[Product]) -> list[dict[str, Any]]:
        page = list(page)
        self.count_holds(page)
        return [self.product(product) for product in page]

    def rows(self, page: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """A page read as values of PUBLIC_ROW_FIELDS: one query for its images, one for its holds."""
        page = list(page)
        ids = [values["id"] for values in page]
        self._held = held_units(ids, now=timezone.now())
        images = self.images_of(ids)
        return [self.row(values, images.get(values["id"], []), self.seller_of(values)) for values in page]

    def images_of(self, product_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        found: dict[int, list[dict[str, Any]]] = defaultdict(list)
        if not product_ids:
            return found
        if len(product_ids) == 1:
            images = _IMAGES_OF_PRODUCT.rows(pk=product_ids[0])
        else:
            images = ProductImage.objects.filter(product_id__in=product_ids).values_list(*IMAGE_FIELDS)  # Meta's order
        for product_id, pk, image, thumbnail, alt_text, is_primary in images:
            found[product_id].append(self.image(pk, image, thumbnail, alt_text, is_primary))
        return found

    def image(self, pk: int, image: str, thumbnail: str, alt_text: str, is_primary: bool) -> dict[str, Any]:
        return {"id": pk, "image": self.url(image), "thumbnail": self.url(thumbnail), "alt_text": alt_text,
                "is_primary": is_primary}

    def seller(self, user) -> dict[str, Any]:
        row = self._sellers.get(user.pk)
        if row is None:
            row = self._sellers[user.pk] = {
                "id": user.pk,
                "display_name": user.display_name,
                "company_name": user.company_name,
                "city": user.city,
                "avatar": self.url(user.avatar.name),
            }
        return row

    def seller_of(self, values: dict[str, Any]) -> dict[str, Any]:
        """The seller block of a row read as values (built once per seller and request)."""
        pk = values["seller_id"]
        row = self._sellers.get(pk)
        if row is None:
            row = self._sellers[pk] = {
                "id": pk,
                "display_name": display_name(pk=pk, **{field: values[f"seller__{field}"] for field in NAME_FIELDS}),
                "company_name": values["seller__company_name"],
                "city": values["seller__city"],
                "avatar": self.url(values["seller__avatar"]),
            }
        return row

    def product(self, product: Product) -> dict[str, Any]:
        images = [self.image(image.pk, image.image.name, image.thumbnail.name, image.alt_text, image.is_primary)
                  for image in product.images.all()]
        return self.row(public_product_values(product), images, self.seller(product.seller))

    def row(self, values: dict[str, Any], images: list[dict[str, Any]], seller: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": values["id"],
            "name": values["name"],
            "slug": values["slug"],
            "price": money(values["price"]),
            "compare_at_price": money(values["compare_at_price"]),
            "currency": values["currency"],
            "in_stock": self._held.available_of(values["id"], values["stock_quantity"]) > 0,
            "category": {"id": values["category_id"], "name": values["category__name"],
                         "slug": values["category__slug"]} if values["category_id"] is not None else None,
            "tag_list": split_tags(values["tags_text"]),
            "images": images,
            "seller": seller,
            "created_at": timestamp(values["created_at"]),
        }

    def detail(self, values: dict[str, Any]) -> dict[str, Any]:
        """A product read as values of PUBLIC_DETAIL_FIELDS, with its variants (one query each for
        its images, variants and holds)."""
        pk, price = values["id"], values["price"]
        self._held = held_units([pk], now=timezone.now())
        images = self.images_of([pk]).get(pk, [])
        variants = _VARIANTS_OF_PRODUCT.rows(pk=pk)
        return {
            **self.row(values, images, self.seller_of(values)),
            "description": values["description"],
            "stock_quantity": self._held.available_of(pk, values["stock_quantity"]),
            "view_count": values["view_count"],
            "share_count": values["share_count"],
            "variants": [
                {
                    "id": variant_id,
                    "name": name,
                    "options": options,
                    "price": f"{(variant_price if variant_price is not None else price):.2f}",
                    "in_stock": self._held.available_variant_of(variant_id, on_hand) > 0,
                }
                for variant_id, name, options, variant_price, on_hand in variants
            ],
        }
