"""Bounds of money amounts. Amounts are stored as DecimalField(max_digits=12, decimal_places=2);
prices are bounded far below that, so a line of a hundred units at the highest price still fits,
and a checkout refuses a total that would not."""

from decimal import Decimal

# The largest amount a money column holds.
MAX_AMOUNT = Decimal("9999999999.99")
# The largest price (or shipping fee) a seller may set.
MAX_PRICE = Decimal("99999999.99")
