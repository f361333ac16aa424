"""Conversations between a seller and a customer, their messages in a strict order per
conversation, reactions on messages, and the seller's reply templates."""

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from sellflow.platforms import Platform

MESSAGE_MAX_LENGTH = 5000
PREVIEW_LENGTH = 140
REACTION_MAX_LENGTH = 32

# A member's side of a conversation: what they see of it differs (chat.serializers).
SELLER, BUYER = "seller", "buyer"

# What the buyer sees of a message's metadata: a payment link's address and end, an order
# update's status. The rest (AI suggestion and template flags, the assistant's model and latency,
# platform ids) is the seller's working data.
BUYER_METADATA_KEYS = frozenset({"url", "expires_at", "order_status"})

# The placeholders a reply template may hold, filled when it is sent.
TEMPLATE_PLACEHOLDERS = ("customer_name", "product_name", "product_price", "order_id")
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


class ConversationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    ARCHIVED = "archived", "Archived"


# A conversation that is neither completed nor archived is still open: a buyer asking again about
# the same product finds it.
OPEN_STATUSES = (ConversationStatus.ACTIVE, ConversationStatus.PAUSED)


class Conversation(models.Model):
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seller_conversations")
    # RESTRICT: a customer merged into another hands its conversations over first (customers_merging),
    # and deleting one with a history is refused rather than losing it; deleting the seller deletes both.
    # None only in the seller's sessions with their assistant (source `assistant`).
    customer = models.ForeignKey("customers.Customer", on_delete=models.RESTRICT, null=True, blank=True,
                                 related_name="conversations")
    # The customer's buyer account, when they have one: the other member of the conversation.
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="buyer_conversations")
    product = models.ForeignKey("products.Product", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="conversations")
    source = models.CharField(max_length=20, choices=Platform.choices, default=Platform.WEBSITE)
    status = models.CharField(max_length=10, choices=ConversationStatus.choices, default=ConversationStatus.ACTIVE)
    subject = models.CharField(max_length=200, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_message_preview = models.CharField(max_length=PREVIEW_LENGTH, blank=True)
    seller_unread = models.PositiveIntegerField(default=0)
    buyer_unread = models.PositiveIntegerField(default=0)
    labels = models.JSONField(default=list, blank=True)
    # The thread's id at the platform it came from (WhatsApp, Messenger, Instagram), for replies.
    platform_thread_id = models.CharField(max_length=200, blank=True)
    # The sequence of the latest message: the next one takes last_sequence + 1 under the row's lock.
    last_sequence = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_message_at", "-pk"]
        indexes = [
            models.Index(fields=["seller", "seller_unread", "-last_message_at"], name="chat_seller_inbox"),
            models.Index(fields=["buyer", "-last_message_at"], name="chat_buyer_inbox"),
        ]
        constraints = [
            # A customer's conversation has its customer; the seller's assistant session has none.
            models.CheckConstraint(condition=Q(source=Platform.ASSISTANT, customer__isnull=True, buyer__isnull=True)
                                   | (~Q(source=Platform.ASSISTANT) & Q(customer__isnull=False)),
                                   name="chat_customer_unless_assistant"),
        ]

    def __str__(self) -> str:
        return self.subject or f"conversation {self.pk}"

    @property
    def is_archived(self) -> bool:
        return self.status == ConversationStatus.ARCHIVED

    @property
    def is_assistant(self) -> bool:
        return self.source == Platform.ASSISTANT


class SenderType(models.TextChoices):
    SELLER = "seller", "Seller"
    BUYER = "buyer", "Buyer"
    CUSTOMER = "customer", "Customer (through a platform)"
    SYSTEM = "system", "System"
    ASSISTANT = "assistant", "Assistant"


class MessageType(models.TextChoices):
    TEXT = "text", "Text"
    IMAGE = "image", "Image"
    PRODUCT = "product", "Product card"
    ORDER = "order", "Order card"
    PAYMENT_LINK = "payment_link", "Payment link"
    SYSTEM = "system", "System"


class DeliveryStatus(models.TextChoices):
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    READ = "read", "Read"
    FAILED = "failed", "Failed"


def message_attachment_upload_to(message: "Message", filename: str) -> str:
    return f"chat/{message.conversation_id}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1].lower()}"


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    # Strictly increasing per conversation, from 1: clients order by it and resume after it.
    sequence = models.PositiveBigIntegerField()
    sender_type = models.CharField(max_length=10, choices=SenderType.choices)
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    message_type = models.CharField(max_length=20, choices=MessageType.choices, default=MessageType.TEXT)
    content = models.TextField(blank=True, max_length=MESSAGE_MAX_LENGTH)
    # Checked and re-encoded as product images are (chat.services.messages.message_image_prepare).
    attachment = models.ImageField(upload_to=message_attachment_upload_to, blank=True)
    product = models.ForeignKey("products.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The assistant's model, response time and confidence; a platform's message id.
    metadata = models.JSONField(default=dict, blank=True)
    delivery_status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.SENT)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["conversation", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "sequence"], name="chat_message_sequence_once"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.sequence}"


class Feedback(models.TextChoices):
    HELPFUL = "helpful", "Helpful"
    NOT_HELPFUL = "not_helpful", "Not helpful"


class MessageReaction(models.Model):
    """A user's emoji on a message, or the seller's `helpful`/`not_helpful` on an assistant's answer
    or an AI-suggested reply (feedback: the seller's own, never shown to the buyer)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reaction = models.CharField(max_length=REACTION_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["message", "user", "reaction"], name="chat_reaction_once"),
        ]

    def __str__(self) -> str:
        return f"{self.reaction} on {self.message_id}"


def template_unknown_placeholders(body: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(body) if name not in TEMPLATE_PLACEHOLDERS})


def validate_template_body(body: str) -> None:
    """Refuses a placeholder that sending could not fill (a typo would reach the customer as is)."""
    unknown = template_unknown_placeholders(body)
    if unknown:
        raise ValidationError(f"Unknown placeholders: {', '.join(unknown)}. Use "
                              f"{', '.join('{{ ' + name + ' }}' for name in TEMPLATE_PLACEHOLDERS)}.",
                              code="unknown_placeholder")


class ReplyTemplate(models.Model):
    """A canned reply of the seller's, called up by its shortcode; placeholders are filled when sent."""

    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reply_templates")
    shortcode = models.SlugField(max_length=50)
    title = models.CharField(max_length=100)
    body = models.TextField(max_length=MESSAGE_MAX_LENGTH, validators=[validate_template_body])
    usage_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["shortcode", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "shortcode"], name="chat_template_shortcode_once"),
        ]

    def __str__(self) -> str:
        return f"/{self.shortcode}"
