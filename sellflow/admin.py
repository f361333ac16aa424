from django.contrib import admin

from sellflow.models import QuotaUsage


class ViewOnlyAdmin(admin.ModelAdmin):
    """Records the services write and operators only look at: no adding, changing or deleting."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ViewOnlyInline(admin.TabularInline):
    """Rows shown on their parent's page, read only."""

    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(QuotaUsage)
class QuotaUsageAdmin(admin.ModelAdmin):
    """What each user spent of their quotas. Read only; deleting a row gives that period back
    (an operator lifting a limit for a seller who hit it in good faith)."""

    list_display = ("user", "scope", "period_seconds", "period_start", "used")
    list_filter = ("scope", "period_seconds")
    search_fields = ("user__email", "scope")
    date_hierarchy = "period_start"
    list_select_related = ("user",)
    readonly_fields = ("user", "scope", "period_seconds", "period_start", "used")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
