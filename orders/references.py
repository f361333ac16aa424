"""The references the orders app hands payment providers. A leaf: models only, importable by
checkout and payments alike."""

import secrets

from orders.models import Order


def new_payment_reference(order: Order) -> str:
    """The order's id and a fresh random tail: providers want a new reference per payment try."""
    return f"{order.order_id}-{secrets.token_hex(4).upper()}"
