"""Stock held for orders, as the public catalog counts it: what a buyer can take is on hand minus
the active holds. Holds belong to orders, an app above this one, so orders registers where they
are (OrdersConfig.ready) and products never imports it."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Expression, F, IntegerField, Min, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

_active_holds: Callable[[datetime], QuerySet] | None = None


def register_active_holds(holds: Callable[[datetime], QuerySet]) -> None:
    """`holds(now)` returns the holds that take stock off sale at `now`: rows with product_id,
    variant_id (null for a product without variants), quantity and expires_at (null: until the
    order is settled)."""
    global _active_holds
    _active_holds = holds


@dataclass(frozen=True)
class HeldUnits:
    by_product: dict[int, int] = field(default_factory=dict)  # a product's variants' holds included
    by_variant: dict[int, int] = field(default_factory=dict)
    # When the first of the counted holds lapses: the figures are true until then.
    until: datetime | None = None

    def available(self, product) -> int:
        return max(product.stock_quantity - self.by_product.get(product.pk, 0), 0)

    def available_variant(self, variant) -> int:
        return max(variant.stock_quantity - self.by_variant.get(variant.pk, 0), 0)


def held_units(product_ids: Iterable[int], *, now: datetime) -> HeldUnits:
    """The holds on these products (and their variants) at `now`: one grouped query for a page."""
    product_ids = set(product_ids)
    if _active_holds is None or not product_ids:
        return HeldUnits()
    by_product: dict[int, int] = defaultdict(int)
    by_variant: dict[int, int] = defaultdict(int)
    lapses = []
    rows = (_active_holds(now).filter(product_id__in=product_ids).order_by()
            .values("product_id", "variant_id").annotate(held=Sum("quantity"), until=Min("expires_at")))
    for row in rows:
        by_product[row["product_id"]] += row["held"]
        if row["variant_id"] is not None:
            by_variant[row["variant_id"]] += row["held"]
        if row["until"] is not None:
            lapses.append(row["until"])
    return HeldUnits(dict(by_product), dict(by_variant), min(lapses, default=None))


def available_stock(now: datetime) -> Expression:
    """On hand minus held, over Product rows: for filters (one subquery, no row per hold)."""
    if _active_holds is None:
        return F("stock_quantity")
    held = (_active_holds(now).filter(product_id=OuterRef("pk")).order_by().values("product_id")
            .annotate(units=Sum("quantity")).values("units"))
    return F("stock_quantity") - Coalesce(Subquery(held, output_field=IntegerField()), Value(0))


def first_lapse(now: datetime) -> datetime | None:
    """When the first hold anywhere lapses: until then no product's availability grows by itself."""
    if _active_holds is None:
        return None
    return _active_holds(now).aggregate(first=Min("expires_at"))["first"]
