"""AI reply suggestions for a conversation, through the API: GET .../ai_suggestions/ (the API
document's path) and POST /api/ai/chat/suggestions/ with a `conversation`, on the built-in
provider; the seller's only, through the AI app's switch, quota and usage."""

import pytest

from ai.models import AIUsage
from chat.models import Conversation, SenderType
from chat.services.messages import Draft, message_post
from tests.chat.conftest import conversation_url, send

pytestmark = pytest.mark.django_db

AI_SUGGESTIONS = "/api/ai/chat/suggestions/"


@pytest.fixture(autouse=True)
def _local_provider(settings):
    settings.AI_PROVIDER = "local"


def suggestions_url(pk: int) -> str:
    return conversation_url(pk, "ai_suggestions")


@pytest.fixture
def asked(buyer_client, seller_client, conversation) -> dict:
    send(buyer_client, conversation["id"], "Hello!")
    send(seller_client, conversation["id"], "Hi, how can I help?")
    send(buyer_client, conversation["id"], "How much is the bag?")
    return conversation


def test_three_replies_from_the_conversation_and_its_product(seller_client, asked):
    response = seller_client.get(suggestions_url(asked["id"]))

    assert response.status_code == 200, response.json()
    suggestions = response.json()["suggestions"]
    assert len(suggestions) == 3 and len({s.lower() for s in suggestions}) == 3
    assert any("89.99" in s for s in suggestions)  # the conversation's product, read by the AI app
    usage = AIUsage.objects.get()
    assert (usage.feature, usage.success) == ("reply_suggestions", True)


def test_the_ai_apps_path_takes_the_conversation(seller_client, asked):
    response = seller_client.post(AI_SUGGESTIONS, {"conversation": asked["id"]}, format="json")

    assert response.status_code == 200, response.json()
    assert len(response.json()["suggestions"]) == 3
    assert any("89.99" in s for s in response.json()["suggestions"])
    assert AIUsage.objects.count() == 1


def test_the_customers_language_is_followed(buyer_client, seller_client, conversation):
    send(buyer_client, conversation["id"], "Bonjour, quel est le prix du sac ?")

    suggestions = " ".join(seller_client.get(suggestions_url(conversation["id"])).json()["suggestions"]).lower()

    assert any(word in suggestions for word in ("bonjour", "merci", "prix", "disponible"))


def test_a_platform_customers_messages_count_and_system_notes_do_not(seller_client, conversation):
    stored = Conversation.objects.get(pk=conversation["id"])
    message_post(conversation=stored, sender_type=SenderType.SYSTEM, draft=Draft(content="Order placed"))
    assert seller_client.get(suggestions_url(conversation["id"])).json()["code"] == "invalid"

    message_post(conversation=stored, sender_type=SenderType.CUSTOMER, draft=Draft(content="Is it available?"))
    assert seller_client.get(suggestions_url(conversation["id"])).status_code == 200


def test_nothing_to_reply_to_before_the_customer_writes(seller_client, conversation):
    send(seller_client, conversation["id"], "Hello, welcome!")

    for response in (seller_client.get(suggestions_url(conversation["id"])),
                     seller_client.post(AI_SUGGESTIONS, {"conversation": conversation["id"]}, format="json")):
        assert response.status_code == 400
        assert response.json()["code"] == "invalid" and "conversation" in response.json()["details"]
    assert not AIUsage.objects.exists()


def test_suggestions_are_the_sellers_only(api_client, buyer_client, other_seller_client, asked):
    assert api_client.get(suggestions_url(asked["id"])).status_code == 401
    buyer = buyer_client.get(suggestions_url(asked["id"]))
    assert buyer.status_code == 403 and buyer.json()["code"] == "permission_denied"
    assert buyer_client.post(AI_SUGGESTIONS, {"conversation": asked["id"]}, format="json").status_code == 403

    assert other_seller_client.get(suggestions_url(asked["id"])).status_code == 404
    foreign = other_seller_client.post(AI_SUGGESTIONS, {"conversation": asked["id"]}, format="json")
    assert foreign.status_code == 404 and foreign.json()["code"] == "not_found"
    assert other_seller_client.get(suggestions_url(999999)).status_code == 404
    assert not AIUsage.objects.exists()


def test_the_switch_and_the_quota_apply(seller, seller_client, asked, settings):
    seller.ai_replies_enabled = False
    seller.save()
    off = seller_client.get(suggestions_url(asked["id"]))
    assert off.status_code == 403 and off.json()["code"] == "ai_disabled"

    seller.ai_replies_enabled = True
    seller.save()
    settings.AI_DAILY_QUOTA = 1
    assert seller_client.get(suggestions_url(asked["id"])).status_code == 200
    spent = seller_client.post(AI_SUGGESTIONS, {"conversation": asked["id"]}, format="json")
    assert spent.status_code == 429 and spent.json()["code"] == "quota_exceeded"


@pytest.mark.parametrize("body, field", [
    ({"conversation": 1, "messages": [{"from": "customer", "text": "Hi"}]}, "messages"),
    ({}, "messages"),
    ({"conversation": 1, "product_id": 1}, "product_id"),
    ({"conversation": "x"}, "conversation"),
])
def test_the_ai_path_takes_messages_or_a_conversation(seller_client, body, field):
    response = seller_client.post(AI_SUGGESTIONS, body, format="json")

    assert response.status_code == 400 and field in response.json()["details"]


def test_an_unsupported_language_is_refused(seller_client, asked):
    assert seller_client.get(suggestions_url(asked["id"]), {"language": "zz"}).status_code == 400
    unsupported = seller_client.get(suggestions_url(asked["id"]), {"language": "de"})
    assert unsupported.status_code == 400 and unsupported.json()["code"] == "language_unsupported"
