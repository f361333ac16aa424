"""What buyers can still take: stock on hand minus the active, unexpired holds of unpaid (or
unconfirmed) orders, computed when read, so a timed-out order stops holding stock whether or not
a worker ran. Reads and rules only (no writes): a leaf, importable by selectors and services."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from orders.models import ReservationStatus, StockReservation
from products.holds import held_units
from products.models import Product, ProductStatus, Variant


def purchasable(product: Product | None) -> bool:
    return (product is not None and product.deleted_at is None and product.status == ProductStatus.ACTIVE
            and product.seller.is_active)


def holding(now: datetime) -> Q:
    """Reservations that still hold stock at `now`."""
    return Q(status=ReservationStatus.ACTIVE) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def active_holds(now: datetime) -> QuerySet[StockReservation]:
    """Every hold that still takes stock off sale at `now` (what the public catalog subtracts)."""
    return StockReservation.objects.filter(holding(now))


def held_by(buyer: User, product_ids: Iterable[int], *, now: datetime) -> dict[int, int]:
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


def availability(products: list[Product], variants: list[Variant], *, now: datetime | None = None) -> Availability:
    """One query whatever the number of products: the holds, summed per product and variant, as
    the public catalog counts them (products.holds, fed by active_holds above)."""
    held = held_units({p.pk for p in products}, now=now or timezone.now())
    return Availability(
        by_product={p.pk: held.available(p) for p in products},
        by_variant={v.pk: held.available_variant(v) for v in variants},
    )
