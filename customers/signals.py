"""What the customers app announces to the apps above it (which it never imports)."""

from django.dispatch import Signal

# Two customers become one: sent with sender=Customer, kept=<Customer>, other=<Customer> INSIDE the
# merge's transaction, before `other` is deleted, so that the apps holding rows of `other` (chat's
# conversations) move them to `kept` in the same transaction. Unlike an after-commit announcement,
# a receiver's failure fails the merge, and nothing is lost.
customers_merging = Signal()
