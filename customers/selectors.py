"""Reads of customers that more than one caller needs: the seller's customers as their bodies show
them, a customer's orders, and what their orders add up to."""

from decimal import Decimal

from django.db.models import Count, DecimalField, F, Max, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from customers.models import Customer
from orders.models import SOLD_STATUSES, Order, OrderStatus
from orders.selectors import seller_orders

# The orders that count as orders: every one placed, except those cancelled (and those refunded
# after being cancelled: the money of a cancelled, paid order going back).
COUNTED_ORDERS = ~(Q(status=OrderStatus.CANCELLED) | Q(status=OrderStatus.REFUNDED, cancelled_at__isnull=False))
ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))


def seller_customers(seller: User) -> QuerySet[Customer]:
    """The seller's customers, newest seen first, with what their body shows: three queries for a
    page (the customers with the seller's currency, their handles, their tags), whatever its size."""
    return (Customer.objects.filter(seller=seller).select_related("seller")
            .prefetch_related("handles", "tags").order_by("-last_seen", "-pk"))


def customer_order_filter(customer: Customer) -> Q:
    """The customer's orders among their seller's: those their buyer account placed, and the guest
    orders the seller placed for them from a conversation (customers.models.GuestOrder)."""
    guest = Q(guest_order__customer_id=customer.pk)
    return guest | Q(buyer_id=customer.buyer_id) if customer.buyer_id else guest


def customer_orders(customer: Customer) -> QuerySet[Order]:
    """The customer's orders with the customer's seller, newest first, as the orders app's
    OrderSerializer shows them."""
    return seller_orders(customer.seller).filter(customer_order_filter(customer))


def order_figures(customer: Customer) -> dict:
    """What the customer's orders with this seller add up to, read from the orders themselves (one
    query): `orders_count` (COUNTED_ORDERS), `total_spent` (SOLD_STATUSES, in the seller's
    currency: orders priced in another one are left out of the sum), and the first and last time
    they ordered (None without orders)."""
    return Order.objects.filter(customer_order_filter(customer), seller_id=customer.seller_id).aggregate(
        orders_count=Count("pk", filter=COUNTED_ORDERS),
        total_spent=Coalesce(Sum("total_amount", filter=Q(status__in=SOLD_STATUSES, currency=F("seller__currency"))),
                             ZERO),
        first_order_at=Min("created_at"),
        last_order_at=Max("created_at"),
    )
