"""Stock held for orders, as the public catalog counts it: what a buyer can take is on hand minus
the active holds. Holds belong to orders, an app above this one, so orders registers where they
are (OrdersConfig.ready) and products never imports it."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Expression, F, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from products.models import Product
from sellflow.compiled_queries import CompiledQuery

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
        return self.available_of(product.pk, product.stock_quantity)

    def available_of(self, product_id: int, on_hand: int) -> int:
        """`available` for a product read as values (no model instance)."""
        return max(on_hand - self.by_product.get(product_id, 0), 0)

    def available_variant(self, variant) -> int:
        return self.available_variant_of(variant.pk, variant.stock_quantity)

    def available_variant_of(self, variant_id: int, on_hand: int) -> int:
        return max(on_hand - self.by_variant.get(variant_id, 0), 0)


def _grouped_holds(holds: QuerySet) -> QuerySet:
    return holds.order_by().values("product_id", "variant_id").annotate(held=Sum("quantity"), until=Min("expires_at"))


# One product's holds (its page): the query compiled once, then run with its key and the time.
_HOLDS_OF_PRODUCT = CompiledQuery(lambda pk, now: _grouped_holds(_active_holds(now).filter(product_id=pk)),
                                  pk=int, now=datetime)


def held_units(product_ids: Iterable[int], *, now: datetime) -> HeldUnits:
    """The holds on these products (and their variants) at `now`: one grouped query for a page."""
    product_ids = set(product_ids)
    if _active_holds is None or not product_ids:
        return HeldUnits()
    if len(product_ids) == 1:
        return _held_units_of(_HOLDS_OF_PRODUCT.rows(pk=next(iter(product_ids)), now=now))
    return _held_units_of(_grouped_holds(_active_holds(now).filter(product_id__in=product_ids)))


def _held_units_of(rows: Iterable[dict]) -> HeldUnits:
    by_product: dict[int, int] = defaultdict(int)
    by_variant: dict[int, int] = defaultdict(int)
    lapses = []
    for row in rows:
        by_product[row["product_id"]] += row["held"]
        if row["variant_id"] is not None:
            by_variant[row["variant_id"]] += row["held"]
        if row["until"] is not None:
            lapses.append(row["until"])
    return HeldUnits(dict(by_product), dict(by_variant), min(lapses, default=None))


def _held(now: datetime) -> Subquery:
    """Units held of the product of the outer row (null: none)."""
    held = (_active_holds(now).filter(product_id=OuterRef("pk")).order_by().values("product_id")
            .annotate(units=Sum("quantity")).values("units"))
    return Subquery(held, output_field=IntegerField())


def available_stock(now: datetime) -> Expression:
    """On hand minus held, over Product rows: for filters (one subquery, no row per hold)."""
    if _active_holds is None:
        return F("stock_quantity")
    return F("stock_quantity") - Coalesce(_held(now), Value(0))


def _held_in_full_products(now: datetime) -> QuerySet[Product]:
    return (Product.objects.filter(pk__in=_active_holds(now).values("product_id"))
            .alias(held=_held(now)).filter(stock_quantity__lte=F("held")))


def held_in_full(now: datetime) -> QuerySet:
    """The ids of the products whose holds take every unit on hand at `now`, found from the holds'
    side (a few rows, each product's sum read by its index), never by a pass over the catalog: a
    subquery as it is, or one small query when read."""
    if _active_holds is None:
        return Product.objects.none().values_list("pk", flat=True)
    return _held_in_full_products(now).values_list("pk", flat=True)


def held_in_full_until(now: datetime) -> tuple[list[int], datetime | None]:
    """held_in_full(now) read (one query), with when the first hold on one of them lapses. Until then
    the set stays as it is unless holds are placed or released (which bump the catalog's generation):
    a hold lapsing on another product only makes more of it available."""
    if _active_holds is None:
        return [], None
    first_lapse_of_product = (_active_holds(now).filter(product_id=OuterRef("pk")).order_by().values("product_id")
                              .annotate(first=Min("expires_at")).values("first"))
    rows = list(_held_in_full_products(now).annotate(lapse=Subquery(first_lapse_of_product))
                .values_list("pk", "lapse"))
    return [pk for pk, _ in rows], min((lapse for _, lapse in rows if lapse is not None), default=None)


def buyable(now: datetime, prefix: str = "", *, held_in_full_ids: list[int] | None = None) -> Q:
    """Products buyers can still take at `now` (through `prefix`, a relation to Product): some on
    hand, and not all of it held. As a subquery it adds no query; with `held_in_full_ids` already
    read, the database plans knowing how few they are (a NOT IN subquery it guesses at half the rows,
    and may sort a whole catalog for a page it could have read from an index)."""
    held = held_in_full(now) if held_in_full_ids is None else held_in_full_ids
    return Q(**{f"{prefix}stock_quantity__gt": 0}) & ~Q(**{f"{prefix}pk__in": held})


def first_lapse(now: datetime) -> datetime | None:
    """When the first hold anywhere lapses: until then no product's availability grows by itself."""
    if _active_holds is None:
        return None
    return _active_holds(now).aggregate(first=Min("expires_at"))["first"]
