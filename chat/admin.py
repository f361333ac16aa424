from django.contrib import admin

from chat.models import Conversation, Message, MessageReaction, ReplyTemplate

MESSAGE_FIELDS = ("sequence", "sender_type", "sender", "message_type", "content", "attachment", "product", "order",
                  "delivery_status", "created_at", "read_at")


class MessageInline(admin.TabularInline):
    """The conversation as its members wrote it: read here, never typed in."""

    model = Message
    fields = MESSAGE_FIELDS
    readonly_fields = MESSAGE_FIELDS
    ordering = ("sequence",)
    extra = 0
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("id", "seller", "customer", "source", "status", "subject", "last_message_at", "seller_unread",
                    "buyer_unread")
    list_filter = ("status", "source")
    search_fields = ("seller__email", "customer__name", "customer__email", "customer__phone", "subject")
    list_select_related = ("seller", "customer")
    raw_id_fields = ("seller", "customer", "buyer", "product")
    readonly_fields = ("seller", "customer", "buyer", "product", "source", "last_message_at", "last_message_preview",
                       "seller_unread", "buyer_unread", "last_sequence", "platform_thread_id", "created_at",
                       "updated_at")
    fields = ("seller", "customer", "buyer", "product", "source", "status", "subject", "labels", "last_message_at",
              "last_message_preview", "seller_unread", "buyer_unread", "last_sequence", "platform_thread_id",
              "created_at", "updated_at")
    inlines = [MessageInline]

    def has_add_permission(self, request) -> bool:
        return False  # started through the API, where the customer is matched


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ("shortcode", "title", "seller", "usage_count", "updated_at")
    search_fields = ("shortcode", "title", "seller__email")
    list_select_related = ("seller",)
    raw_id_fields = ("seller",)
    readonly_fields = ("usage_count", "created_at", "updated_at")


@admin.register(MessageReaction)
class MessageReactionAdmin(admin.ModelAdmin):
    """Reactions and answer feedback, as users left them: read-only."""

    list_display = ("reaction", "user", "message", "created_at")
    list_filter = ("reaction",)
    list_select_related = ("user", "message")
    readonly_fields = ("message", "user", "reaction", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
