from django.contrib import admin

from sellflow.admin import ViewOnlyAdmin
from social.models import (
    AccountInsight,
    LocalPlatformPost,
    PlatformEvent,
    PostClick,
    PostImage,
    PostMedia,
    PostTarget,
    SocialAccount,
    SocialPost,
)

# Every field an operator may see: the tokens are not among them (and their field has no form).
VISIBLE_FIELDS = ("seller", "platform", "platform_user_id", "platform_username", "display_name", "avatar_url",
                  "page_id", "token_expires_at", "scopes", "status", "last_error", "webhooks_subscribed_at",
                  "connected_at", "updated_at")


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


@admin.register(AccountInsight)
class AccountInsightAdmin(admin.ModelAdmin):
    """Written by the insights job from the platform's figures: read here, never typed in."""

    list_display = ("account", "day", "followers", "impressions", "reach", "engagement", "link_clicks", "fetched_at")
    list_filter = ("account__platform",)
    search_fields = ("account__platform_username", "account__seller__email")
    list_select_related = ("account",)
    date_hierarchy = "day"
    readonly_fields = ("account", "day", "followers", "impressions", "reach", "engagement", "link_clicks",
                       "fetched_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PostClick)
class PostClickAdmin(admin.ModelAdmin):
    """Visits through posts' links, recorded by /r/<code> for attribution: read-only."""

    list_display = ("clicked_at", "seller", "platform", "post", "product", "visitor")
    list_filter = ("platform",)
    search_fields = ("seller__email", "visitor")
    list_select_related = ("seller", "post", "product")
    date_hierarchy = "clicked_at"
    readonly_fields = ("seller", "post", "target", "product", "platform", "visitor", "utm", "referrer", "clicked_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PlatformEvent)
class PlatformEventAdmin(ViewOnlyAdmin):
    """What the platforms sent, as they sent it: read-only (a replayed webhook changes nothing, and
    neither does an operator)."""

    list_display = ("received_at", "platform", "kind", "event_id", "account", "processed")
    list_filter = ("platform", "kind", "processed")
    search_fields = ("event_id", "account__platform_username", "account__seller__email")
    list_select_related = ("account",)
    date_hierarchy = "received_at"
    readonly_fields = ("platform", "event_id", "kind", "account", "payload", "received_at", "processed")


# --- Posts

class PostTargetInline(admin.TabularInline):
    """Where the post goes and how far it got: the publishing task writes these, not operators."""

    model = PostTarget
    extra = 0
    fields = ("account", "platform", "status", "scheduled_at", "published_at", "removed_at", "platform_post_id",
              "platform_url", "attempts", "last_error", "code")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class PostMediaInline(admin.TabularInline):
    model = PostMedia
    extra = 0
    fields = ("position", "product_image", "upload")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SocialPost)
class SocialPostAdmin(admin.ModelAdmin):
    """Posts are written through the API, which checks them against every platform's rules."""

    list_display = ("pk", "seller", "product", "short_content", "created_at")
    search_fields = ("seller__email", "content", "targets__code")
    list_filter = ("targets__platform", "targets__status")
    list_select_related = ("seller", "product")
    fields = ("seller", "product", "content", "hashtags", "created_at", "updated_at")
    readonly_fields = fields
    inlines = [PostTargetInline, PostMediaInline]

    @admin.display(description="content")
    def short_content(self, post: SocialPost) -> str:
        return post.content[:80]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PostImage)
class PostImageAdmin(admin.ModelAdmin):
    """Images uploaded for posts through the API, which checks and cleans them."""

    list_display = ("pk", "seller", "width", "height", "created_at")
    search_fields = ("seller__email",)
    list_select_related = ("seller",)
    fields = ("seller", "image", "width", "height", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(LocalPlatformPost)
class LocalPlatformPostAdmin(admin.ModelAdmin):
    """What the built-in local platform recorded instead of publishing (development only)."""

    list_display = ("pk", "platform", "platform_user_id", "short_text", "image_count", "published_at")
    list_filter = ("platform",)
    search_fields = ("platform_user_id", "text", "link")
    date_hierarchy = "published_at"
    readonly_fields = ("platform", "platform_user_id", "text", "link", "image_urls", "image_count", "recipient",
                       "published_at")

    @admin.display(description="text")
    def short_text(self, obj: LocalPlatformPost) -> str:
        return obj.text if len(obj.text) <= 80 else f"{obj.text[:79]}…"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
