"""The order's state machine: which status may follow which, and the timeline of every change."""

from django.utils import timezone

from accounts.models import User
from orders.errors import InvalidTransition
from orders.models import Order, OrderEvent, OrderStatus
from orders.signals import order_status_changed
from sellflow.transactions import after_commit_batched

S = OrderStatus
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.PROCESSING, S.SHIPPED, S.CANCELLED, S.REFUNDED}),
    S.PROCESSING: frozenset({S.SHIPPED, S.CANCELLED, S.REFUNDED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.REFUNDED}),
    S.DELIVERED: frozenset({S.REFUNDED}),
    # A paid order that was cancelled ends refunded; nothing else leaves cancelled except a
    # late payment that still finds its stock (orders.services.payments, `reopen=True`).
    S.CANCELLED: frozenset({S.REFUNDED}),
    S.REFUNDED: frozenset(),
}

TIMESTAMPS = {S.CONFIRMED: "confirmed_at", S.SHIPPED: "shipped_at", S.DELIVERED: "delivered_at",
              S.CANCELLED: "cancelled_at"}


def order_transition(*, order: Order, to: str, actor: User | None = None, note: str = "", reopen: bool = False,
                     **fields: object) -> Order:
    """Move the order to `to` if its current status allows it, with one conditional UPDATE (two
    racing changes: one wins, the other gets invalid_transition), record the event and announce
    the change after commit (orders.signals)."""
    current = order.status
    allowed = ALLOWED_TRANSITIONS[current] | ({S.CONFIRMED} if reopen and current == S.CANCELLED else set())
    if to not in allowed:
        raise InvalidTransition(
            f"An order that is {current} cannot become {to}.",
            details={"from": current, "to": to, "allowed": sorted(ALLOWED_TRANSITIONS[current])},
        )
    now = timezone.now()
    changes = {"status": to, "updated_at": now, **fields}
    if to in TIMESTAMPS:
        changes[TIMESTAMPS[to]] = now
    if not Order.objects.filter(pk=order.pk, status=current).update(**changes):
        order.refresh_from_db(fields=["status"])
        raise InvalidTransition(
            f"The order changed meanwhile: it is {order.status} now.",
            details={"from": order.status, "to": to, "allowed": sorted(ALLOWED_TRANSITIONS[order.status])},
        )
    for field, value in changes.items():
        setattr(order, field, value)
    OrderEvent.objects.create(order=order, from_status=current, to_status=to, actor=actor, note=note[:500])
    after_commit_batched(order_status_changed, sender=Order, ids=[order.pk])
    return order
