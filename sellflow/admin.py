from django.contrib import admin

from sellflow.models import QuotaUsage


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
