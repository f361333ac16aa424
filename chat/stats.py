"""The seller's chat figures for a period (GET /api/chat/stats/, seed 003's conversation
analytics), and their response time and rate in the profile's `metrics`. Each figure is one
query, whatever the number of conversations."""

import statistics
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import User
from chat.models import Conversation, ConversationStatus, Feedback, Message, MessageReaction, SenderType
from sellflow.platforms import Platform

# The customer's side: a buyer account on the site, or a customer writing from a platform.
INBOUND = (SenderType.BUYER, SenderType.CUSTOMER)
SIDES = {SenderType.SELLER: "seller", SenderType.BUYER: "customer", SenderType.CUSTOMER: "customer",
         SenderType.SYSTEM: "system", SenderType.ASSISTANT: "assistant"}
AI_SUGGESTED = Q(metadata__ai_suggestion=True)


def period_bounds(seller: User, first: date, last: date) -> tuple[datetime, datetime]:
    """From the start of `first` to the end of `last`, days in the seller's timezone."""
    zone = ZoneInfo(seller.timezone)
    return (datetime.combine(first, time.min, tzinfo=zone),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone))


def chat_stats(*, seller: User, start: datetime, end: datetime) -> dict:
    """Conversations started in [start, end) by status and source and how fast they were answered;
    messages, AI suggestions used and feedback given in [start, end)."""
    conversations, messages = conversation_figures(seller, start, end), message_figures(seller, start, end)
    figures = {"conversations": conversations, "messages": messages, **response_figures(seller, start, end),
               **feedback_figures(seller, start, end)}
    figures["assistant"] = {"sessions": conversations["by_source"].get(Platform.ASSISTANT, 0),
                            "answers": messages["by_side"]["assistant"], **figures.pop("assistant_feedback")}
    return figures


def conversation_figures(seller: User, start: datetime, end: datetime) -> dict:
    rows = (Conversation.objects.filter(seller=seller, created_at__gte=start, created_at__lt=end).order_by()
            .values("status", "source").annotate(count=Count("pk")))
    by_status = dict.fromkeys(ConversationStatus.values, 0)
    by_source: dict[str, int] = {}
    for row in rows:
        by_status[row["status"]] += row["count"]
        by_source[row["source"]] = by_source.get(row["source"], 0) + row["count"]
    by_source = {source: by_source[source] for source in Platform.values if source in by_source}
    return {"total": sum(by_status.values()), "by_status": by_status, "by_source": by_source}


def message_figures(seller: User, start: datetime, end: datetime) -> dict:
    rows = (Message.objects.filter(conversation__seller=seller, created_at__gte=start, created_at__lt=end).order_by()
            .values("sender_type").annotate(count=Count("pk")))
    by_side = dict.fromkeys(dict.fromkeys(SIDES.values()), 0)
    for row in rows:
        by_side[SIDES[row["sender_type"]]] += row["count"]
    return {"total": sum(by_side.values()), "by_side": by_side}


def first_reply_times(seller: User, start: datetime, end: datetime) -> list[tuple]:
    """(sequence of the first inbound message, its time, the time of the seller's first message
    after it) for each conversation started in the period that the customer wrote in."""
    messages = Message.objects.filter(conversation=OuterRef("pk")).order_by("sequence")
    first_inbound = messages.filter(sender_type__in=INBOUND)
    first_reply = messages.filter(sender_type=SenderType.SELLER, sequence__gt=OuterRef("first_inbound_sequence"))
    return list(
        Conversation.objects.filter(seller=seller, created_at__gte=start, created_at__lt=end).order_by()
        .annotate(first_inbound_sequence=Subquery(first_inbound.values("sequence")[:1],
                                                  output_field=IntegerField()),
                  first_inbound_at=Subquery(first_inbound.values("created_at")[:1]),
                  first_reply_at=Subquery(first_reply.values("created_at")[:1]))
        .filter(first_inbound_sequence__isnull=False)
        .values_list("first_inbound_sequence", "first_inbound_at", "first_reply_at"))


def response_figures(seller: User, start: datetime, end: datetime) -> dict:
    """The median time of the seller's first reply in conversations the customer started, and the
    share of conversations with a message from the customer that the seller answered."""
    rows = first_reply_times(seller, start, end)
    replied = [row for row in rows if row[2] is not None]
    waits = [(reply_at - inbound_at).total_seconds() for sequence, inbound_at, reply_at in replied if sequence == 1]
    return {
        "median_first_response_seconds": round(statistics.median(waits)) if waits else None,
        "conversations_with_inbound": len(rows),
        "conversations_replied": len(replied),
        "response_rate": round(100 * len(replied) / len(rows), 1) if rows else None,
    }


def feedback_figures(seller: User, start: datetime, end: datetime) -> dict:
    """AI suggestions the seller sent (messages flagged `metadata.ai_suggestion`) and the seller's
    own feedback reactions given in the period, on those suggestions and on the assistant's answers
    (a buyer's reactions are theirs, not feedback on the seller's AI)."""
    used = Message.objects.filter(AI_SUGGESTED, conversation__seller=seller, sender_type=SenderType.SELLER,
                                  created_at__gte=start, created_at__lt=end).count()
    reactions = MessageReaction.objects.filter(message__conversation__seller=seller, user=seller, created_at__gte=start,
                                               created_at__lt=end, reaction__in=Feedback.values)
    counts = reactions.aggregate(
        helpful=Count("pk", filter=Q(reaction=Feedback.HELPFUL)),
        not_helpful=Count("pk", filter=Q(reaction=Feedback.NOT_HELPFUL)),
        suggestion_helpful=Count("pk", filter=Q(reaction=Feedback.HELPFUL, message__metadata__ai_suggestion=True)),
        suggestion_not_helpful=Count("pk", filter=Q(reaction=Feedback.NOT_HELPFUL,
                                                    message__metadata__ai_suggestion=True)),
        assistant_helpful=Count("pk", filter=Q(reaction=Feedback.HELPFUL, message__sender_type=SenderType.ASSISTANT)),
        assistant_not_helpful=Count("pk", filter=Q(reaction=Feedback.NOT_HELPFUL,
                                                   message__sender_type=SenderType.ASSISTANT)),
    )
    return {
        "ai_suggestions": {"used": used, "helpful": counts["suggestion_helpful"],
                           "not_helpful": counts["suggestion_not_helpful"]},
        "feedback": {"helpful": counts["helpful"], "not_helpful": counts["not_helpful"]},
        "assistant_feedback": {"helpful": counts["assistant_helpful"], "not_helpful": counts["assistant_not_helpful"]},
    }


METRICS_DAYS = 30


def response_metrics(seller: User) -> dict:
    """The profile's chat figures: first-response time and response rate over the last 30 days."""
    end = timezone.now()
    figures = response_figures(seller, end - timedelta(days=METRICS_DAYS), end)
    return {"days": METRICS_DAYS, "median_first_response_seconds": figures["median_first_response_seconds"],
            "response_rate": figures["response_rate"]}
