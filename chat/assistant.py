"""The seller's sessions with their AI assistant (seed 003's conversation backend): conversations
of source `assistant`, with no customer, where the seller's question is stored as their message
and the assistant's answer (through the AI app, with tools over the seller's own data) as an
`assistant` message carrying its model, latency and confidence. A streaming answer reaches the
seller's chat sockets as `assistant_delta` frames before its `chat_message`."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from ai.rules import clip
from ai.services.assistant import assistant_answer, assistant_check
from chat.errors import InvalidMessage, NotAMember
from chat.models import MESSAGE_MAX_LENGTH, Conversation, ConversationStatus, Message, MessageType, SenderType
from chat.realtime import send_to_inboxes
from chat.services.conversations import CREATED, UPDATED, conversation_announce
from chat.services.messages import Draft, message_post, message_send
from sellflow.platforms import Platform
from sellflow.transactions import after_commit

HISTORY_TURNS = 10  # the session's earlier turns the assistant reads
SUBJECT_LENGTH = 200


@dataclass(frozen=True)
class StarterTemplate:
    id: int
    titles: dict[str, str]
    prompts: dict[str, str]


# The assistant's starters (GET /api/chat/assistant/templates/), in English and French.
STARTER_TEMPLATES = [
    StarterTemplate(1, {"en": "Today's sales", "fr": "Les ventes du jour"},
                    {"en": "Summarise my sales today.", "fr": "Résume mes ventes d'aujourd'hui."}),
    StarterTemplate(2, {"en": "This month's sales", "fr": "Les ventes du mois"},
                    {"en": "How were my sales this month?", "fr": "Combien de ventes ce mois-ci ?"}),
    StarterTemplate(3, {"en": "Orders waiting for me", "fr": "Commandes en attente"},
                    {"en": "Which orders are waiting for me to confirm or ship?",
                     "fr": "Quelles commandes sont à confirmer ou à expédier ?"}),
    StarterTemplate(4, {"en": "Low stock", "fr": "Stock faible"},
                    {"en": "Which products are running low on stock?",
                     "fr": "Quels produits sont en rupture ou en stock faible ?"}),
    StarterTemplate(5, {"en": "Reply to a customer", "fr": "Répondre à un client"},
                    {"en": "Suggest a reply to my latest customer message.",
                     "fr": "Propose une réponse au dernier message client."}),
]


def starter_template(template_id: int) -> StarterTemplate | None:
    return next((template for template in STARTER_TEMPLATES if template.id == template_id), None)


def assistant_session_start(*, seller: User, subject: str = "") -> Conversation:
    """A new session of the seller's with their assistant: every start is a session of its own,
    announced to the seller's inbox (`conversation`, `created`) after commit."""
    with transaction.atomic():
        conversation = Conversation.objects.create(seller=seller, customer=None, source=Platform.ASSISTANT,
                                                   subject=subject[:SUBJECT_LENGTH])
        after_commit(conversation_announce, conversation.pk, CREATED)
    return conversation


def assistant_history(conversation: Conversation, *, before_sequence: int) -> list[dict[str, str]]:
    """The session's last turns before the question, oldest first (one query)."""
    turns = (Message.objects.filter(conversation=conversation, sequence__lt=before_sequence,
                                    sender_type__in=(SenderType.SELLER, SenderType.ASSISTANT))
             .exclude(content="").order_by("-sequence").values_list("sender_type", "content")[:HISTORY_TURNS])
    return [{"role": "seller" if sender_type == SenderType.SELLER else "assistant", "text": content}
            for sender_type, content in reversed(turns)]


def delta_frame(conversation: Conversation, question: Message, delta: str) -> dict:
    return {"type": "assistant_delta", "conversation_id": conversation.pk, "reply_to": question.pk, "delta": delta}


def assistant_ask(*, conversation: Conversation, seller: User, draft: Draft) -> tuple[Message, Message]:
    """The seller asks their assistant and it answers (REST): assistant_question, then assistant_reply."""
    question = assistant_question(conversation=conversation, seller=seller, draft=draft)
    return question, assistant_reply(conversation=conversation, seller=seller, question=question)


def assistant_question(*, conversation: Conversation, seller: User, draft: Draft) -> Message:
    """The seller's question, stored (message_send): refused before anything is stored when the
    assistant is switched off (403) or the AI quota is spent (429). A completed session asked
    again goes on (active, announced to the seller's inbox)."""
    if not conversation.is_assistant or conversation.seller_id != seller.pk:
        raise NotAMember()
    if draft.message_type != MessageType.TEXT or draft.attachment is not None:
        raise InvalidMessage("The assistant reads text only.", details={"message_type": ["Send text."]})
    assistant_check(user=seller)
    question = message_send(conversation=conversation, sender=seller, draft=draft)
    with transaction.atomic():
        if Conversation.objects.filter(pk=conversation.pk, status=ConversationStatus.COMPLETED).update(
                status=ConversationStatus.ACTIVE, updated_at=timezone.now()):
            conversation.status = ConversationStatus.ACTIVE
            after_commit(conversation_announce, conversation.pk, UPDATED)
    return question


def assistant_reply(*, conversation: Conversation, seller: User, question: Message) -> Message:
    """The assistant's answer to a stored question, asked for outside any transaction (it takes
    seconds), streamed to the seller's sockets as it comes, and stored as the assistant's message.
    A provider failure leaves the question unanswered (502)."""
    history = assistant_history(conversation, before_sequence=question.sequence)

    def on_delta(delta: str) -> None:
        send_to_inboxes([seller.pk], delta_frame(conversation, question, delta))

    generation = assistant_answer(user=seller, question=question.content, history=history, on_delta=on_delta)
    metadata = {"model": generation.model, "provider": generation.provider, "latency_ms": generation.latency_ms,
                "confidence": generation.confidence, "tools": list(generation.tools_used),
                "reply_to": question.pk}
    return message_post(conversation=conversation, sender_type=SenderType.ASSISTANT, draft=Draft(
        content=clip(generation.text.strip(), MESSAGE_MAX_LENGTH), metadata=metadata))


def assistant_template_start(*, seller: User, template: StarterTemplate, language: str) -> tuple[
        Conversation, Message]:
    """A new session opened with the starter's prompt asked, in the seller's language (the answer is
    the caller's to ask for: assistant_reply)."""
    assistant_check(user=seller)
    language = language if language in template.prompts else "en"
    conversation = assistant_session_start(seller=seller, subject=template.titles[language])
    question = assistant_question(conversation=conversation, seller=seller,
                                  draft=Draft(content=template.prompts[language]))
    return conversation, question
