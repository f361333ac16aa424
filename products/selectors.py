"""Reads of the catalog that several views share: scoped querysets, the category tree, and
the rows of the public listings, built directly as dicts (the hot path does no serializer
work per item; the URL prefixes, seller blocks and held stock are computed once per page)."""

from collections.abc import Iterable
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import Case, Count, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone
from django.utils.encoding import filepath_to_uri

from accounts.models import User
from products.holds import HeldUnits, buyable, held_in_full, held_units
from products.models import Category, Product, ProductImage


def seller_products(seller: User) -> QuerySet[Product]:
    return (
        Product.objects.alive()
        .filter(seller=seller)
        .select_related("category")
        .prefetch_related("images", "variants")
    )


class StockRank(Case):
    """The leading term of the public orders, so that buyable_first() can recognise it."""


def stock_rank() -> StockRank:
    """0 for products buyers can take now, 1 for sold out or held in full by unpaid orders:
    listings show what can be bought first."""
    return StockRank(When(buyable(timezone.now()), then=Value(0)), default=Value(1), output_field=IntegerField())


def on_hand_rank() -> Case:
    """0 for products with stock on hand, 1 for none: the public-listing index
    (products.Product.Meta) is built on this very expression."""
    return Case(When(stock_quantity__gt=0, then=Value(0)), default=Value(1), output_field=IntegerField())


class BuyableFirst:
    """A public list ordered by stock_rank(), read for a paginator as two segments: the products
    buyers can take, then the others, each in the rest of the order. Sorting every public product
    by its holds would cost a pass over the catalog per page; the buyable ones (all on hand) are
    read behind on_hand_rank() instead, so that the default order is the public-listing index's,
    read only as far as the page goes.
    The products held in full are read first (one small query), so that the database plans each
    segment knowing how few they are; the count counts both segments at once. A page then costs
    one query (and its prefetches), two where the first segment ends."""

    def __init__(self, queryset: QuerySet[Product]):
        now = timezone.now()
        self.rule = buyable(now, held_in_full_ids=list(held_in_full(now)))
        order = queryset.query.order_by[1:]
        self.queryset = queryset
        # A search ranks every match before the first page is known: the index's order would only
        # walk the whole catalog in it (PostgreSQL picks that path for a LIMIT), so it is not offered.
        leading = () if "-search_rank" in order else (on_hand_rank(),)
        self.buyable = queryset.filter(self.rule).order_by(*leading, *order)
        self.others = queryset.exclude(self.rule).order_by(*order)
        self.buyable_count: int | None = None

    def count(self) -> int:
        counts = self.queryset.aggregate(total=Count("pk"), buyable=Count("pk", filter=self.rule))
        self.buyable_count = counts["buyable"]
        return counts["total"]

    def __getitem__(self, page: slice) -> list[Product]:
        if self.buyable_count is None:
            self.count()
        start, stop, first = page.start or 0, page.stop, self.buyable_count
        found = list(self.buyable[start:min(stop, first)]) if start < first else []
        return found + (list(self.others[max(start - first, 0):stop - first]) if stop > first else [])


def buyable_first(queryset: QuerySet[Product]) -> "QuerySet[Product] | BuyableFirst":
    """What to paginate for a list over the whole catalog (the listing, the AI search): read in two
    segments when it puts buyable products first. A vendor's page or favourites sort few rows: they
    are paginated as they are."""
    order = queryset.query.order_by
    return BuyableFirst(queryset) if order and isinstance(order[0], StockRank) else queryset


def public_products() -> QuerySet[Product]:
    return (
        Product.objects.public()
        .select_related("seller", "category")
        .prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("-is_primary", "position", "id")))
        .order_by(stock_rank(), "-created_at", "-id")
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


class PublicRows:
    """Builds the public JSON rows of products for one request. Their stock is what buyers can
    still take (on hand minus held): count the holds of the products first (`count_holds`, one
    query), or build a page with `products`."""

    def __init__(self, request):
        self.media_base = request.build_absolute_uri(default_storage.base_url)
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

    def url(self, name: str) -> str | None:
        return f"{self.media_base}{filepath_to_uri(name)}" if name else None

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

    def product(self, product: Product) -> dict[str, Any]:
        category = product.category
        return {
            "id": product.pk,
            "name": product.name,
            "slug": product.slug,
            "price": f"{product.price:.2f}",
            "compare_at_price": f"{product.compare_at_price:.2f}" if product.compare_at_price is not None else None,
            "currency": product.currency,
            "in_stock": self._held.available(product) > 0,
            "category": {"id": category.pk, "name": category.name, "slug": category.slug} if category else None,
            "tag_list": product.tag_list,
            "images": [
                {
                    "id": image.pk,
                    "image": self.url(image.image.name),
                    "thumbnail": self.url(image.thumbnail.name),
                    "alt_text": image.alt_text,
                    "is_primary": image.is_primary,
                }
                for image in product.images.all()
            ],
            "seller": self.seller(product.seller),
            "created_at": product.created_at.isoformat().replace("+00:00", "Z"),
        }

    def detail(self, product: Product) -> dict[str, Any]:
        self.count_holds([product])
        return {
            **self.product(product),
            "description": product.description,
            "stock_quantity": self._held.available(product),
            "view_count": product.view_count,
            "share_count": product.share_count,
            "variants": [
                {
                    "id": variant.pk,
                    "name": variant.name,
                    "options": variant.options,
                    "price": f"{(variant.price if variant.price is not None else product.price):.2f}",
                    "in_stock": self._held.available_variant(variant) > 0,
                }
                for variant in product.variants.all()
            ],
        }
