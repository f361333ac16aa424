"""The orders' figures in a seller's profile `metrics`: orders, revenue, average order value."""

from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce

from accounts.metrics import register_seller_metric
from orders.models import Order, OrderStatus, Payment, PaymentStatus

PAID = (PaymentStatus.COMPLETED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))


@register_seller_metric("orders")
def order_figures(user) -> dict:
    """Counts of the seller's orders, and revenue: what buyers paid minus what went back, in the
    seller's own currency (orders priced in another currency are left out of the money figures)."""
    counts = Order.objects.filter(seller=user).aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status__in=[OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.PROCESSING,
                                              OrderStatus.SHIPPED])),
        delivered=Count("pk", filter=Q(status=OrderStatus.DELIVERED)),
        cancelled=Count("pk", filter=Q(status__in=[OrderStatus.CANCELLED, OrderStatus.REFUNDED])),
    )
    money = Payment.objects.filter(order__seller=user, status__in=PAID, currency=user.currency).aggregate(
        revenue=Coalesce(Sum(F("amount_paid") - F("amount_refunded")), ZERO),
        paid_orders=Count("order", distinct=True, filter=Q(amount_paid__gt=F("amount_refunded"))),
    )
    revenue = money["revenue"].quantize(Decimal("0.01"))
    average = (revenue / money["paid_orders"]).quantize(Decimal("0.01")) if money["paid_orders"] else Decimal("0.00")
    return {**counts, "paid": money["paid_orders"], "currency": user.currency,
            "revenue": f"{revenue:.2f}", "average_order_value": f"{average:.2f}"}
