"""Stock held for unpaid (or unconfirmed) orders. A product's stock_quantity is what is on hand; a
reservation holds some of it for an order until it is paid or confirmed (converted: taken out of
stock), given back (released) or past its expires_at. What is available (on hand minus the
active, unexpired holds) is read in orders.availability. The public catalog shows the same figure
(products.holds): its cache is told when holds come and go."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from orders.availability import availability
from orders.models import Order, ReservationStatus, StockReservation
from products.cache import catalog_cache_bump
from products.errors import InsufficientStock
from products.models import Product, Variant
from products.services import product_adjust_stock
from sellflow.transactions import after_commit


@dataclass(frozen=True)
class Line:
    product_id: int
    variant_id: int | None
    quantity: int


def lock_products(product_ids: Iterable[int]) -> dict[int, Product]:
    """Lock the products' rows, always in id order, so that two checkouts sharing products
    queue behind each other instead of deadlocking; return them fresh from the database."""
    locked = Product.objects.select_for_update().filter(pk__in=set(product_ids)).order_by("pk")
    return {product.pk: product for product in locked}


def shortfalls(lines: list[Line], products: dict[int, Product], *,
               now: datetime) -> dict[tuple[int, int | None], int]:
    """The lines that more than the available stock would be needed for, with what is
    available. Call with the products locked: the answer then holds until commit."""
    variants = list(Variant.objects.filter(product_id__in=products))
    available = availability(list(products.values()), variants, now=now)
    wanted_product: dict[int, int] = defaultdict(int)
    wanted_variant: dict[int, int] = defaultdict(int)
    for line in lines:
        wanted_product[line.product_id] += line.quantity
        if line.variant_id is not None:
            wanted_variant[line.variant_id] += line.quantity
    short = {}
    for line in lines:
        key = (line.product_id, line.variant_id)
        if wanted_product[line.product_id] > available.of(line.product_id, None):
            short[key] = available.of(line.product_id, line.variant_id)
        variant_short = (line.variant_id is not None
                         and wanted_variant[line.variant_id] > available.of(line.product_id, line.variant_id))
        if variant_short:
            short[key] = available.of(line.product_id, line.variant_id)
    return short


def free_lines_of(order: Order, *, now: datetime) -> list[Line] | None:
    """The order's lines, if every unit of them is free to be held again (its own holds have
    lapsed); None when a product is gone for good or too few are left. Locks the products, so the
    answer holds until commit."""
    items = list(order.items.all())
    lines = [Line(item.product_id, item.variant_id, item.quantity) for item in items if item.product_id]
    locked = lock_products(line.product_id for line in lines)
    if len(lines) != len(items) or shortfalls(lines, locked, now=now):
        return None
    return lines


def reserve(*, order: Order, lines: list[Line], expires_at: datetime | None) -> list[StockReservation]:
    """Hold stock for the order's lines; the caller has locked the products and checked
    `shortfalls` in the same transaction."""
    after_commit(catalog_cache_bump, *sorted({line.product_id for line in lines}))
    return StockReservation.objects.bulk_create([
        StockReservation(order=order, product_id=line.product_id, variant_id=line.variant_id,
                         quantity=line.quantity, expires_at=expires_at)
        for line in lines
    ])


def sell(*, order: Order, late: bool) -> bool:
    """Turn the order's stock into sold stock; False, with nothing changed, when it is gone. On
    time, its holds are there to convert; late, the units must still be free: re-checked under
    the product locks, and held again if they are."""
    savepoint = transaction.savepoint()
    try:
        if late:
            lines = free_lines_of(order, now=timezone.now())
            if lines is None:
                raise InsufficientStock()
            release(order=order)  # its own lapsed holds make way for the new ones
            reserve(order=order, lines=lines, expires_at=None)
        convert(order=order)
    except InsufficientStock:
        transaction.savepoint_rollback(savepoint)
        return False
    transaction.savepoint_commit(savepoint)
    return True


def release(*, order: Order) -> int:
    """Give back what the order still holds. One conditional UPDATE: two workers releasing the
    same order at once release it once."""
    held = StockReservation.objects.filter(order=order, status=ReservationStatus.ACTIVE)
    product_ids = sorted(set(held.values_list("product_id", flat=True)))
    released = held.update(status=ReservationStatus.RELEASED, settled_at=timezone.now())
    if released:
        after_commit(catalog_cache_bump, *product_ids)
    return released


def extend(*, order: Order, until: datetime) -> None:
    """The order's holds last until `until`. Lapsed ones count again: the caller has checked,
    under the product locks, that their units are still free."""
    held = StockReservation.objects.filter(order=order, status=ReservationStatus.ACTIVE)
    product_ids = sorted(set(held.values_list("product_id", flat=True)))
    held.update(expires_at=until)
    after_commit(catalog_cache_bump, *product_ids)


def convert(*, order: Order, actor: User | None = None) -> int:
    """The order is paid (or confirmed for cash on delivery): its holds leave the stock for
    good. Each conversion is a stock adjustment, so the product history records the sale and
    the seller hears when it crosses the low-stock threshold."""
    reservations = list(
        StockReservation.objects.select_for_update().filter(order=order, status=ReservationStatus.ACTIVE)
        .select_related("product").order_by("product_id", "id")
    )
    for reservation in reservations:
        product_adjust_stock(product=reservation.product, actor=actor, delta=-reservation.quantity,
                             variant_id=reservation.variant_id, reason=f"Sold: order {order.order_id}")
    StockReservation.objects.filter(pk__in=[r.pk for r in reservations]).update(
        status=ReservationStatus.CONVERTED, settled_at=timezone.now()
    )
    return len(reservations)


def restock(*, order: Order, actor: User | None = None) -> int:
    """Put sold units back on the shelf (a cancelled or refunded order whose goods return).
    Conditional per reservation: a second restock of the same order adds nothing."""
    restocked = 0
    sold = (StockReservation.objects.filter(order=order, status=ReservationStatus.CONVERTED)
            .select_related("product").order_by("product_id", "id"))
    for reservation in sold:
        if StockReservation.objects.filter(pk=reservation.pk, status=ReservationStatus.CONVERTED).update(
            status=ReservationStatus.RELEASED, settled_at=timezone.now()
        ):
            product_adjust_stock(product=reservation.product, actor=actor, delta=reservation.quantity,
                                 variant_id=reservation.variant_id, reason=f"Returned: order {order.order_id}")
            restocked += 1
    return restocked
