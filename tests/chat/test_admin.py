"""The operator's view of chat in the Django admin: read-only, and a long conversation's page
shows its latest messages only, with a link to all of them."""

import pytest

from chat.models import Message
from chat.services.messages import Draft, message_post
from tests.chat.conftest import send

pytestmark = pytest.mark.django_db


def test_a_long_conversation_shows_its_latest_messages(operator_client, buyer_client, conversation,
                                                       django_assert_max_num_queries):
    from chat.models import Conversation

    chat = Conversation.objects.get(pk=conversation["id"])
    for number in range(1, 61):
        message_post(conversation=chat, sender_type="system", draft=Draft(content=f"note {number:02d}"))

    with django_assert_max_num_queries(40):
        page = operator_client.get(f"/admin/chat/conversation/{chat.pk}/change/")

    assert page.status_code == 200
    body = page.content.decode()
    assert "note 60" in body and "note 11" in body and "note 10" not in body and "note 01" not in body
    assert f"/admin/chat/message/?conversation={chat.pk}" in body and "60 messages" in body
    listing = operator_client.get(f"/admin/chat/message/?conversation={chat.pk}")
    assert listing.status_code == 200 and "note 01" in listing.content.decode()


def test_messages_are_read_only(operator_client, buyer_client, conversation):
    message = Message.objects.get(pk=send(buyer_client, conversation["id"], "Hello there").json()["id"])

    assert operator_client.get(f"/admin/chat/message/{message.pk}/change/").status_code == 200
    assert operator_client.post(f"/admin/chat/message/{message.pk}/change/", {"content": "x"}).status_code == 403
    assert operator_client.get(f"/admin/chat/message/{message.pk}/delete/").status_code == 403
    assert operator_client.get("/admin/chat/message/add/").status_code == 403


def test_the_operator_files_a_long_conversation(operator_client, buyer_client, conversation):
    from chat.models import Conversation

    chat = Conversation.objects.get(pk=conversation["id"])
    for number in range(55):
        message_post(conversation=chat, sender_type="system", draft=Draft(content=f"note {number}"))
    form = {"status": "paused", "subject": "Filed", "labels": '["vip"]',
            "messages-TOTAL_FORMS": "0", "messages-INITIAL_FORMS": "0", "messages-MIN_NUM_FORMS": "0",
            "messages-MAX_NUM_FORMS": "1000"}

    response = operator_client.post(f"/admin/chat/conversation/{chat.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    chat.refresh_from_db()
    assert (chat.status, chat.subject, chat.labels) == ("paused", "Filed", ["vip"])
    assert chat.messages.count() == 55
