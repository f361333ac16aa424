"""The operator's view of the money path. Orders and payments are read here, not edited: every
change goes through the services (state machine, stock, gateway), so nothing here can bypass them."""

from django.contrib import admin
from django.utils.html import format_html_join

from orders.models import (
    Cart,
    CartItem,
    Order,
    OrderEvent,
    OrderItem,
    Payment,
    PaymentAttempt,
    PaymentStatus,
    Refund,
    StockReservation,
    WebhookEvent,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderItemInline(ReadOnlyInline):
    model = OrderItem
    fields = ("product_name", "variant_name", "sku", "unit_price", "quantity", "total", "product", "history")


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("method", "gateway", "reference", "transaction_id", "amount", "currency", "status", "amount_paid",
              "amount_refunded", "flag_reason", "paid_at")
    show_change_link = True


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("created_at", "from_status", "to_status", "actor", "note")


class StockReservationInline(ReadOnlyInline):
    model = StockReservation
    fields = ("product", "variant", "quantity", "status", "expires_at", "settled_at")


class AllFieldsReadOnly:
    """Every field of the model is shown and none is edited (`self.opts`: ModelAdmin's public
    handle on the model's options); `also_read_only` adds computed fields."""

    also_read_only: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.opts.fields] + list(self.also_read_only)


class PaymentStatusFilter(admin.SimpleListFilter):
    title = "payment status"
    parameter_name = "payment_status"

    def lookups(self, request, model_admin):
        return PaymentStatus.choices  # the choices of Payment.status

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(payments__status=self.value()).distinct()
        return queryset


class BuyerKindFilter(admin.SimpleListFilter):
    """A guest order (placed by the seller from a conversation for a customer without an account)
    has no buyer; its customer is on the customers admin's guest orders."""

    title = "buyer"
    parameter_name = "buyer_kind"

    def lookups(self, request, model_admin):
        return [("account", "Buyer account"), ("guest", "Guest (no account)")]

    def queryset(self, request, queryset):
        if self.value() in ("account", "guest"):
            return queryset.filter(buyer__isnull=self.value() == "guest")
        return queryset


@admin.register(Order)
class OrderAdmin(AllFieldsReadOnly, admin.ModelAdmin):
    list_display = ("order_id", "status", "placed_by", "seller", "total_amount", "currency", "payment_method",
                    "source", "created_at")
    list_filter = ("status", PaymentStatusFilter, BuyerKindFilter, "source", "payment_method",
                   ("seller", admin.RelatedOnlyFieldListFilter))
    search_fields = ("order_id", "full_name", "phone", "email", "buyer__email", "seller__email", "payments__reference")
    list_select_related = ("buyer", "seller")
    date_hierarchy = "created_at"
    inlines = [OrderItemInline, PaymentInline, OrderEventInline, StockReservationInline]
    also_read_only = ("placed_for", "payment_attempts")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Buyer", ordering="buyer__email")
    def placed_by(self, order):
        """The buyer account, or "Guest: <shipping name>" for a guest order (no account)."""
        if order.buyer_id:
            return order.buyer
        return f"Guest: {order.full_name}" if order.full_name else "Guest"

    @admin.display(description="Placed for")
    def placed_for(self, order):
        if order.buyer_id:
            return "A buyer account"
        return "A guest (no account): its customer is under Customers › Guest orders (search by its order id)"

    @admin.display(description="Payment attempts")
    def payment_attempts(self, order):
        attempts = PaymentAttempt.objects.filter(payment__order=order).order_by("id")
        return format_html_join(
            "", "<div>{} · {} {} ({}) → {} {}</div>",
            ((a.created_at.strftime("%Y-%m-%d %H:%M:%S"), a.gateway, a.action, a.reference, a.outcome, a.error)
             for a in attempts),
        ) or "-"


class PaymentAttemptInline(ReadOnlyInline):
    model = PaymentAttempt
    fields = ("created_at", "gateway", "action", "reference", "outcome", "error", "response")


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ("created_at", "amount", "reason", "status", "refund_id", "restock", "automatic", "actor")


@admin.register(Payment)
class PaymentAdmin(AllFieldsReadOnly, admin.ModelAdmin):
    list_display = ("reference", "order", "method", "gateway", "amount", "currency", "status", "paid_at")
    list_filter = ("status", "method", "gateway")
    search_fields = ("reference", "transaction_id", "order__order_id", "attempts__reference")
    list_select_related = ("order",)
    inlines = [PaymentAttemptInline, RefundInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(AllFieldsReadOnly, admin.ModelAdmin):
    list_display = ("received_at", "gateway", "event_type", "event_id", "reference", "outcome")
    list_filter = ("gateway", "event_type", "outcome")
    search_fields = ("event_id", "reference")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CartItemInline(ReadOnlyInline):
    model = CartItem
    fields = ("product_name", "variant_name", "quantity", "price_when_added", "added_at")


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ("user", "updated_at")
    search_fields = ("user__email",)
    inlines = [CartItemInline]
    readonly_fields = ("user", "created_at", "updated_at")
