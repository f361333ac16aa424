"""Stock held for unpaid (or unconfirmed) orders. A product's stock_quantity is what is on hand; a
reservation holds some of it for an order until it is paid or confirmed (converted: taken out of
stock), given back (released) or past its expires_at. Availability is on hand minus the active,
unexpired holds, computed when read, so a timed-out order stops holding stock whether or not a
worker ran. The public catalog shows the same figure (products.holds): its cache is told when
holds come and go."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, Sum
from django.utils import timezone

from orders.models import Order, ReservationStatus, StockReservation
from products.cache import catalog_cache_bump
from products.models import Product, Variant
from products.services import product_adjust_stock
from sellflow.transactions import after_commit


def holding(now) -> Q:
    """Reservations that still hold stock at `now`."""
    return Q(status=ReservationStatus.ACTIVE) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def active_holds(now):
    """Every hold that still takes stock off sale at `now` (what the public catalog subtracts)."""
    return StockReservation.objects.filter(holding(now))


def held_by(buyer, product_ids, *, now) -> dict[int, int]:
    """Units of each product the buyer's orders hold at `now`."""
    rows = (active_holds(now).filter(order__buyer=buyer, product_id__in=product_ids)
            .values("product_id").annotate(held=Sum("quantity")))
    return {row["product_id"]: row["held"] for row in rows}


@dataclass(frozen=True)
class Availability:
    """What buyers can still take, per product (all its variants) and per variant."""

    by_product: dict[int, int]
    by_variant: dict[int, int]

    def of(self, product_id: int, variant_id: int | None) -> int:
        if variant_id is not None:
            return self.by_variant.get(variant_id, 0)
        return self.by_product.get(product_id, 0)


def availability(products: list[Product], variants: list[Variant], *, now=None) -> Availability:
    """Two queries whatever the number of products: the holds, summed per product and variant."""
    now = now or timezone.now()
    product_ids = {p.pk for p in products}
    held_product: dict[int, int] = defaultdict(int)
    held_variant: dict[int, int] = defaultdict(int)
    if product_ids:
        rows = (StockReservation.objects.filter(holding(now), product_id__in=product_ids)
                .values("product_id", "variant_id").annotate(held=Sum("quantity")))
        for row in rows:
            held_product[row["product_id"]] += row["held"]
            if row["variant_id"] is not None:
                held_variant[row["variant_id"]] += row["held"]
    return Availability(
        by_product={p.pk: max(p.stock_quantity - held_product[p.pk], 0) for p in products},
        by_variant={v.pk: max(v.stock_quantity - held_variant[v.pk], 0) for v in variants},
    )


@dataclass(frozen=True)
class Line:
    product_id: int
    variant_id: int | None
    quantity: int


def lock_products(product_ids) -> dict[int, Product]:
    """Lock the products' rows, always in id order, so that two checkouts sharing products
    queue behind each other instead of deadlocking; return them fresh from the database."""
    locked = Product.objects.select_for_update().filter(pk__in=set(product_ids)).order_by("pk")
    return {product.pk: product for product in locked}


def shortfalls(lines: list[Line], products: dict[int, Product], *, now) -> dict[tuple[int, int | None], int]:
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
        if line.variant_id is not None and wanted_variant[line.variant_id] > available.of(line.product_id, line.variant_id):
            short[key] = available.of(line.product_id, line.variant_id)
    return short


def free_lines_of(order: Order, *, now) -> list[Line] | None:
    """The order's lines, if every unit of them is free to be held again (its own holds have
    lapsed); None when a product is gone for good or too few are left. Locks the products, so the
    answer holds until commit."""
    items = list(order.items.all())
    lines = [Line(item.product_id, item.variant_id, item.quantity) for item in items if item.product_id]
    locked = lock_products(line.product_id for line in lines)
    if len(lines) != len(items) or shortfalls(lines, locked, now=now):
        return None
    return lines


def reserve(*, order: Order, lines: list[Line], expires_at) -> list[StockReservation]:
    """Hold stock for the order's lines; the caller has locked the products and checked
    `shortfalls` in the same transaction."""
    after_commit(catalog_cache_bump, *sorted({line.product_id for line in lines}))
    return StockReservation.objects.bulk_create([
        StockReservation(order=order, product_id=line.product_id, variant_id=line.variant_id,
                         quantity=line.quantity, expires_at=expires_at)
        for line in lines
    ])


def release(*, order: Order) -> int:
    """Give back what the order still holds. One conditional UPDATE: two workers releasing the
    same order at once release it once."""
    held = StockReservation.objects.filter(order=order, status=ReservationStatus.ACTIVE)
    product_ids = sorted(set(held.values_list("product_id", flat=True)))
    released = held.update(status=ReservationStatus.RELEASED, settled_at=timezone.now())
    if released:
        after_commit(catalog_cache_bump, *product_ids)
    return released


def extend(*, order: Order, until) -> None:
    """The order's holds last until `until`. Lapsed ones count again: the caller has checked,
    under the product locks, that their units are still free."""
    held = StockReservation.objects.filter(order=order, status=ReservationStatus.ACTIVE)
    product_ids = sorted(set(held.values_list("product_id", flat=True)))
    held.update(expires_at=until)
    after_commit(catalog_cache_bump, *product_ids)


def convert(*, order: Order, actor=None) -> int:
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


def restock(*, order: Order, actor=None) -> int:
    """Put sold units back on the shelf (a cancelled or refunded order whose goods return).
    Conditional per reservation: a second restock of the same order adds nothing."""
    restocked = 0
    for reservation in StockReservation.objects.filter(order=order, status=ReservationStatus.CONVERTED).select_related("product").order_by("product_id", "id"):
        if StockReservation.objects.filter(pk=reservation.pk, status=ReservationStatus.CONVERTED).update(
            status=ReservationStatus.RELEASED, settled_at=timezone.now()
        ):
            product_adjust_stock(product=reservation.product, actor=actor, delta=reservation.quantity,
                                 variant_id=reservation.variant_id, reason=f"Returned: order {order.order_id}")
            restocked += 1
    return restocked
