"""Natural-language product search: the shopper's words understood as filters (ai.query), then
applied to the public catalog and ranked by the catalog's own search."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from ai.query import Interpretation, parse_query
from products.models import Category, Variant
from products.search import search_products
from products.selectors import category_and_descendant_ids, public_products, stock_rank


def categories_for_matching() -> list[dict]:
    return list(Category.objects.filter(is_active=True).values("id", "name", "slug"))


def category_named(value: str) -> dict | None:
    """The category given by id or slug, as the interpretation shows it."""
    lookup = Q(slug=value) | (Q(pk=int(value)) if value.isdigit() and len(value) < 19 else Q(pk__in=[]))
    return Category.objects.filter(lookup).values("id", "name", "slug").first()


def interpret(query: str) -> Interpretation:
    return parse_query(query, categories=categories_for_matching())


# Seller-entered option names vary in case and spelling.
OPTION_KEYS = {"color": ("color", "colour", "Color", "Colour", "COLOR"), "size": ("size", "Size", "SIZE")}
SIZE_NAMES = {"S": ("S", "Small"), "M": ("M", "Medium"), "L": ("L", "Large"), "XS": ("XS", "Extra small"),
              "XL": ("XL", "Extra large")}


def variant_with(option: str, values) -> Exists:
    """Products with a variant whose option is one of `values`: one EXISTS, never a join, so
    many terms never multiply rows."""
    condition = Q()
    for key in OPTION_KEYS[option]:
        for value in values:
            condition |= Q(**{f"options__{key}__iexact": value})
    return Exists(Variant.objects.filter(condition, product=OuterRef("pk")))


def products_for(interpretation: Interpretation, *, category: str = "") -> QuerySet:
    """The public products that match every kind of filter understood (any of several colours,
    any of several sizes), best matches first."""
    products = public_products()
    chosen = category or (str(interpretation.category["id"]) if interpretation.category else "")
    if chosen:
        products = products.filter(category_id__in=category_and_descendant_ids(chosen))
    if interpretation.min_price is not None:
        products = products.filter(price__gte=interpretation.min_price)
    if interpretation.max_price is not None:
        products = products.filter(price__lte=interpretation.max_price)
    if interpretation.currency:
        products = products.filter(currency=interpretation.currency)
    if interpretation.in_stock:
        products = products.filter(stock_quantity__gt=0)
    if interpretation.colors:
        # A variant in one of the colours, or a product that names it in its name or tags.
        named = Q()
        for colour in interpretation.colors:
            named |= Q(name__iregex=rf"(^|[^a-z]){colour}([^a-z]|$)") | Q(tags_text__icontains=colour)
        products = products.filter(variant_with("color", interpretation.colors) | named)
    if interpretation.sizes:
        sizes = [name for size in interpretation.sizes for name in SIZE_NAMES.get(size, (size,))]
        products = products.filter(variant_with("size", sizes))
    if interpretation.text:
        ordering = (stock_rank(), "price") if interpretation.sort == "price" else ("-search_rank",)
        return search_products(products, interpretation.text, rank_ordering=ordering)
    if interpretation.sort == "price":
        return products.order_by(stock_rank(), "price", "-id")
    return products
