"""Pricing rules of the orders app: what a line costs and what a seller charges for shipping.
A leaf: models only, importable by selectors and services alike."""

from decimal import Decimal

from accounts.models import User
from products.models import Product, Variant


def unit_price(product: Product, variant: Variant | None) -> Decimal:
    """A variant with its own price sells at it; otherwise at the product's."""
    return variant.price if variant is not None and variant.price is not None else product.price


def shipping_fee_for(seller: User, subtotal: Decimal) -> Decimal:
    if subtotal <= 0:
        return Decimal("0.00")
    threshold = seller.free_shipping_threshold
    if threshold is not None and subtotal >= threshold:
        return Decimal("0.00")
    return seller.shipping_fee
