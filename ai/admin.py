from django.contrib import admin

from ai.models import AIContent, AIJob, AIUsage, ProductRecommendation


@admin.register(ProductRecommendation)
class ProductRecommendationAdmin(admin.ModelAdmin):
    """Read only: the table is recomputed by ai.recommendations (hourly, and when a product changes)."""

    list_display = ("product", "kind", "rank", "recommended", "score", "computed_at")
    list_filter = ("kind",)
    list_select_related = ("product", "recommended")
    search_fields = ("=product__id", "product__name")
    ordering = ("product", "kind", "rank")
    readonly_fields = ("product", "recommended", "kind", "score", "rank", "computed_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: operators read them, the services write them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AIUsage)
class AIUsageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "feature", "provider", "model", "success", "error", "prompt_tokens",
                    "completion_tokens", "latency_ms")
    list_filter = ("feature", "provider", "success", "day")
    list_select_related = ("user",)
    search_fields = ("user__email", "model", "error")
    date_hierarchy = "created_at"


@admin.register(AIJob)
class AIJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "feature", "status", "created_at", "finished_at")
    list_filter = ("feature", "status")
    list_select_related = ("user",)
    search_fields = ("user__email",)


@admin.register(AIContent)
class AIContentAdmin(admin.ModelAdmin):
    """Operators may take down a text (reject it); sellers edit and approve theirs in the app."""

    list_display = ("id", "product", "content_type", "platform", "language", "version", "status", "provider",
                    "edited", "created_at")
    list_filter = ("content_type", "platform", "language", "status", "provider")
    list_select_related = ("product",)
    search_fields = ("product__name", "=product__id", "text")
    readonly_fields = ("product", "content_type", "platform", "language", "text", "hashtags", "options", "provider",
                       "model", "version", "request_key", "edited", "created_by", "created_at", "updated_at",
                       "reviewed_at", "applied_at")
    fields = ("status", *readonly_fields)

    def has_add_permission(self, request):
        return False
