from django.contrib import admin

from customers.models import Customer, CustomerHandle, CustomerTag, GuestOrder

# Kept by the orders' announcements (customers.services.customer_refresh_figures): read, never typed in.
FIGURES = ("orders_count", "total_spent", "first_seen", "last_seen", "created_at", "updated_at")


class CustomerHandleInline(admin.TabularInline):
    """Handles come from the platforms' messages and from merges (unique per seller): shown, and
    removable, not typed in."""

    model = CustomerHandle
    extra = 0
    fields = ("platform", "platform_user_id", "username", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class CustomerTagInline(admin.TabularInline):
    model = CustomerTag
    extra = 0
    fields = ("name",)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("__str__", "seller", "email", "phone", "orders_count", "total_spent", "last_seen")
    list_filter = ("handles__platform",)
    search_fields = ("name", "email", "phone", "handles__username", "handles__platform_user_id", "seller__email")
    list_select_related = ("seller",)
    raw_id_fields = ("seller", "buyer")
    readonly_fields = FIGURES
    date_hierarchy = "last_seen"
    inlines = [CustomerHandleInline, CustomerTagInline]

    def save_formset(self, request, form, formset, change):
        # A tag added here is the customer's seller's, as `?tag=` reads it.
        for instance in formset.save(commit=False):
            instance.seller_id = form.instance.seller_id
            instance.save()
        for removed in formset.deleted_objects:
            removed.delete()


@admin.register(GuestOrder)
class GuestOrderAdmin(admin.ModelAdmin):
    """Which customer a guest order (placed from a conversation, no buyer account) counts for:
    written with the order, read here."""

    list_display = ("order", "customer", "created_at")
    search_fields = ("order__order_id", "customer__name", "customer__email", "customer__phone")
    list_select_related = ("order", "customer")
    raw_id_fields = ("customer", "order")
    readonly_fields = ("customer", "order", "created_at")

    def has_add_permission(self, request) -> bool:
        return False
