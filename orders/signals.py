"""What the orders app announces to the apps above it (which it never imports)."""

from django.dispatch import Signal

# Orders were placed (checkout): sent once per transaction, after it commits, with sender=Order and
# ids=[the new orders' ids] (sellflow.transactions.after_commit_batched).
order_placed = Signal()

# Orders changed status (confirmed, shipped, delivered, cancelled or refunded: by their seller or
# buyer, a payment, a refund or a timer; every change goes through
# orders.services.lifecycle.order_transition): sent once per transaction, after it commits, with
# sender=Order and ids=[the orders' ids]. Receivers read the orders as they are then.
order_status_changed = Signal()
