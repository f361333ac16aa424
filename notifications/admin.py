from django.contrib import admin

from notifications.models import Device, Notification, NotificationPreference, NotificationTemplate


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "type", "title", "is_read", "created_at")
    list_filter = ("type", "is_read")
    search_fields = ("user__email", "title")
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "in_app_enabled", "email_enabled", "push_enabled", "email_daily_digest")
    search_fields = ("user__email",)
    raw_id_fields = ("user",)


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    list_display = ("key", "subject", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("key", "subject")


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "platform", "last_seen", "created_at")
    list_filter = ("platform",)
    search_fields = ("user__email",)
    raw_id_fields = ("user",)
    exclude = ("token",)
    readonly_fields = ("token_hash",)
