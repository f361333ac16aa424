"""GET /api/chat/stats/ (seed 003's conversation analytics) and the chat's figures in the
seller's profile metrics: conversations by status and source, messages by side, first-response
time, response rate, AI suggestions used and feedback."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat.models import Conversation, Message, SenderType
from chat.services.messages import Draft, message_post
from tests.accounts.factories import UserFactory
from tests.chat.conftest import CONVERSATIONS, MESSAGES, conversation_url, react_url, send
from tests.conftest import authenticated_client
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

STATS = "/api/chat/stats/"


def at(response, when) -> dict:
    """The sent message, moved to `when`."""
    Message.objects.filter(pk=response.json()["id"]).update(created_at=when)
    return response.json()


def asked_and_answered(seller, seller_client, start, wait: int | None) -> int:
    """A buyer asks about a product at `start`; the seller answers `wait` seconds later (or never)."""
    buyer_client = authenticated_client(UserFactory(account_type="buyer"))
    pk = buyer_client.post(CONVERSATIONS, {"product": ProductFactory(seller=seller).pk}, format="json").json()["id"]
    at(send(buyer_client, pk, "Is it available?"), start)
    if wait is not None:
        at(send(seller_client, pk, "Yes!"), start + timedelta(seconds=wait))
    return pk


@pytest.fixture
def inbox(seller, seller_client):
    """Five conversations this hour: three the customers started and the seller answered (60, 120
    and 300 s), one unanswered, and one the seller started, later answered by the customer on a
    platform and replied to; one older, outside the default period."""
    start = timezone.now() - timedelta(hours=1)
    answered = [asked_and_answered(seller, seller_client, start, wait) for wait in (300, 60, 120)]
    asked_and_answered(seller, seller_client, start, None)
    opened = seller_client.post(CONVERSATIONS, {"customer_email": "ama@example.com", "source": "whatsapp"},
                                format="json").json()["id"]
    at(send(seller_client, opened, "Your parcel is ready"), start)
    message_post(conversation=Conversation.objects.get(pk=opened), sender_type=SenderType.CUSTOMER,
                 draft=Draft(content="Thanks, when can I pick it up?"))
    send(seller_client, opened, "Any time today.")
    old = asked_and_answered(seller, seller_client, start - timedelta(days=60), 10)
    Conversation.objects.filter(pk=old).update(created_at=start - timedelta(days=60))
    seller_client.post(conversation_url(answered[0], "archive"))
    return answered


def test_the_figures_of_the_period(seller_client, inbox):
    response = seller_client.get(STATS)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["conversations"] == {
        "total": 5, "by_status": {"active": 4, "paused": 0, "completed": 0, "archived": 1},
        "by_source": {"whatsapp": 1, "website": 4}}
    assert body["messages"] == {"total": 10, "by_side": {"seller": 5, "customer": 5, "system": 0, "assistant": 0}}
    assert body["median_first_response_seconds"] == 120
    assert (body["conversations_with_inbound"], body["conversations_replied"]) == (5, 4)
    assert body["response_rate"] == 80.0
    today = timezone.localdate()
    assert body["period"] == {"from": (today - timedelta(days=29)).isoformat(), "to": today.isoformat()}


def test_a_longer_period_takes_the_older_conversation(seller_client, inbox):
    since = (timezone.localdate() - timedelta(days=90)).isoformat()

    body = seller_client.get(STATS, {"from": since}).json()

    assert body["conversations"]["total"] == 6
    assert (body["conversations_with_inbound"], body["conversations_replied"]) == (6, 5)
    assert body["median_first_response_seconds"] == 90  # 10, 60, 120, 300


def test_ai_suggestions_used_and_their_feedback(seller_client, buyer_client, conversation):
    send(buyer_client, conversation["id"], "Price?")
    suggested = seller_client.post(MESSAGES, {"conversation": conversation["id"], "content": "It is GHS 89.99.",
                                              "metadata": {"ai_suggestion": True}}, format="json")
    typed = send(seller_client, conversation["id"], "Anything else?", metadata={"ai_suggestion": False})
    assert suggested.status_code == 201, suggested.json()
    assert (suggested.json()["metadata"], typed.json()["metadata"]) == ({"ai_suggestion": True}, {})

    # Feedback is the seller's word on their AI: a buyer's is refused, their emoji is no feedback.
    assert buyer_client.post(react_url(suggested.json()["id"]), {"reaction": "not_helpful"},
                             format="json").status_code == 400
    assert buyer_client.post(react_url(typed.json()["id"]), {"reaction": "👍"}, format="json").status_code == 201
    assert seller_client.post(react_url(typed.json()["id"]), {"reaction": "not_helpful"},
                              format="json").status_code == 400  # typed by hand: not the AI's
    assert seller_client.post(react_url(suggested.json()["id"]), {"reaction": "helpful"},
                              format="json").status_code == 201

    body = seller_client.get(STATS).json()
    assert body["ai_suggestions"] == {"used": 1, "helpful": 1, "not_helpful": 0}
    assert body["feedback"] == {"helpful": 1, "not_helpful": 0}


def test_an_empty_inbox(seller_client):
    body = seller_client.get(STATS).json()

    assert body["conversations"]["total"] == 0 and body["messages"]["total"] == 0
    assert (body["median_first_response_seconds"], body["response_rate"]) == (None, None)


def test_another_sellers_inbox_is_not_counted(other_seller_client, inbox):
    assert other_seller_client.get(STATS).json()["conversations"]["total"] == 0


@pytest.mark.parametrize("query", [{"from": "2024-02-01", "to": "2024-01-01"}, {"from": "yesterday"},
                                   {"to": ""}, {"from": "2020-01-01", "to": "2024-01-01"}])
def test_invalid_periods(seller_client, query):
    response = seller_client.get(STATS, query)
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_stats_are_for_sellers(api_client, buyer_client):
    assert api_client.get(STATS).status_code == 401
    assert buyer_client.get(STATS).status_code == 403


def test_a_fixed_number_of_queries(seller, seller_client, django_assert_max_num_queries):
    start = timezone.now() - timedelta(hours=1)
    asked_and_answered(seller, seller_client, start, 30)
    with django_assert_max_num_queries(6):
        seller_client.get(STATS)
    for wait in range(8):
        asked_and_answered(seller, seller_client, start, wait)
    with django_assert_max_num_queries(6):
        assert seller_client.get(STATS).json()["conversations"]["total"] == 9


def test_the_profile_shows_the_response_time_and_rate(seller, seller_client, inbox):
    metrics = seller_client.get("/api/auth/user/me/").json()["metrics"]

    assert metrics["chat"] == {"days": 30, "median_first_response_seconds": 120, "response_rate": 80.0}
    with CaptureQueriesContext(connection) as first:
        seller_client.get("/api/auth/user/me/")
    Conversation.objects.filter(seller=seller).delete()
    with CaptureQueriesContext(connection) as cached:
        again = seller_client.get("/api/auth/user/me/").json()["metrics"]["chat"]
    assert again == metrics["chat"]  # kept for CHAT_METRICS_CACHE_SECONDS: not read again
    assert len(cached) == len(first)
    assert not any("chat_message" in query["sql"] for query in cached.captured_queries)


def test_the_profile_figures_are_read_again_after_their_time(seller, seller_client, inbox, settings):
    settings.CHAT_METRICS_CACHE_SECONDS = 0  # not kept
    assert seller_client.get("/api/auth/user/me/").json()["metrics"]["chat"]["response_rate"] == 80.0
    Message.objects.filter(conversation__seller=seller).delete()
    Conversation.objects.filter(seller=seller).delete()
    assert seller_client.get("/api/auth/user/me/").json()["metrics"]["chat"]["response_rate"] is None
