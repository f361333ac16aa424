from django.contrib import admin

from social.models import SocialAccount

# Every field an operator may see: the tokens are not among them (and their field has no form).
VISIBLE_FIELDS = ("seller", "platform", "platform_user_id", "platform_username", "display_name", "avatar_url",
                  "page_id", "token_expires_at", "scopes", "status", "last_error", "connected_at", "updated_at")


@admin.register(SocialAccount)
class SocialAccountAdmin(admin.ModelAdmin):
    list_display = ("seller", "platform", "platform_username", "display_name", "status", "token_expires_at",
                    "connected_at")
    list_filter = ("platform", "status")
    search_fields = ("seller__email", "platform_username", "display_name", "platform_user_id")
    list_select_related = ("seller",)
    fields = VISIBLE_FIELDS
    readonly_fields = VISIBLE_FIELDS  # connected through the API (the token is checked there), not typed in

    def has_add_permission(self, request) -> bool:
        return False
