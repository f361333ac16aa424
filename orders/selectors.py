"""Reads of the orders app: the cart as the buyer sees it (with what changed since each line was
added), and the order querysets of buyers and sellers."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Case, Exists, F, OuterRef, Prefetch, Q, QuerySet, When
from rest_framework.request import Request

from accounts.models import User
from orders.availability import Availability, availability
from orders.lines import ORDERABLE, LineIssue, line_state
from orders.models import CancelReason, Cart, CartItem, Order, OrderStatus, Payment, PaymentMethod
from orders.pricing import shipping_fee_for
from products.models import ProductImage


def cart_items(cart: Cart) -> list[CartItem]:
    images = ProductImage.objects.order_by("-is_primary", "position", "id")
    return list(
        cart.items.select_related("product__seller", "variant", "seller")
        .prefetch_related(Prefetch("product__images", queryset=images))
    )


def _image_url(request: Request | None, item: CartItem) -> str | None:
    images = list(item.product.images.all()) if item.product else []
    if not images:
        return None
    image = images[0]
    url = default_storage.url((image.thumbnail or image.image).name)
    return request.build_absolute_uri(url) if request is not None else url


def cart_summary(cart: Cart, *, buyer_currency: str, request: Request | None = None) -> dict:
    """The cart with each line's current price, availability and issue, grouped by seller
    (each seller ships their own order), and what its orderable lines come to in each currency.
    `total`, `shipping_total` and `grand_total` are those of the main currency (the first of
    `totals`); a cart with nothing orderable is zero in the buyer's currency. A fixed number of
    queries whatever its size."""
    items = cart_items(cart)
    stock = _cart_stock(items)
    lines = [_cart_line(item, stock, request) for item in items]
    groups = _seller_groups(items, lines)
    totals = _currency_totals(lines, groups)
    main = totals[0] if totals else _currency_total(buyer_currency)
    return {
        "id": cart.pk,
        "items": lines,
        "groups": groups,
        "currency": main["currency"],
        "total": main["total"],
        "shipping_total": main["shipping_total"],
        "grand_total": main["grand_total"],
        "totals": totals,
        "item_count": sum(item.quantity for item in items),
    }


def _cart_stock(items: list[CartItem]) -> Availability:
    products = {item.product.pk: item.product for item in items if item.product}
    variants = {item.variant.pk: item.variant for item in items if item.variant}
    return availability(list(products.values()), list(variants.values()))


def _cart_line(item: CartItem, stock: Availability, request: Request | None) -> dict:
    """One line as the buyer sees it: today's price, what is left, and what changed."""
    available = stock.of(item.product_id, item.variant_id) if item.product else 0
    issue, price = line_state(item, available)
    shown_price = price if price is not None else item.price_when_added
    gone = issue in (LineIssue.DELETED, LineIssue.UNAVAILABLE)
    return {
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
        "available": issue in ORDERABLE,
        "available_quantity": 0 if gone else available,
        "price_changed": price is not None and price != item.price_when_added,
        "issue": issue.value if issue else None,
    }


def _seller_groups(items: list[CartItem], lines: list[dict]) -> list[dict]:
    """The lines by seller, in the order the cart first shows each, with what is orderable of them."""
    groups: dict[int | None, dict] = {}
    for item, line in zip(items, lines, strict=True):
        group = groups.setdefault(item.seller_id, {"seller": item.seller, "items": [],
                                                   "subtotal": Decimal("0.00"), "currencies": set()})
        group["items"].append(item.pk)
        if line["available"]:
            group["subtotal"] += line["total"]
            group["currencies"].add(line["currency"])
    return [_seller_group(group) for group in groups.values()]


def _seller_group(group: dict) -> dict:
    seller, currencies = group["seller"], group["currencies"]
    mixed = len(currencies) > 1  # amounts in two currencies do not add up, and checkout refuses them
    shipping = shipping_fee_for(seller, group["subtotal"]) if seller else Decimal("0.00")
    return {
        "seller": {"id": seller.pk, "name": seller.display_name} if seller else None,
        "items": group["items"],
        "currency": next(iter(currencies)) if len(currencies) == 1 else None,
        "subtotal": None if mixed else group["subtotal"],
        "shipping_fee": None if mixed else shipping,
    }


def _currency_total(currency: str) -> dict:
    return {"currency": currency, "total": Decimal("0.00"), "shipping_total": Decimal("0.00"),
            "grand_total": Decimal("0.00"), "line_count": 0, "item_count": 0}


def _currency_totals(lines: list[dict], groups: list[dict]) -> list[dict]:
    """Per currency: its orderable lines, and the shipping of the sellers whose orderable lines
    are all in it (a seller pricing in several cannot be checked out as is, so charges nothing
    yet). The cart's main currency first: most orderable lines, then most units, then the code."""
    totals: dict[str, dict] = {}
    for line in lines:
        if line["available"]:
            entry = totals.setdefault(line["currency"], _currency_total(line["currency"]))
            entry["total"] += line["total"]
            entry["line_count"] += 1
            entry["item_count"] += line["quantity"]
    for group in groups:
        if group["currency"] in totals:
            totals[group["currency"]]["shipping_total"] += group["shipping_fee"]
    for entry in totals.values():
        entry["grand_total"] = entry["total"] + entry["shipping_total"]
    return sorted(totals.values(), key=lambda entry: (-entry["line_count"], -entry["item_count"], entry["currency"]))


# --- Orders -----------------------------------------------------------------------------------

def _orders() -> QuerySet[Order]:
    return Order.objects.select_related("buyer", "seller").prefetch_related("items", "payments", "events")


def orders_of(user: User) -> QuerySet[Order]:
    """The orders a user may see: those they bought and those they sold."""
    return _orders().filter(Q(buyer=user) | Q(seller=user))


def buyer_orders(user: User) -> QuerySet[Order]:
    return _orders().filter(buyer=user)


def seller_orders(user: User) -> QuerySet[Order]:
    return _orders().filter(seller=user)


# --- Limits of one buyer, and who hears of an order ------------------------------------------

# How far back a buyer's abandoned orders count (ORDER_MAX_ABANDONED_PER_DAY).
ABANDONED_WINDOW = timedelta(hours=24)


def abandoned_orders(*, buyer: User, now: datetime) -> QuerySet[Order]:
    """The buyer's orders left unpaid within ABANDONED_WINDOW, newest first, each with the moment
    it was given up (`abandoned_at`): cancelled by the buyer before any money came or the seller
    confirmed it, or run out of payment time (swept by the job or not yet). A cash-on-delivery
    order its seller let lapse is the seller's doing, not the buyer's, and does not count."""
    since = now - ABANDONED_WINDOW
    cancelled = Q(status=OrderStatus.CANCELLED, cancelled_at__gt=since, confirmed_at__isnull=True,
                  cancel_reason__in=[CancelReason.BUYER_CANCELLED, CancelReason.PAYMENT_TIMEOUT])
    lapsed = (Q(status=OrderStatus.PENDING, expires_at__lte=now, expires_at__gt=since)
              & ~Q(payment_method=PaymentMethod.CASH_ON_DELIVERY))
    paid = Payment.objects.filter(order=OuterRef("pk"), amount_paid__gt=0)
    return (Order.objects.filter(cancelled | lapsed, buyer=buyer).exclude(Exists(paid))
            .annotate(abandoned_at=Case(When(status=OrderStatus.CANCELLED, then=F("cancelled_at")),
                                        default=F("expires_at")))
            .order_by("-abandoned_at"))


def buyer_caps(*, buyer: User) -> tuple[int, int]:
    """Open orders at once, and units of one product they may hold: an account whose email is not
    confirmed costs nothing to open, so it gets the tighter caps."""
    open_orders, units = settings.ORDER_MAX_OPEN_PER_BUYER, settings.ORDER_MAX_HELD_UNITS_PER_PRODUCT
    if not buyer.is_verified:
        open_orders = min(open_orders, settings.ORDER_MAX_OPEN_UNVERIFIED)
        units = min(units, settings.ORDER_MAX_HELD_UNITS_UNVERIFIED)
    return open_orders, units


def seller_told_at_checkout(*, order: Order) -> bool:
    """A cash-on-delivery order is announced at once: the seller has to confirm it. An online one
    only when its payment arrives (as a new, paid order): until then it is
    a hold anyone can place and drop, and announcing it would let one account flood a seller's
    inbox with orders nobody pays."""
    return order.payment_method == PaymentMethod.CASH_ON_DELIVERY
