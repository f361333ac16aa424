"""Reads of the orders app: the cart as the buyer sees it (with what changed since each line was
added), and the order querysets of buyers and sellers."""

from collections import OrderedDict
from decimal import Decimal
from enum import StrEnum

from django.core.files.storage import default_storage
from django.db.models import Prefetch, Q, QuerySet

from orders.models import Cart, CartItem, Order
from orders.services.cart import purchasable, unit_price
from orders.services.stock import availability
from products.models import ProductImage


class LineIssue(StrEnum):
    """Why a cart line cannot be checked out as it is (seed 004: product change detection)."""

    DELETED = "deleted"  # the seller removed the product (or the variant)
    UNAVAILABLE = "unavailable"  # deactivated, archived or the seller's account is closed
    OUT_OF_STOCK = "out_of_stock"
    INSUFFICIENT_STOCK = "insufficient_stock"  # fewer left than the line asks for
    PRICE_CHANGED = "price_changed"  # orderable, at a price the buyer has not seen yet


def shipping_fee_for(seller, subtotal: Decimal) -> Decimal:
    if subtotal <= 0:
        return Decimal("0.00")
    threshold = seller.free_shipping_threshold
    if threshold is not None and subtotal >= threshold:
        return Decimal("0.00")
    return seller.shipping_fee


def cart_items(cart: Cart) -> list[CartItem]:
    images = ProductImage.objects.order_by("-is_primary", "position", "id")
    return list(
        cart.items.select_related("product__seller", "variant", "seller")
        .prefetch_related(Prefetch("product__images", queryset=images))
    )


def _image_url(request, item: CartItem) -> str | None:
    images = list(item.product.images.all()) if item.product else []
    if not images:
        return None
    image = images[0]
    url = default_storage.url((image.thumbnail or image.image).name)
    return request.build_absolute_uri(url) if request is not None else url


def line_state(item: CartItem, available: int) -> tuple[LineIssue | None, Decimal | None]:
    product = item.product
    if product is None or product.deleted_at is not None or (item.variant_name and item.variant is None):
        return LineIssue.DELETED, None
    price = unit_price(product, item.variant)
    if not purchasable(product):
        return LineIssue.UNAVAILABLE, price
    if available == 0:
        return LineIssue.OUT_OF_STOCK, price
    if item.quantity > available:
        return LineIssue.INSUFFICIENT_STOCK, price
    if price != item.price_when_added:
        return LineIssue.PRICE_CHANGED, price
    return None, price


def cart_summary(cart: Cart, *, request=None) -> dict:
    """The cart with each line's current price, availability and issue, grouped by seller
    (each seller ships their own order). A fixed number of queries whatever its size."""
    items = cart_items(cart)
    products = {item.product.pk: item.product for item in items if item.product}
    variants = {item.variant.pk: item.variant for item in items if item.variant}
    stock = availability(list(products.values()), list(variants.values()))

    lines, groups = [], OrderedDict()
    for item in items:
        available = stock.of(item.product_id, item.variant_id) if item.product else 0
        issue, price = line_state(item, available)
        orderable = issue in (None, LineIssue.PRICE_CHANGED)
        shown_price = price if price is not None else item.price_when_added
        line = {
            "id": item.pk,
            "product": item.product_id,
            "variant": item.variant_id,
            "product_name": item.product.name if item.product else item.product_name,
            "variant_name": item.variant.name if item.variant else item.variant_name,
            "image": _image_url(request, item),
            "price": shown_price,
            "price_when_added": item.price_when_added,
            "currency": item.product.currency if item.product else None,
            "quantity": item.quantity,
            "total": shown_price * item.quantity,
            "available": orderable,
            "available_quantity": available if issue not in (LineIssue.DELETED, LineIssue.UNAVAILABLE) else 0,
            "price_changed": price is not None and price != item.price_when_added,
            "issue": issue.value if issue else None,
        }
        lines.append(line)
        group = groups.setdefault(item.seller_id, {"seller": item.seller, "items": [], "subtotal": Decimal("0.00"),
                                                  "currencies": set()})
        group["items"].append(item.pk)
        if orderable:
            group["subtotal"] += line["total"]
            group["currencies"].add(line["currency"])

    group_rows = []
    for group in groups.values():
        seller = group["seller"]
        currencies = group["currencies"]
        group_rows.append({
            "seller": {"id": seller.pk, "name": seller.display_name} if seller else None,
            "items": group["items"],
            "currency": next(iter(currencies)) if len(currencies) == 1 else None,
            "subtotal": group["subtotal"],
            "shipping_fee": shipping_fee_for(seller, group["subtotal"]) if seller else Decimal("0.00"),
        })
    currencies = {g["currency"] for g in group_rows if g["subtotal"] > 0}
    single_currency = len(currencies) <= 1 and None not in currencies
    return {
        "id": cart.pk,
        "items": lines,
        "groups": group_rows,
        "currency": next(iter(currencies)) if len(currencies) == 1 else None,
        "total": sum((g["subtotal"] + g["shipping_fee"] for g in group_rows), Decimal("0.00")) if single_currency else None,
        "item_count": sum(item.quantity for item in items),
    }


# --- Orders -----------------------------------------------------------------------------------

def _orders() -> QuerySet[Order]:
    return Order.objects.select_related("buyer", "seller").prefetch_related("items", "payments", "events")


def orders_of(user) -> QuerySet[Order]:
    """The orders a user may see: those they bought and those they sold."""
    return _orders().filter(Q(buyer=user) | Q(seller=user))


def buyer_orders(user) -> QuerySet[Order]:
    return _orders().filter(buyer=user)


def seller_orders(user) -> QuerySet[Order]:
    return _orders().filter(seller=user)
