"""The state of one cart line: whether it can be ordered as it is, and at what price. A pure
rule (a leaf), shared by the cart the buyer reads and by checkout."""

from decimal import Decimal
from enum import StrEnum

from orders.availability import purchasable
from orders.models import CartItem
from orders.pricing import unit_price


class LineIssue(StrEnum):
    """Why a cart line cannot be checked out as it is (seed 004: product change detection)."""

    DELETED = "deleted"  # the seller removed the product (or the variant)
    UNAVAILABLE = "unavailable"  # deactivated, archived or the seller's account is closed
    OUT_OF_STOCK = "out_of_stock"
    INSUFFICIENT_STOCK = "insufficient_stock"  # fewer left than the line asks for
    PRICE_CHANGED = "price_changed"  # orderable, at a price the buyer has not seen yet


# A line with one of these can still be ordered (at the price of today).
ORDERABLE = (None, LineIssue.PRICE_CHANGED)


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
