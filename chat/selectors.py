"""Chat, read: a user's conversations (as the seller or the buyer) and a conversation's messages."""

from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, Value, When

from accounts.models import User
from ai.conversations import REPLY_HISTORY, ConversationContext
from chat.models import Conversation, Message, MessageReaction, SenderType


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


def conversation_messages(conversation: Conversation, *, with_reactions: bool = True) -> QuerySet[Message]:
    messages = Message.objects.filter(conversation=conversation).select_related("product", "order")
    if with_reactions:
        messages = messages.prefetch_related(
            Prefetch("reactions", queryset=MessageReaction.objects.order_by("created_at", "pk")))
    return messages


def message_page(conversation: Conversation, *, before: int | None, after: int | None, limit: int,
                 with_reactions: bool = True) -> list[Message]:
    """A page of the conversation's messages in sequence order: the newest `limit` (before
    `before` when given), or the oldest `limit` after `after`. Socket frames carry no reactions:
    `with_reactions=False` spares their query."""
    messages = conversation_messages(conversation, with_reactions=with_reactions)
    if after is not None:
        return list(messages.filter(sequence__gt=after).order_by("sequence")[:limit])
    if before is not None:
        messages = messages.filter(sequence__lt=before)
    return list(reversed(messages.order_by("-sequence")[:limit]))


def user_messages(user: User) -> QuerySet[Message]:
    """Messages of the user's conversations, with their conversation."""
    return Message.objects.filter(Q(conversation__seller=user) | Q(conversation__buyer=user)).select_related(
        "conversation")


# Whose words a reply suggestion reads: the seller's side and the customer's; system notes are left out.
REPLY_SIDES = {SenderType.SELLER: "seller", SenderType.ASSISTANT: "seller", SenderType.BUYER: "customer",
               SenderType.CUSTOMER: "customer"}


def conversation_reply_context(conversation: Conversation) -> ConversationContext:
    """The conversation as the AI app's reply suggestions read it: its last written messages as
    text, oldest first, and its product (one query for the messages)."""
    recent = (Message.objects.filter(conversation=conversation, sender_type__in=list(REPLY_SIDES))
              .exclude(content="").order_by("-sequence").values_list("sender_type", "content")[:REPLY_HISTORY])
    messages = [{"from": REPLY_SIDES[sender_type], "text": content} for sender_type, content in reversed(recent)]
    return ConversationContext(messages=messages, product=conversation.product)


def seller_conversation_reply_context(seller: User, conversation_id: int) -> ConversationContext | None:
    """The reader the AI app calls for `POST /api/ai/chat/suggestions/ {"conversation": id}`
    (registered in ChatConfig.ready): only the seller's own conversations."""
    conversation = Conversation.objects.filter(seller=seller, pk=conversation_id).select_related("product").first()
    return conversation_reply_context(conversation) if conversation is not None else None
