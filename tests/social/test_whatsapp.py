"""The WhatsApp Cloud API client against a fake Graph API: messages with a link preview or one
image to a customer's number, the errors (throughput limits, the 24-hour window, expired tokens,
a lost answer), and what the API does not offer."""

from datetime import date

import pytest

from social.platforms import (
    Credentials,
    MediaFile,
    NotSupported,
    PermanentError,
    PostRequest,
    RateLimited,
    TokenExpired,
    Uncertain,
)
from social.platforms.whatsapp import WhatsAppClient
from tests.social.conftest import APP_ID, APP_SECRET, NOW, answered_too_late, clock, graph_error, sent_to

NUMBER = "106540352242922"
TOKEN = "EAAwhatsapp-system-user-token"
CREDENTIALS = Credentials(access_token=TOKEN, platform_user_id=NUMBER)
CUSTOMER = "+233241234567"
LINK = "https://shop.test/r/Wa1111/"


def client(server, **options) -> WhatsAppClient:
    values = {"app_id": APP_ID, "app_secret": APP_SECRET, "graph_url": server.url, "graph_version": "v24.0",
              "timeout": 2, "now": clock}
    return WhatsAppClient(**{**values, **options})


def message(**fields) -> PostRequest:
    return PostRequest(**{"text": "Your headphones are back in stock", "link": LINK, "recipient": CUSTOMER, **fields})


def sent_answer(wamid="wamid.HBgLMjMzMjQxMjM0NTY3FQIAERgSQ0Y"):
    return 200, {"messaging_product": "whatsapp", "contacts": [{"input": CUSTOMER, "wa_id": "233241234567"}],
                 "messages": [{"id": wamid}]}


def test_a_text_message_with_a_link_preview_goes_to_the_customers_number(platform):
    platform.routes[f"/v24.0/{NUMBER}/messages"] = sent_answer()

    published = client(platform).publish(CREDENTIALS, message())

    assert published.platform_post_id == "wamid.HBgLMjMzMjQxMjM0NTY3FQIAERgSQ0Y"
    assert published.url == ""
    [sent] = platform.received
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.json() == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": CUSTOMER,
                           "type": "text", "text": {"body": f"Your headphones are back in stock\n\n{LINK}",
                                                    "preview_url": True}}


def test_an_image_by_url_is_an_image_message_with_the_text_as_caption(platform):
    platform.routes[f"/v24.0/{NUMBER}/messages"] = sent_answer()

    client(platform).publish(CREDENTIALS, message(image_urls=("https://cdn.test/p/1.jpg",)))

    assert platform.received[0].json()["image"] == {"link": "https://cdn.test/p/1.jpg",
                                                    "caption": f"Your headphones are back in stock\n\n{LINK}"}


def test_image_bytes_are_uploaded_then_sent_by_media_id(platform):
    platform.routes[f"/v24.0/{NUMBER}/media"] = (200, {"id": "1037543291543636"})
    platform.routes[f"/v24.0/{NUMBER}/messages"] = sent_answer()
    image = MediaFile(content=b"\xff\xd8\xffJPEG", content_type="image/jpeg", filename="p.jpg")

    client(platform).publish(CREDENTIALS, message(images=(image,)))

    upload = sent_to(platform, f"/v24.0/{NUMBER}/media")[0]
    assert b'name="messaging_product"' in upload.body and b"whatsapp" in upload.body
    assert b'name="file"; filename="p.jpg"' in upload.body
    assert sent_to(platform, f"/v24.0/{NUMBER}/messages")[0].json()["image"]["id"] == "1037543291543636"


@pytest.mark.parametrize("fields", [
    {"recipient": ""},
    {"image_urls": ("https://cdn.test/1.jpg", "https://cdn.test/2.jpg")},
    {"image_urls": ("https://cdn.test/1.jpg",), "text": "x" * 1025, "link": ""},
], ids=["no recipient (Status is not in the API)", "two images", "caption over 1,024"])
def test_what_the_cloud_api_cannot_send_is_refused_before_anything_is_sent(platform, fields):
    with pytest.raises(PermanentError):
        client(platform).publish(CREDENTIALS, message(**fields))

    assert platform.received == []


@pytest.mark.parametrize("code", [130429, 131056, 80008])
def test_throughput_and_pair_limits_are_rate_limited(platform, code):
    platform.routes[f"/v24.0/{NUMBER}/messages"] = graph_error(code, "Rate limit hit")

    with pytest.raises(RateLimited):
        client(platform).publish(CREDENTIALS, message())


def test_a_429_is_rate_limited_for_retry_after(platform):
    platform.routes[f"/v24.0/{NUMBER}/messages"] = (429, {"error": {"code": 130429, "message": "Rate limit hit"}},
                                                    {"Retry-After": "5"})

    with pytest.raises(RateLimited) as error:
        client(platform).publish(CREDENTIALS, message())

    assert error.value.retry_after == 5


def test_a_message_outside_the_24_hour_window_is_permanent(platform):
    platform.routes[f"/v24.0/{NUMBER}/messages"] = graph_error(
        131047, "Re-engagement message",
        error_data={"details": "More than 24 hours have passed since the recipient last replied"})

    with pytest.raises(PermanentError) as error:
        client(platform).publish(CREDENTIALS, message())

    assert error.value.code == "131047"


def test_an_expired_token_is_token_expired(platform):
    platform.routes[f"/v24.0/{NUMBER}/messages"] = graph_error(190, "Error validating access token", status=401)

    with pytest.raises(TokenExpired):
        client(platform).publish(CREDENTIALS, message())


def test_a_send_answered_after_the_timeout_is_uncertain_and_not_resent(platform):
    with answered_too_late(platform, f"/v24.0/{NUMBER}/messages", sent_answer()):
        with pytest.raises(Uncertain):
            client(platform, timeout=0.2).publish(CREDENTIALS, message())

    assert len(platform.received) == 1


def test_the_api_offers_no_lookup_deletion_or_insights(platform):
    whatsapp = client(platform)

    assert (whatsapp.can_find_published, whatsapp.can_delete, whatsapp.has_insights) == (False, False, False)
    with pytest.raises(NotSupported):
        whatsapp.find_published(CREDENTIALS, marker="Wa1111", since=NOW)
    with pytest.raises(NotSupported):
        whatsapp.delete(CREDENTIALS, "wamid.1")
    with pytest.raises(NotSupported):
        whatsapp.insights(CREDENTIALS, since=date(2026, 12, 1), until=date(2026, 12, 6))
    assert platform.received == []


def test_a_manual_token_is_checked_against_the_business_number(platform):
    platform.routes[f"/v24.0/{NUMBER}"] = (200, {"id": NUMBER, "display_phone_number": "+233 30 123 4567",
                                                 "verified_name": "Ama's Gadgets"})

    profile = client(platform).verify_token(TOKEN, platform_user_id=NUMBER)

    assert (profile.user_id, profile.username, profile.display_name) == (NUMBER, "+233 30 123 4567", "Ama's Gadgets")
    assert platform.received[0].query["fields"] == "id,display_phone_number,verified_name"
    with pytest.raises(PermanentError):
        client(platform).verify_token(TOKEN)
