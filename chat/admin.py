from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html

from chat.models import Conversation, Message, MessageReaction, ReplyTemplate
from sellflow.admin import ViewOnlyAdmin, ViewOnlyInline

ADMIN_MESSAGES = 50  # a conversation's latest messages on its page; all of them in the message list
MESSAGE_FIELDS = ("sequence", "sender_type", "sender", "message_type", "content", "attachment", "product", "order",
                  "delivery_status", "created_at", "read_at")


class LatestMessagesFormSet(BaseInlineFormSet):
    """The conversation's latest ADMIN_MESSAGES messages, newest first: a long conversation's page
    does not load thousands of rows."""

    def get_queryset(self):
        if not hasattr(self, "_latest"):
            self._latest = super().get_queryset().order_by("-sequence")[:ADMIN_MESSAGES]
        return self._latest


class MessageInline(ViewOnlyInline):
    """The conversation as its members wrote it: read here, never typed in."""

    model = Message
    formset = LatestMessagesFormSet
    verbose_name_plural = f"messages (the latest {ADMIN_MESSAGES}, newest first)"
    fields = MESSAGE_FIELDS
    readonly_fields = MESSAGE_FIELDS
    show_change_link = False


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
                       "updated_at", "all_messages")
    fields = ("seller", "customer", "buyer", "product", "source", "status", "subject", "labels", "all_messages",
              "last_message_at",
              "last_message_preview", "seller_unread", "buyer_unread", "last_sequence", "platform_thread_id",
              "created_at", "updated_at")
    inlines = [MessageInline]

    def has_add_permission(self, request) -> bool:
        return False  # started through the API, where the customer is matched

    @admin.display(description="All messages")
    def all_messages(self, conversation: Conversation) -> str:
        url = reverse("admin:chat_message_changelist") + f"?conversation={conversation.pk}"
        return format_html('<a href="{}">{} messages, in order</a>', url, conversation.last_sequence)


@admin.register(Message)
class MessageAdmin(ViewOnlyAdmin):
    """Every message, read-only (a conversation's page shows its latest)."""

    list_display = ("conversation", "sequence", "sender_type", "message_type", "content", "delivery_status",
                    "created_at")
    list_filter = ("sender_type", "message_type", "delivery_status")
    search_fields = ("content",)
    ordering = ("conversation", "sequence")
    list_select_related = ("conversation",)
    list_per_page = 100
    show_full_result_count = False  # no COUNT over every message on each page
    readonly_fields = (*MESSAGE_FIELDS, "conversation", "metadata", "edited_at")


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
