"""GET/POST /api/webhooks/social/{platform}/: Meta's subscription handshake and X's CRC check, and
signed events stored once each (a replay answers 200 and changes nothing), through the public API."""

import base64
import hashlib
import hmac
import json
import logging

import pytest
from django.test import Client

from social.models import AccountStatus, EventKind, PlatformEvent
from tests.social.conftest import APP_SECRET, VERIFY_TOKEN
from tests.social.factories import SocialAccountFactory
from tests.social.webhooks import (
    CONSUMER_SECRET,
    PAGE,
    PHONE_NUMBER_ID,
    X_USER,
    meta_signature,
    page_notification,
    post_meta,
    post_x,
    url,
    x_signature,
)

pytestmark = pytest.mark.django_db

IG_USER = "17841400000000001"


@pytest.fixture(autouse=True)
def secrets(settings):
    settings.META_APP_SECRET = APP_SECRET
    settings.META_WEBHOOK_VERIFY_TOKEN = VERIFY_TOKEN
    settings.X_CONSUMER_SECRET = CONSUMER_SECRET


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)  # platforms send no CSRF token


COMMENT = {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": f"{PAGE}_9_1",
                                      "post_id": f"{PAGE}_9", "message": "Is it still available?",
                                      "from": {"id": "555", "name": "Kofi"}}}
POST_REMOVED = {"field": "feed", "value": {"item": "status", "verb": "remove", "post_id": f"{PAGE}_9"}}
POST_EDITED = {"field": "feed", "value": {"item": "photo", "verb": "edited", "post_id": f"{PAGE}_8"}}
PAGE_MENTION = {"field": "mention", "value": {"item": "post", "verb": "add", "post_id": "777_1"}}


# --- handshakes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("platform", ["facebook", "instagram", "whatsapp"])
def test_meta_handshake_with_our_verify_token_echoes_the_challenge_as_plain_text(client, platform):
    response = client.get(url(platform), {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                          "hub.challenge": "1158201444"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"1158201444"


def test_the_challenge_is_answered_unescaped(client):
    challenge = '<b>"x"&y</b>'

    response = client.get(url("facebook"), {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                            "hub.challenge": challenge})

    assert response.content.decode() == challenge


@pytest.mark.parametrize("params", [
    {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
    {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
    {"hub.mode": "subscribe", "hub.challenge": "1"},
    {},
], ids=["wrong token", "wrong mode", "no token", "nothing"])
def test_meta_handshake_without_our_verify_token_is_refused(client, params):
    response = client.get(url("facebook"), params)

    assert response.status_code == 403
    assert response.json()["code"] == "invalid_verify_token"
    assert b"1" != response.content


def test_without_a_configured_verify_token_every_handshake_is_refused(client, settings):
    settings.META_WEBHOOK_VERIFY_TOKEN = ""

    response = client.get(url("facebook"), {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"})

    assert response.status_code == 403


@pytest.mark.parametrize("platform", ["twitter", "x"])
def test_x_crc_is_answered_with_the_hmac_of_its_token(client, platform):
    response = client.get(url(platform), {"crc_token": "challenge-from-x"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"response_token": x_signature(b"challenge-from-x")}


def test_x_crc_without_a_token_or_a_consumer_secret_is_refused(client, settings):
    assert client.get(url("twitter")).status_code == 403
    settings.X_CONSUMER_SECRET = ""
    assert client.get(url("twitter"), {"crc_token": "challenge-from-x"}).status_code == 403


@pytest.mark.parametrize("platform", ["tiktok", "website", "mastodon"])
def test_an_unknown_platform_is_not_found(client, platform):
    assert client.get(url(platform), {"crc_token": "c"}).status_code == 404
    response = client.post(url(platform), b"{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- signatures ---------------------------------------------------------------------------------

def test_a_signed_meta_notification_is_stored_with_its_kind_and_account(client):
    account = SocialAccountFactory(platform="facebook", platform_user_id=PAGE)

    response = post_meta(client, page_notification(COMMENT, POST_REMOVED, POST_EDITED, PAGE_MENTION))

    assert response.status_code == 200, response.json()
    assert response.json() == {"received": True, "stored": 4, "duplicates": 0}
    events = list(PlatformEvent.objects.order_by("id"))
    assert [event.kind for event in events] == [EventKind.COMMENT, EventKind.DELETION, EventKind.POST_STATUS,
                                                EventKind.MENTION]
    assert {(event.platform, event.account_id, event.processed) for event in events} == {
        ("facebook", account.pk, False)}
    assert events[0].payload["value"]["message"] == "Is it still available?"
    assert events[0].received_at is not None


@pytest.mark.parametrize("signature", [
    "",
    meta_signature(b"{}"),
    meta_signature(json.dumps(page_notification(COMMENT)).encode(), "another-app-secret"),
    meta_signature(json.dumps(page_notification(COMMENT)).encode()).removeprefix("sha256="),
], ids=["missing", "other body", "other secret", "no prefix"])
def test_a_missing_or_wrong_meta_signature_is_refused_and_nothing_is_stored(client, signature):
    response = post_meta(client, page_notification(COMMENT), signature=signature)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"
    assert PlatformEvent.objects.count() == 0


def test_a_body_changed_after_signing_is_refused(client):
    signed = json.dumps(page_notification(COMMENT)).encode()

    response = post_meta(client, signed.replace(b"available", b"AVAILABLE"), signature=meta_signature(signed))

    assert response.status_code == 400
    assert PlatformEvent.objects.count() == 0


def test_a_signature_is_checked_before_the_body_is_read(client):
    response = post_meta(client, b"not json at all", signature=meta_signature(b"something else"))

    assert response.json()["code"] == "invalid_signature"  # not `invalid`: the body was never parsed


@pytest.mark.parametrize(("platform", "setting"), [("facebook", "META_APP_SECRET"), ("twitter", "X_CONSUMER_SECRET")])
def test_without_a_secret_every_event_is_refused(client, settings, platform, setting, caplog):
    setattr(settings, setting, "")
    body = json.dumps(page_notification(COMMENT) if platform == "facebook" else {"for_user_id": X_USER}).encode()
    empty_key = hmac.new(b"", body, hashlib.sha256)
    caplog.set_level(logging.ERROR)

    response = client.post(url(platform), body, content_type="application/json",
                           HTTP_X_HUB_SIGNATURE_256="sha256=" + empty_key.hexdigest(),
                           HTTP_X_TWITTER_WEBHOOKS_SIGNATURE="sha256=" + base64.b64encode(empty_key.digest()).decode())

    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
    assert PlatformEvent.objects.count() == 0
    assert setting in caplog.text


def test_an_x_event_with_a_wrong_signature_is_refused(client):
    body = json.dumps({"for_user_id": X_USER, "favorite_events": [{"id": "f1"}]}).encode()

    assert post_x(client, body, signature=x_signature(body, "other")).status_code == 400
    assert post_x(client, body, signature="").status_code == 400
    assert PlatformEvent.objects.count() == 0


def test_a_meta_signature_does_not_open_xs_address(client):
    body = json.dumps({"for_user_id": X_USER, "favorite_events": [{"id": "f1"}]}).encode()

    response = client.post(url("twitter"), body, content_type="application/json",
                           HTTP_X_HUB_SIGNATURE_256=meta_signature(body))

    assert response.status_code == 400


# --- replays --------------------------------------------------------------------------------------

def test_a_replay_answers_200_and_changes_nothing(client):
    document = page_notification(COMMENT, POST_REMOVED)
    post_meta(client, document)
    PlatformEvent.objects.update(processed=True)  # the chat app read them meanwhile
    before = list(PlatformEvent.objects.order_by("id").values())

    response = post_meta(client, document)

    assert response.status_code == 200
    assert response.json() == {"received": True, "stored": 0, "duplicates": 2}
    assert list(PlatformEvent.objects.order_by("id").values()) == before


def test_a_notification_repeating_a_stored_event_stores_only_the_new_one(client):
    post_meta(client, page_notification(COMMENT))

    response = post_meta(client, page_notification(COMMENT, POST_EDITED))

    assert response.json() == {"received": True, "stored": 1, "duplicates": 1}
    assert PlatformEvent.objects.count() == 2


def test_the_same_change_at_another_time_is_another_event(client):
    post_meta(client, page_notification(COMMENT, time=1))
    post_meta(client, page_notification(COMMENT, time=2))

    assert PlatformEvent.objects.count() == 2


def test_a_body_repeating_one_event_stores_it_once(client):
    response = post_x(client, {"for_user_id": X_USER, "favorite_events": [{"id": "f1"}, {"id": "f1"}]})

    assert response.json() == {"received": True, "stored": 1, "duplicates": 1}


# --- Meta products and X ------------------------------------------------------------------------

def test_instagram_comments_mentions_and_messages(client):
    account = SocialAccountFactory(platform="instagram", platform_user_id=IG_USER)
    document = {"object": "instagram", "entry": [{
        "id": IG_USER, "time": 1765022400,
        "changes": [{"field": "comments", "value": {"id": "c1", "text": "Price?"}},
                    {"field": "mentions", "value": {"media_id": "m1", "comment_id": "c2"}}],
        "messaging": [{"sender": {"id": "42"}, "recipient": {"id": IG_USER}, "timestamp": 1765022400000,
                       "message": {"mid": "aWdfZAG1", "text": "Hello"}},
                      {"sender": {"id": "42"}, "recipient": {"id": IG_USER}, "read": {"mid": "aWdfZAG1"}}]}]}

    response = post_meta(client, document, platform="instagram")

    assert response.json()["stored"] == 4
    assert sorted(PlatformEvent.objects.values_list("kind", flat=True)) == sorted(
        [EventKind.COMMENT, EventKind.MENTION, EventKind.DIRECT_MESSAGE, EventKind.OTHER])
    assert PlatformEvent.objects.filter(event_id="mid:aWdfZAG1", account=account, platform="instagram").exists()


def test_an_event_is_filed_under_the_meta_product_its_object_names(client):
    SocialAccountFactory(platform="instagram", platform_user_id=IG_USER)
    document = {"object": "instagram", "entry": [{"id": IG_USER, "time": 1,
                                                  "changes": [{"field": "comments", "value": {"id": "c1"}}]}]}

    post_meta(client, document, platform="facebook")  # one Meta app, one callback URL

    assert PlatformEvent.objects.get().platform == "instagram"


def test_whatsapp_messages_and_statuses_name_the_phone_number(client):
    account = SocialAccountFactory(platform="whatsapp", platform_user_id=PHONE_NUMBER_ID)
    metadata = {"display_phone_number": "233501234567", "phone_number_id": PHONE_NUMBER_ID}
    document = {"object": "whatsapp_business_account", "entry": [{"id": "WABA1", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": metadata,
                                        "messages": [{"id": "wamid.1", "from": "233201112222", "type": "text",
                                                      "text": {"body": "Do you deliver?"}}]}},
        {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": metadata,
                                        "statuses": [{"id": "wamid.0", "status": "delivered"}]}},
    ]}]}

    post_meta(client, document, platform="whatsapp")

    assert sorted(PlatformEvent.objects.values_list("kind", "account_id")) == [
        (EventKind.DIRECT_MESSAGE, account.pk), (EventKind.POST_STATUS, account.pk)]


def test_x_events_are_stored_by_their_own_ids_with_their_kinds(client):
    account = SocialAccountFactory(platform="twitter", platform_user_id=X_USER)
    document = {"for_user_id": X_USER, "tweet_create_events": [
        {"id_str": "100", "text": "@shop is this in stock?", "user": {"id_str": "9"}},
        {"id_str": "101", "text": "@shop lovely", "in_reply_to_user_id_str": X_USER, "user": {"id_str": "9"}},
        {"id_str": "102", "text": "New headphones", "user": {"id_str": X_USER}},
    ], "tweet_delete_events": [{"status": {"id": "99", "user_id": X_USER}, "timestamp_ms": "1"}],
        "direct_message_events": [{"type": "message_create", "id": "dm1", "message_create": {
            "sender_id": "9", "message_data": {"text": "hi"}}}],
        "users": {"9": {"id": "9"}}}

    response = post_x(client, document)

    assert response.json() == {"received": True, "stored": 5, "duplicates": 0}
    assert dict(PlatformEvent.objects.values_list("event_id", "kind")) == {
        "tweet_create_events:100": EventKind.MENTION, "tweet_create_events:101": EventKind.COMMENT,
        "tweet_create_events:102": EventKind.POST_STATUS, "tweet_delete_events:99": EventKind.DELETION,
        "direct_message_events:dm1": EventKind.DIRECT_MESSAGE}
    assert set(PlatformEvent.objects.values_list("platform", "account_id")) == {("twitter", account.pk)}


def test_an_event_for_an_account_not_connected_here_is_stored_without_one(client):
    post_meta(client, page_notification(COMMENT, page="999"))

    assert PlatformEvent.objects.get().account is None


def test_the_active_connection_of_a_shared_page_is_the_one_named(client):
    SocialAccountFactory(platform="facebook", platform_user_id=PAGE, status=AccountStatus.REVOKED)
    active = SocialAccountFactory(platform="facebook", platform_user_id=PAGE)

    post_meta(client, page_notification(COMMENT))

    assert PlatformEvent.objects.get().account == active


# --- malformed bodies -----------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    b"not json", b"[]", b'"page"', b"{}", b'{"object": "page"}', b'{"object": "page", "entry": {}}',
    b'{"object": "page", "entry": ["x"]}', b'{"object": "page", "entry": [{"changes": [{"value": 1}]}]}',
    b'{"object": "page", "entry": [{"changes": "feed"}]}', b'{"object": "page", "entry": [{"messaging": [1]}]}',
    "{\"object\": \"page\", \"entry\": [\"\u00e9\"]}".encode("latin-1"),
], ids=["not json", "array", "string", "empty", "no entry", "entry not a list", "entry not an object",
        "change without field", "changes not a list", "messaging item not an object", "not utf-8"])
def test_a_signed_body_meta_does_not_send_is_refused(client, body):
    response = post_meta(client, body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert PlatformEvent.objects.count() == 0


@pytest.mark.parametrize("document", [
    {}, {"for_user_id": ""}, {"for_user_id": True}, {"for_user_id": X_USER, "favorite_events": {"id": "1"}},
    {"for_user_id": X_USER, "favorite_events": ["1"]}, [1],
], ids=["empty", "blank user", "bool user", "events not a list", "event not an object", "array"])
def test_a_signed_body_x_does_not_send_is_refused(client, document):
    response = post_x(client, document)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_a_notification_without_events_is_acknowledged(client):
    response = post_x(client, {"for_user_id": X_USER})

    assert response.json() == {"received": True, "stored": 0, "duplicates": 0}


def test_an_oversized_body_is_refused_before_it_is_read(client, settings):
    settings.API_MAX_BODY_BYTES = 1024
    body = json.dumps(page_notification({"field": "feed", "value": {"message": "x" * 2000}})).encode()

    response = post_meta(client, body)

    assert response.status_code == 413
    assert PlatformEvent.objects.count() == 0
