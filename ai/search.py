"""Natural-language product search: the shopper's words understood as filters (ai.query), then
applied to the public catalog and ranked by the catalog's own search."""

from django.db.models import Q, QuerySet

from ai.query import Interpretation, parse_query
from products.models import Category
from products.search import search_products
from products.selectors import category_and_descendant_ids, public_products, stock_rank


def categories_for_matching() -> list[dict]:
    return list(Category.objects.filter(is_active=True).values("id", "name", "slug"))


def interpret(query: str) -> Interpretation:
    return parse_query(query, categories=categories_for_matching())


def option_matches(option: str, value: str) -> Q:
    keys = ("colour", "color") if option == "color" else (option,)
    condition = Q()
    for key in keys:
        condition |= Q(**{f"variants__options__{key}__iexact": value})
    return condition


def products_for(interpretation: Interpretation, *, category: str = "") -> QuerySet:
    """The public products that match every filter understood, best matches first."""
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
    for colour in interpretation.colors:
        # A variant in that colour, or a product that says it in its name or tags.
        products = products.filter(option_matches("color", colour) | Q(name__icontains=colour)
                                   | Q(tags_text__icontains=colour))
    for size in interpretation.sizes:
        products = products.filter(option_matches("size", size))
    if interpretation.colors or interpretation.sizes:
        # The variant joins can repeat a product: keep each once, in the listing's order.
        products = public_products().filter(pk__in=products.values("pk"))
    if interpretation.text:
        ordering = ("price",) if interpretation.sort == "price" else ("-search_rank",)
        return search_products(products, interpretation.text, rank_ordering=ordering)
    if interpretation.sort == "price":
        return products.order_by(stock_rank(), "price", "-id")
    return products
