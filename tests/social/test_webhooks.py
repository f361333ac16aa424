"""Inbound platform calls are checked before anything is read: Meta's X-Hub-Signature-256 and its
hub.challenge handshake (Facebook, Instagram and WhatsApp alike), X's webhook signature and CRC."""

import base64
import hashlib
import hmac
import json

import pytest
from django.http.request import HttpHeaders

from social.platforms import InvalidWebhook
from social.platforms.facebook import FacebookClient
from social.platforms.instagram import InstagramClient
from social.platforms.whatsapp import WhatsAppClient
from social.platforms.x import XClient
from tests.social.conftest import APP_SECRET, VERIFY_TOKEN

BODY = json.dumps({"object": "page", "entry": [{"id": "1015550001", "time": 1733486400,
                                               "changes": [{"field": "feed", "value": {"item": "comment"}}]}]}).encode()
CONSUMER_SECRET = "x-consumer-secret"
META_CLIENTS = [FacebookClient, InstagramClient, WhatsAppClient]


def meta(cls, **options):
    return cls(**{"app_id": "1", "app_secret": APP_SECRET, "webhook_verify_token": VERIFY_TOKEN, **options})


def meta_signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def x_signature(message: bytes, secret: str = CONSUMER_SECRET) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


# --- Meta -------------------------------------------------------------------------------------

@pytest.mark.parametrize("cls", META_CLIENTS)
def test_a_body_signed_with_the_app_secret_is_accepted(cls):
    meta(cls).verify_webhook(body=BODY, headers={"X-Hub-Signature-256": meta_signature(BODY)})


def test_the_signature_header_is_found_in_djangos_headers():
    headers = HttpHeaders({"HTTP_X_HUB_SIGNATURE_256": meta_signature(BODY)})

    meta(FacebookClient).verify_webhook(body=BODY, headers=headers)


@pytest.mark.parametrize("cls", META_CLIENTS)
@pytest.mark.parametrize("headers", [
    {},
    {"X-Hub-Signature-256": ""},
    {"X-Hub-Signature-256": meta_signature(BODY, "another-app-secret")},
    {"X-Hub-Signature-256": meta_signature(BODY).removeprefix("sha256=")},
    {"X-Hub-Signature": "sha1=" + hmac.new(APP_SECRET.encode(), BODY, hashlib.sha1).hexdigest()},
], ids=["missing", "empty", "other secret", "no prefix", "only the old sha1 header"])
def test_a_missing_or_wrong_signature_is_refused(cls, headers):
    with pytest.raises(InvalidWebhook):
        meta(cls).verify_webhook(body=BODY, headers=headers)


def test_a_body_changed_after_signing_is_refused():
    tampered = BODY.replace(b"comment", b"payment")

    with pytest.raises(InvalidWebhook):
        meta(FacebookClient).verify_webhook(body=tampered, headers={"X-Hub-Signature-256": meta_signature(BODY)})


def test_without_an_app_secret_no_signature_verifies():
    empty_key_signature = meta_signature(BODY, "")

    with pytest.raises(InvalidWebhook):
        meta(FacebookClient, app_secret="").verify_webhook(body=BODY,
                                                           headers={"X-Hub-Signature-256": empty_key_signature})


@pytest.mark.parametrize("cls", META_CLIENTS)
def test_the_subscription_handshake_echoes_the_challenge_for_our_verify_token(cls):
    answer = meta(cls).answer_challenge({"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                         "hub.challenge": "1158201444"})

    assert (answer.body, answer.content_type) == ("1158201444", "text/plain")


@pytest.mark.parametrize("params", [
    {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
    {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
    {"hub.mode": "subscribe", "hub.challenge": "1"},
    {},
], ids=["wrong token", "wrong mode", "no token", "nothing"])
def test_a_handshake_without_our_verify_token_is_refused(params):
    with pytest.raises(InvalidWebhook):
        meta(FacebookClient).answer_challenge(params)


def test_without_a_configured_verify_token_every_handshake_is_refused():
    with pytest.raises(InvalidWebhook):
        meta(FacebookClient, webhook_verify_token="").answer_challenge(
            {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"})


# --- X ----------------------------------------------------------------------------------------

def x(**options) -> XClient:
    return XClient(**{"client_id": "id", "consumer_secret": CONSUMER_SECRET, **options})


def test_the_crc_check_is_answered_with_the_hmac_of_its_token():
    answer = x().answer_challenge({"crc_token": "challenge-from-x"})

    assert answer.content_type == "application/json"
    assert json.loads(answer.body) == {"response_token": x_signature(b"challenge-from-x")}


def test_a_crc_check_without_a_token_or_a_consumer_secret_is_refused():
    with pytest.raises(InvalidWebhook):
        x().answer_challenge({})
    with pytest.raises(InvalidWebhook):
        x(consumer_secret="").answer_challenge({"crc_token": "challenge-from-x"})


def test_an_event_signed_with_the_consumer_secret_is_accepted():
    x().verify_webhook(body=BODY, headers={"x-twitter-webhooks-signature": x_signature(BODY)})


@pytest.mark.parametrize("headers", [
    {},
    {"X-Twitter-Webhooks-Signature": x_signature(BODY, "other")},
    {"X-Twitter-Webhooks-Signature": x_signature(BODY + b" ")},
], ids=["missing", "other secret", "other body"])
def test_an_event_with_a_missing_or_wrong_signature_is_refused(headers):
    with pytest.raises(InvalidWebhook):
        x().verify_webhook(body=BODY, headers=headers)


def test_without_a_consumer_secret_no_event_verifies():
    with pytest.raises(InvalidWebhook):
        x(consumer_secret="").verify_webhook(body=BODY, headers={"x-twitter-webhooks-signature": x_signature(BODY, "")})
