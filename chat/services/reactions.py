"""Reactions on chat messages: a member's emoji, or the seller's feedback (`helpful`,
`not_helpful`) on their AI. Each write is one transaction; its socket event goes out after commit."""

import unicodedata

from django.db import IntegrityError, transaction

from accounts.models import User
from chat.errors import InvalidMessage
from chat.events import reaction_frame
from chat.models import REACTION_MAX_LENGTH, SELLER, Conversation, Feedback, Message, MessageReaction, SenderType
from chat.realtime import send_to_inboxes
from chat.services.conversations import conversation_side, members_of
from sellflow.transactions import after_commit


def reaction_check(reaction: str) -> str:
    """`helpful`, `not_helpful`, or one emoji (with its modifiers and joiners)."""
    reaction = (reaction or "").strip()
    if reaction in Feedback.values:
        return reaction
    categories = [unicodedata.category(character) for character in reaction]
    is_emoji = (0 < len(reaction) <= REACTION_MAX_LENGTH and "So" in categories
                and all(category in ("So", "Sk", "Mn", "Me", "Cf") for category in categories))
    if not is_emoji:
        raise InvalidMessage("A reaction is an emoji, `helpful` or `not_helpful`.",
                             details={"reaction": ["Send an emoji, `helpful` or `not_helpful`."]})
    return reaction


def message_react(*, message: Message, user: User, reaction: str) -> tuple[MessageReaction, bool]:
    """The user's reaction on a message of their conversation, once per reaction. Returns it and
    whether it is new; a new one reaches the inboxes that see it after commit (`reaction`)."""
    side = conversation_side(message.conversation, user)
    reaction = reaction_check(reaction)
    if reaction in Feedback.values:
        feedback_check(message, side)
    try:
        with transaction.atomic():
            made = MessageReaction.objects.create(message=message, user=user, reaction=reaction)
            after_commit(send_to_inboxes, reaction_audience(message.conversation, reaction),
                         reaction_frame(message, user=user, reaction=reaction, added=True))
            return made, True
    except IntegrityError:  # already there
        return MessageReaction.objects.get(message=message, user=user, reaction=reaction), False


def feedback_check(message: Message, side: str) -> None:
    """`helpful`/`not_helpful` is the seller's word on their AI: on an assistant's answer, or on a
    reply they sent from an AI suggestion."""
    is_ai = message.sender_type == SenderType.ASSISTANT or (
        message.sender_type == SenderType.SELLER and message.metadata.get("ai_suggestion") is True)
    if side != SELLER or not is_ai:
        raise InvalidMessage("`helpful` and `not_helpful` are the seller's feedback on an assistant's answer or an "
                             "AI-suggested reply.", details={"reaction": ["React with an emoji."]})


def reaction_audience(conversation: Conversation, reaction: str) -> list[int]:
    """Who sees a reaction: an emoji both members, feedback the seller only."""
    return [conversation.seller_id] if reaction in Feedback.values else members_of(conversation)


def message_unreact(*, message: Message, user: User, reaction: str) -> bool:
    """Take the user's reaction back; whether there was one."""
    conversation_side(message.conversation, user)
    reaction = (reaction or "").strip()
    with transaction.atomic():
        deleted, _ = MessageReaction.objects.filter(message=message, user=user, reaction=reaction).delete()
        if deleted:
            after_commit(send_to_inboxes, reaction_audience(message.conversation, reaction),
                         reaction_frame(message, user=user, reaction=reaction, added=False))
    return bool(deleted)
