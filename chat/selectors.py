"""Chat, read: a user's conversations (as the seller or the buyer) and a conversation's messages."""

from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, Value, When

from accounts.models import User
from chat.models import Conversation, Message, MessageReaction


def user_conversations(user: User) -> QuerySet[Conversation]:
    """The conversations the user is a member of, with what their list shows, unread ones first
    (the user's own side's count), then the latest message first."""
    unread = Case(When(seller=user, then=F("seller_unread")), default=F("buyer_unread"), output_field=IntegerField())
    return (
        Conversation.objects.filter(Q(seller=user) | Q(buyer=user))
        .select_related("seller", "customer", "product")
        .annotate(my_unread=unread,
                  has_unread=Case(When(my_unread__gt=0, then=Value(1)), default=Value(0), output_field=IntegerField()))
        .order_by("-has_unread", F("last_message_at").desc(nulls_last=True), "-pk")
    )


def conversation_messages(conversation: Conversation) -> QuerySet[Message]:
    return (
        Message.objects.filter(conversation=conversation)
        .select_related("product", "order")
        .prefetch_related(Prefetch("reactions", queryset=MessageReaction.objects.order_by("created_at", "pk")))
    )


def message_page(conversation: Conversation, *, before: int | None, after: int | None, limit: int) -> list[Message]:
    """A page of the conversation's messages in sequence order: the newest `limit` (before
    `before` when given), or the oldest `limit` after `after`."""
    messages = conversation_messages(conversation)
    if after is not None:
        return list(messages.filter(sequence__gt=after).order_by("sequence")[:limit])
    if before is not None:
        messages = messages.filter(sequence__lt=before)
    return list(reversed(messages.order_by("-sequence")[:limit]))


def user_messages(user: User) -> QuerySet[Message]:
    """Messages of the user's conversations, with their conversation."""
    return Message.objects.filter(Q(conversation__seller=user) | Q(conversation__buyer=user)).select_related(
        "conversation")
