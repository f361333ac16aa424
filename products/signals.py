"""What the catalog announces to the apps above it (which it never imports)."""

from django.dispatch import Signal

# Products changed (fields, images, variants, stock, status): sent once per transaction, after it
# commits, with sender=Product and ids=[the product ids] (sellflow.transactions.after_commit_batched).
catalog_changed = Signal()
