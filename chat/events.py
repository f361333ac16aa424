"""The frames the chat sends to its members' inboxes (chat.realtime), in the API document's
format: every frame has a `type`; a message's is `chat_message` with `conversation_id`,
`content` and `sender_id`, and the rest of the message as the REST lists show it."""

import json
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder

from accounts.models import User
from chat.models import BUYER, SELLER, Conversation, Message
from chat.serializers import ChatMessageFrameSerializer, ConversationSerializer


def plain_json(frame: dict) -> dict:
    return json.loads(json.dumps(frame, cls=DjangoJSONEncoder))  # plain JSON types, for any channel layer


def message_frame(message: Message, *, side: str) -> dict:
    """The message as `side` (seller or buyer) sees it."""
    body = ChatMessageFrameSerializer(message, context={"side": side}).data
    return plain_json({"type": "chat_message", "conversation_id": message.conversation_id,
                       "sender_id": message.sender_id, **body})


def message_frames(message: Message, conversation: Conversation) -> dict[int, dict]:
    """Each member's frame of the message, by user id (chat.realtime.send_frames)."""
    frames = {conversation.seller_id: message_frame(message, side=SELLER)}
    if conversation.buyer_id:
        frames[conversation.buyer_id] = message_frame(message, side=BUYER)
    return frames


def conversation_frame(conversation: Conversation, *, member: User, action: str) -> dict:
    """A new (`action: created`) or changed (`updated`) conversation as `member` sees it in the
    REST body: their own unread count, and the customer card for the seller only. Needs the
    conversation's seller, customer and product loaded."""
    body = ConversationSerializer(conversation, context={"user": member}).data
    return plain_json({"type": "conversation", "conversation_id": conversation.pk, "action": action, **body})


def error_frame(code: str, error: str, details=None, *, frame: str | None = None, **about) -> dict:
    """`{"type": "error", "code", "error", "details"}`, with the in-frame's `frame` type it answers
    and what else it is `about` (a `conversation_id`)."""
    body = {"type": "error", "code": str(code), "error": error, "details": details or {}, **about}
    if frame is not None:
        body["frame"] = frame
    return body


def read_frame(conversation: Conversation, *, reader: User, side: str, up_to_sequence: int, read_at: datetime) -> dict:
    return {"type": "read", "conversation_id": conversation.pk, "reader_id": reader.pk, "side": side,
            "up_to_sequence": up_to_sequence, "read_at": read_at.isoformat().replace("+00:00", "Z")}


def reaction_frame(message: Message, *, user: User, reaction: str, added: bool) -> dict:
    return {"type": "reaction", "conversation_id": message.conversation_id, "message_id": message.pk,
            "user_id": user.pk, "reaction": reaction, "action": "added" if added else "removed"}


def typing_frame(conversation: Conversation, *, user: User, side: str, is_typing: bool) -> dict:
    return {"type": "typing", "conversation_id": conversation.pk, "user_id": user.pk, "side": side,
            "is_typing": is_typing}


def sync_frame(conversation: Conversation, *, after_sequence: int, last_sequence: int, complete: bool) -> dict:
    """Ends a `sync` answer: the messages after `after_sequence` up to `last_sequence` were sent
    before it; when not `complete`, sync again from `last_sequence` for the rest."""
    return {"type": "sync", "conversation_id": conversation.pk, "after_sequence": after_sequence,
            "last_sequence": last_sequence, "complete": complete}
