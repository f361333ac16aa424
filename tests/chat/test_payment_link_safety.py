"""A payment link's token goes only where it must: the frontend's page (in the link's fragment)
and the conversation's members (the message's `metadata.url`); never a message's text, the inbox
preview, a notification, the AI's prompts or a log line. Its endpoint is throttled per link and
per client address, and a payment sent with an Idempotency-Key is made once."""

import importlib
import io
import logging
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from rest_framework.test import APIClient

from chat.models import Conversation, Message
from chat.views import PaymentLinkView
from orders.models import AttemptAction, PaymentAttempt
from sellflow.models import IdempotencyRecord
from sellflow.redaction import RedactSecretsFilter
from tests.chat.conftest import conversation_url, messages_url, send
from tests.chat.test_chat_order import bag, link_token, order_from, pay_url  # noqa: F401  (bag: a fixture)
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(seller_client, conversation, bag) -> dict:  # noqa: F811
    """The seller orders two bags for the buyer: the conversation gets the order's payment link."""
    response = order_from(seller_client, conversation["id"], {"product_id": bag.pk, "quantity": 2})
    assert response.status_code == 201, response.json()
    return response.json()["messages"][1]


@pytest.fixture
def other_link(seller, seller_client, buyer_client) -> dict:
    """Another order, in another conversation, with its own link."""
    product = ProductFactory(seller=seller, name="Beaded necklace", price=Decimal("20.00"), stock_quantity=5)
    conversation = buyer_client.post("/api/chat/conversations/", {"product": product.pk}, format="json").json()
    response = order_from(seller_client, conversation["id"], {"product_id": product.pk, "quantity": 1})
    assert response.status_code == 201, response.json()
    return response.json()["messages"][1]


def from_address(address: str) -> APIClient:
    return APIClient(REMOTE_ADDR=address)


# --- where the token goes ------------------------------------------------------------------------

def test_the_link_is_the_frontends_page_and_only_its_metadata_carries_the_token(
        settings, link, seller_client, buyer_client, conversation):
    token = link_token(link)

    assert link["metadata"]["url"] == f"{settings.FRONTEND_URL}/pay#{token}"
    assert token not in link["content"] and "/pay" not in link["content"]
    assert link["content"].startswith("Payment link for order SF") and "90.00 GHS, valid until" in link["content"]
    # The page's token is the API's: the page calls GET/POST /api/chat/pay/{token}/.
    assert APIClient().get(pay_url(token)).status_code == 200
    for client in (seller_client, buyer_client):
        shown = client.get(conversation_url(conversation["id"])).json()
        assert shown["last_message_preview"] == link["content"]
        listed = client.get("/api/chat/conversations/").json()
        assert token not in str(listed)
        (as_listed,) = [m for m in client.get(messages_url(conversation["id"])).json() if m["id"] == link["id"]]
        assert as_listed["content"] == link["content"]
        assert as_listed["metadata"]["url"] == link["metadata"]["url"]  # the members see the link


def test_no_notification_carries_the_token(link, seller_client, buyer_client):
    token = link_token(link)

    for client in (seller_client, buyer_client):
        notifications = client.get("/api/notifications/")
        assert notifications.status_code == 200
        assert token not in str(notifications.json())


def test_ai_reply_suggestions_are_asked_without_the_token(fake_openai, link, seller_client, buyer_client,
                                                          conversation):
    send(buyer_client, conversation["id"], "Thanks, which payment methods work on the link?")
    fake_openai.reply_json({"suggestions": ["Card or mobile money.", "Any card works.", "Mobile money is fine."]})

    response = seller_client.get(conversation_url(conversation["id"], "ai_suggestions"))

    assert response.status_code == 200, response.json()
    prompt = str(fake_openai.last_request["messages"])
    assert "Payment link for order" in prompt  # the message is read, as its text
    assert link_token(link) not in prompt and "/pay" not in prompt


# --- throttles -----------------------------------------------------------------------------------

def test_one_link_is_throttled_after_its_rate_while_another_still_works(throttle_rates, link, other_link):
    throttle_rates(payment_link="3/minute")
    token = link_token(link)

    answers = [from_address(f"10.0.0.{n}").get(pay_url(token)).status_code for n in range(3)]
    refused = from_address("10.0.0.9").post(pay_url(token), {}, format="json")  # any address, GET or POST

    assert answers == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled" and refused.json()["details"]["retry_after"] >= 1
    assert int(refused["Retry-After"]) >= 1
    assert from_address("10.0.0.9").get(pay_url(link_token(other_link))).status_code == 200


def test_one_address_is_throttled_across_links(throttle_rates, link, other_link):
    throttle_rates(payment_link_ip="3/minute")
    guesser = from_address("10.0.0.1")

    answers = [guesser.get(pay_url(token)).status_code for token in (link_token(link), "not-a-token", "guess")]
    refused = guesser.get(pay_url(link_token(other_link)))

    assert answers == [200, 404, 404]
    assert refused.status_code == 429 and refused.json()["code"] == "throttled" and refused.has_header("Retry-After")
    assert from_address("10.0.0.2").get(pay_url(link_token(other_link))).status_code == 200


def test_the_pay_endpoints_declare_their_throttles():
    names = {type(throttle).__name__ for throttle in PaymentLinkView().get_throttles()}
    assert {"PaymentLinkThrottle", "PaymentLinkIPThrottle", "AnonThrottle"} <= names


# --- idempotency ---------------------------------------------------------------------------------

def initiated() -> int:
    return PaymentAttempt.objects.filter(action=AttemptAction.INITIATE).count()


def test_an_idempotency_key_replay_returns_the_first_answer_without_a_second_payment(settings, link):
    settings.PAYMENT_TEST_OUTCOME = "decline"  # a declined payment may be tried again: a retry would charge again
    payer, url = APIClient(), pay_url(link_token(link))

    first = payer.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    replayed = payer.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")

    assert first.status_code == 200, first.json()
    assert first.json()["status"] == "failed" and first.json()["error"]
    assert (replayed.status_code, replayed.json()) == (200, first.json())
    assert replayed["Idempotent-Replayed"] == "true"
    assert initiated() == 1
    # Another key is another try.
    assert payer.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="pay-2").json()["status"] == "failed"
    assert initiated() == 2


def test_a_key_belongs_to_the_links_order_so_two_payers_never_collide(settings, link, other_link):
    settings.PAYMENT_TEST_OUTCOME = "decline"

    mine = APIClient().post(pay_url(link_token(link)), {}, format="json", HTTP_IDEMPOTENCY_KEY="same-key")
    theirs = APIClient().post(pay_url(link_token(other_link)), {}, format="json", HTTP_IDEMPOTENCY_KEY="same-key")

    assert mine.status_code == theirs.status_code == 200
    assert mine.json()["payment_id"] != theirs.json()["payment_id"]
    assert not theirs.has_header("Idempotent-Replayed")
    assert initiated() == 2
    records = IdempotencyRecord.objects.order_by("pk")
    assert [(r.user_id, r.scope) for r in records] == [
        (None, f"payment-link-order:{link['order']['id']}"), (None, f"payment-link-order:{other_link['order']['id']}")]
    # The record keeps the URL's pattern, never the token.
    assert {r.path for r in records} == {"api/chat/pay/<str:token>/"}


def test_a_key_reused_for_another_body_is_a_conflict_and_an_invalid_link_records_nothing(settings, link):
    settings.PAYMENT_TEST_OUTCOME = "decline"
    url = pay_url(link_token(link))
    assert APIClient().post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 200

    reused = APIClient().post(url, {"mobile_money_provider": "mtn"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    invalid = APIClient().post(pay_url("not-a-token"), {}, format="json", HTTP_IDEMPOTENCY_KEY="k2")

    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"
    assert invalid.status_code == 404 and invalid.json()["code"] == "not_found"
    assert IdempotencyRecord.objects.count() == 1


# --- logs ----------------------------------------------------------------------------------------

@pytest.fixture
def project_log():
    """What the project's log handler writes (its redaction filter), for every logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecretsFilter())
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def test_the_console_handler_redacts_secrets(settings):
    for handler in settings.LOGGING["handlers"].values():
        assert "redact_secrets" in handler["filters"]
    assert settings.LOGGING["filters"]["redact_secrets"]["()"] == "sellflow.redaction.RedactSecretsFilter"


def test_the_access_line_and_djangos_request_lines_never_show_the_token(project_log, caplog, link, monkeypatch):
    token = link_token(link)
    caplog.set_level(logging.INFO, logger="sellflow.access")

    assert APIClient().get(pay_url(token)).status_code == 200
    monkeypatch.setattr(PaymentLinkView, "get", lambda view, request, token: 1 / 0)
    with override_settings(DEBUG_PROPAGATE_EXCEPTIONS=False):
        failed = APIClient(raise_request_exception=False).get(pay_url(token))

    assert failed.status_code == 500
    written = project_log.getvalue()
    assert token not in written
    assert "GET /api/chat/pay/[redacted]/ 200" in written  # the access line
    assert "Internal Server Error: /api/chat/pay/[redacted]/" in written  # django.request's
    # The access line is masked where it is made, whatever handler takes it.
    access = [record.getMessage() for record in caplog.records if record.name == "sellflow.access"]
    assert access and all(token not in line and "/api/chat/pay/[redacted]/" in line for line in access)


def test_the_filter_masks_a_token_in_a_message_its_arguments_and_a_traceback(project_log, link):
    token = link_token(link)
    logger = logging.getLogger("tests.payment_links")

    logger.warning("Opened https://shop.example/pay#%s from a message", token)
    logger.warning("Not Found: %s", f"/api/chat/pay/{token}/")
    try:
        raise ValueError(f"bad path /api/chat/pay/{token}/?x=1")
    except ValueError:
        logger.exception("Failed")

    written = project_log.getvalue()
    assert token not in written
    assert "https://shop.example/pay#[redacted] from a message" in written
    assert "Not Found: /api/chat/pay/[redacted]/" in written
    assert "ValueError: bad path /api/chat/pay/[redacted]/?x=1" in written


def test_a_conversation_preview_carries_no_token_after_the_link(link, conversation):
    stored = Conversation.objects.get(pk=conversation["id"])
    assert link_token(link) not in stored.last_message_preview
    assert stored.last_message_preview == link["content"]


def test_the_migration_takes_the_token_out_of_links_sent_before(settings, link, conversation):
    token = link_token(link)
    api_url = f"{settings.API_PUBLIC_URL}/api/chat/pay/{token}/"
    old_text = f"Pay GHS 90.00 for order {link['order']['order_id']} here: {api_url}"
    Message.objects.filter(pk=link["id"]).update(content=old_text, metadata={"url": api_url, "expires_at": "x"})
    Conversation.objects.filter(pk=conversation["id"]).update(last_message_preview=old_text[:140])
    migration = importlib.import_module("chat.migrations.0004_payment_link_text_without_token")
    state = MigrationExecutor(connection).loader.project_state(("chat", "0004_payment_link_text_without_token"))

    migration.payment_links_without_token(state.apps, None)

    message = Message.objects.get(pk=link["id"])
    assert message.content == link["content"]
    assert message.metadata == {"url": f"{settings.FRONTEND_URL}/pay#{token}", "expires_at": "x"}
    assert Conversation.objects.get(pk=conversation["id"]).last_message_preview == link["content"]
