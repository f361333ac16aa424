"""The buyer's cart: one per user, lines of a product or one of its variants. Changes lock the
cart's row, so two tabs adding the same product at once make one line with both quantities."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from accounts.models import User
from orders.availability import availability, purchasable
from orders.errors import CartFull, OutOfStock, OwnProduct, ProductUnavailable, VariantRequired
from orders.models import Cart, CartItem
from orders.pricing import unit_price
from products.models import Product, Variant


def cart_for(user: User) -> Cart:
    cart, _ = Cart.objects.get_or_create(user=user)
    return cart


def locked_cart(user: User) -> Cart:
    """The buyer's cart, its row locked until commit: their cart changes and checkouts queue."""
    cart_for(user)
    return Cart.objects.select_for_update().get(user=user)


def _check_quantity(*, product: Product, variant: Variant | None, quantity: int, in_cart: int = 0) -> None:
    if quantity > settings.CART_MAX_QUANTITY:
        raise DjangoValidationError({"quantity": f"At most {settings.CART_MAX_QUANTITY} of one item per order."})
    available = availability([product], [variant] if variant else []).of(product.pk, variant.pk if variant else None)
    if quantity > available:
        raise OutOfStock(details={
            "available": available, "product_id": product.pk, "variant_id": variant.pk if variant else None,
            "in_cart": in_cart,
        })


def _resolve_variant(product: Product, variant_id: int | None) -> Variant | None:
    variants = list(product.variants.all())
    if variant_id is None:
        if variants:
            raise VariantRequired(details={"variant_ids": [v.pk for v in variants]})
        return None
    variant = next((v for v in variants if v.pk == variant_id), None)
    if variant is None:
        raise DjangoValidationError({"variant_id": "This product has no such variant."})
    return variant


@transaction.atomic
def cart_add_item(*, user: User, product: Product, variant_id: int | None, quantity: int) -> Cart:
    """Add to the cart; a line already there for the same product and variant grows."""
    if product.seller_id == user.pk:
        raise OwnProduct()
    variant = _resolve_variant(product, variant_id)
    cart = locked_cart(user)
    line = CartItem.objects.filter(cart=cart, product=product, variant=variant).first()
    in_cart = line.quantity if line else 0
    _check_quantity(product=product, variant=variant, quantity=in_cart + quantity, in_cart=in_cart)
    price = unit_price(product, variant)
    if line is None:
        if cart.items.count() >= settings.CART_MAX_LINES:
            raise CartFull(details={"max_lines": settings.CART_MAX_LINES})
        CartItem.objects.create(
            cart=cart, product=product, seller_id=product.seller_id, variant=variant, quantity=quantity,
            product_name=product.name, variant_name=variant.name if variant else "", price_when_added=price,
        )
    else:
        # The buyer chose again with today's price in front of them: that is the price they expect.
        line.quantity = in_cart + quantity
        line.price_when_added = price
        line.product_name = product.name
        line.save(update_fields=["quantity", "price_when_added", "product_name", "updated_at"])
    cart.save(update_fields=["updated_at"])
    return cart


@transaction.atomic
def cart_update_item(*, user: User, item: CartItem, quantity: int) -> Cart:
    cart = locked_cart(user)
    product, variant = item.product, item.variant
    if not purchasable(product):
        raise ProductUnavailable(details={"item_id": item.pk})
    _check_quantity(product=product, variant=variant, quantity=quantity, in_cart=item.quantity)
    item.price_when_added = unit_price(product, variant)
    item.quantity = quantity
    item.save(update_fields=["quantity", "price_when_added", "updated_at"])
    cart.save(update_fields=["updated_at"])
    return cart


@transaction.atomic
def cart_remove_item(*, user: User, item: CartItem) -> Cart:
    cart = locked_cart(user)
    item.delete()
    cart.save(update_fields=["updated_at"])
    return cart


@transaction.atomic
def cart_clear(*, user: User) -> Cart:
    cart = locked_cart(user)
    cart.items.all().delete()
    cart.save(update_fields=["updated_at"])
    return cart
