"""The chat socket, `/ws/chat/?token=<access>`: a user's live inbox, and a way to write to it."""

import asyncio
import logging
import math
import time
from collections import deque

from channels.db import database_sync_to_async
from django.conf import settings
from rest_framework import serializers

from accounts.models import User
from chat import selectors
from chat import serializers as s
from chat.answering import answer_off_thread
from chat.assistant import assistant_question
from chat.errors import AssistantBusy, NotAMember, SendThrottled
from chat.events import error_frame, message_frame, sync_frame, typing_frame
from chat.models import SELLER, Conversation, Message
from chat.realtime import inbox_group
from chat.services.conversations import conversation_read, conversation_side
from chat.services.messages import Draft, message_cards, message_send
from sellflow.consumers import SessionConsumer
from sellflow.exceptions import ApplicationError
from sellflow.throttling import ChatSendThrottle

logger = logging.getLogger(__name__)

# Closed for sending more frames than CHAT_SOCKET_RATE_FRAMES per CHAT_SOCKET_RATE_SECONDS.
CLOSE_TOO_MANY_FRAMES = 4408
SYNC_PAGE = 100


class ChatConsumer(SessionConsumer):
    """`/ws/chat/?token=...`: every chat socket of a user is in their inbox group (chat.realtime)
    and relays its frames: `chat_message` (the API document's `type`, `conversation_id`,
    `content`, `sender_id`, with the message as REST lists it), `read`, `reaction`, `typing`,
    `conversation` (one created or filed, or reopened by a message, as the user's REST body shows
    it, with `conversation_id` and `action` `created` or `updated`; a message's other changes to
    the inbox row, its preview, time and unread count, follow from its `chat_message`), and
    `assistant_delta` (`conversation_id`, `reply_to`: the question's message id, `delta`: the next
    piece of the assistant's answer, before its `chat_message`). The client sends JSON frames, each
    about one of its conversations (checked on every frame; anyone else's, or an unknown one, gets
    `error` `not_found` and changes nothing):

    - `{"type": "chat_message", "conversation_id", "content", "message_type"?, "product"?,
      "order"?, "metadata"?}` sends a message through chat.services.messages.message_send, as REST does: it
      comes back to both members' sockets as a `chat_message` frame after commit (no other
      answer). It counts in the user's REST send bucket (ChatSendThrottle); once that is spent,
      `error` `throttled` with `details.retry_after` (seconds), and the socket stays open. In a
      session with the seller's assistant, the answer is asked for in the background (the socket's
      other frames keep flowing) and arrives as `assistant_delta` frames, then its `chat_message`;
      a refusal comes as `error` (`ai_disabled`, `quota_exceeded`, `provider_error`), and a second
      question while one is answered on the socket gets `error` `assistant_busy`.
    - `{"type": "typing", "conversation_id", "is_typing"}` tells the other member's sockets only
      (a `typing` frame with `user_id` and `side`); nothing is stored.
    - `{"type": "read", "conversation_id"}` marks the conversation read (chat.services.conversations.
      conversation_read), counted in the same bucket as messages; both members get the `read`
      frame.
    - `{"type": "sync", "conversation_id", "after_sequence"}` answers with the messages after that
      sequence, one `chat_message` frame each in sequence order (at most
      CHAT_SOCKET_SYNC_MAX_MESSAGES), then a `sync` frame with the `last_sequence` sent and
      whether the gap is `complete` (if not, sync again from `last_sequence`). A message sent
      meanwhile may arrive twice (live and in the answer): clients keep one per `sequence`.

    A frame that is not JSON, not an object, of no known `type` or with invalid fields, or one
    larger than CHAT_SOCKET_MAX_FRAME_BYTES, gets `{"type": "error", "code", "error", "details"}`
    and the socket stays open. More than CHAT_SOCKET_RATE_FRAMES frames in
    CHAT_SOCKET_RATE_SECONDS get `error` `throttled`, then the socket closes with 4408. As every
    sellflow.consumers.SessionConsumer, it closes with 4401 when its session ends (logout,
    password change, deactivation) or its token expires."""

    socket_kind = "chat"
    throttled = False
    asking: asyncio.Task | None = None  # the assistant answering this socket's question

    async def connect(self):
        self.user = self.scope["user"]
        self.rate = FrameRate(settings.CHAT_SOCKET_RATE_FRAMES, settings.CHAT_SOCKET_RATE_SECONDS)
        self.inbox = inbox_group(self.user.pk)
        await self.channel_layer.group_add(self.inbox, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "inbox"):
            await self.channel_layer.group_discard(self.inbox, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if self.throttled or self.session_ended:
            return
        if not self.rate.allow():
            self.throttled = True
            await self.send_error("throttled", f"At most {self.rate.frames} frames every {self.rate.seconds} s: "
                                               "this socket closes.")
            return await self.close(code=CLOSE_TOO_MANY_FRAMES)
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > settings.CHAT_SOCKET_MAX_FRAME_BYTES:
            return await self.send_error("too_large", f"A frame is at most {settings.CHAT_SOCKET_MAX_FRAME_BYTES} "
                                                      "bytes.")
        await super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        handler = self.frame_handlers.get(kind) if isinstance(kind, str) else None
        if handler is None:
            return await self.send_error("invalid", "Send a JSON object whose `type` is chat_message, typing, "
                                                    "read or sync.")
        try:
            await handler(self, content)
        except ApplicationError as refusal:
            await self.send_error(refusal.code, refusal.message, refusal.details, frame=kind)
        except serializers.ValidationError as invalid:
            await self.send_error("invalid", "Invalid frame.", invalid.detail, frame=kind)

    async def on_chat_message(self, content: dict) -> None:
        question = await database_sync_to_async(socket_message_send)(self.user, content,
                                                                     assistant_busy=self.asking is not None)
        if question is not None:  # answered in the background: this socket's frames keep flowing meanwhile
            self.asking = asyncio.create_task(self.ask_assistant(*question))

    async def ask_assistant(self, conversation: Conversation, question: Message) -> None:
        """The assistant's answer to the stored question, in a thread of its own (a provider call
        takes seconds; in the one thread all sockets' database work shares, it would hold up every
        chat socket of the process). Its `assistant_delta` frames and the answer reach the inbox
        group as they come; a failure is said on this socket (the question stays unanswered, as over
        REST). A session that ended while the question waited for its turn is not answered."""
        try:
            if not self.session_ended:
                await answer_off_thread(conversation=conversation, seller=self.user, question=question)
        except ApplicationError as refusal:
            await self.send_error(refusal.code, refusal.message, refusal.details, frame="chat_message")
        except Exception:
            logger.exception("The assistant's answer in conversation %s failed", conversation.pk)
            await self.send_error("unavailable", "The assistant could not answer now: ask again in a moment.",
                                  frame="chat_message")
        finally:
            self.asking = None

    async def on_typing(self, content: dict) -> None:
        other_id, frame = await database_sync_to_async(typing_announcement)(self.user, content)
        if other_id is not None:
            await self.channel_layer.group_send(inbox_group(other_id), {"type": "chat.event", "event": frame})

    async def on_read(self, content: dict) -> None:
        await database_sync_to_async(socket_conversation_read)(self.user, content)

    async def on_sync(self, content: dict) -> None:
        for frame in await database_sync_to_async(sync_answer)(self.user, content):
            await self.send_json(frame)

    frame_handlers = {"chat_message": on_chat_message, "typing": on_typing, "read": on_read, "sync": on_sync}

    async def chat_event(self, message):
        if not self.throttled:  # closed with 4408: the inbox's frames no longer go out on it
            await self.send_json(message["event"])

    async def send_error(self, code: str, error: str, details=None, *, frame: str | None = None) -> None:
        await self.send_json(error_frame(code, error, details, frame=frame))


class FrameRate:
    """At most `frames` frames in any `seconds`: a sliding window over one connection's frames."""

    def __init__(self, frames: int, seconds: int):
        self.frames, self.seconds = frames, seconds
        self.times: deque[float] = deque()

    def allow(self) -> bool:
        now = time.monotonic()
        while self.times and now - self.times[0] >= self.seconds:
            self.times.popleft()
        if len(self.times) >= self.frames:
            return False
        self.times.append(now)
        return True


# --- each in-frame's work, in the database thread -------------------------------------------

def valid_frame(serializer_class: type[serializers.Serializer], content: dict) -> dict:
    body = serializer_class(data=content)
    body.is_valid(raise_exception=True)
    return body.validated_data


def member_conversation(user: User, conversation_id: int) -> tuple[Conversation, str]:
    """The conversation, fresh, and the user's side of it; NotAMember for anyone else's or none."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        raise NotAMember()
    return conversation, conversation_side(conversation, user)


def socket_message_send(user: User, content: dict, *, assistant_busy: bool = False,
                        ) -> tuple[Conversation, Message] | None:
    """Send the frame's message as REST does, counted in the user's REST send bucket. A question to
    the seller's assistant is checked, counted and stored here, and returned to be answered off this
    thread (one at a time per socket: AssistantBusy while the last is being answered)."""
    body = valid_frame(s.SocketMessageFrameSerializer, content)
    conversation, _ = member_conversation(user, body["conversation_id"])
    if conversation.is_assistant and assistant_busy:
        raise AssistantBusy()
    product, order = message_cards(conversation=conversation, product_id=body.get("product"),
                                   order_id=body.get("order"))
    take_send_slot(user)
    draft = Draft(content=body["content"], message_type=body["message_type"], product=product, order=order,
                  metadata=s.sent_metadata(body))
    if conversation.is_assistant:  # the answer follows as assistant_delta frames, then its chat_message
        return conversation, assistant_question(conversation=conversation, seller=user, draft=draft)
    message_send(conversation=conversation, sender=user, draft=draft)
    return None


def typing_announcement(user: User, content: dict) -> tuple[int | None, dict]:
    """The other member (None when the customer has no account) and the `typing` frame for them."""
    body = valid_frame(s.SocketTypingFrameSerializer, content)
    conversation, side = member_conversation(user, body["conversation_id"])
    other_id = conversation.buyer_id if side == SELLER else conversation.seller_id
    return other_id, typing_frame(conversation, user=user, side=side, is_typing=body["is_typing"])


def socket_conversation_read(user: User, content: dict) -> None:
    body = valid_frame(s.SocketFrameSerializer, content)
    conversation, _ = member_conversation(user, body["conversation_id"])
    take_send_slot(user)
    conversation_read(conversation=conversation, user=user)


def take_send_slot(user: User) -> None:
    """One of the user's chat writes, shared with REST (ChatSendThrottle): SendThrottled when spent."""
    sends = ChatSendThrottle()
    if not sends.allow_user(user.pk):
        raise SendThrottled(details={"retry_after": math.ceil(sends.wait())})


def sync_answer(user: User, content: dict) -> list[dict]:
    """The messages after `after_sequence` as `chat_message` frames in order, page by page up to
    CHAT_SOCKET_SYNC_MAX_MESSAGES, then the closing `sync` frame."""
    body = valid_frame(s.SocketSyncFrameSerializer, content)
    conversation, side = member_conversation(user, body["conversation_id"])
    cap, last_sequence, frames = settings.CHAT_SOCKET_SYNC_MAX_MESSAGES, body["after_sequence"], []
    while len(frames) < cap:
        limit = min(SYNC_PAGE, cap - len(frames))
        page = selectors.message_page(conversation, before=None, after=last_sequence, limit=limit,
                                      with_reactions=False)
        frames.extend(message_frame(message, side=side) for message in page)
        if page:
            last_sequence = page[-1].sequence
        if len(page) < limit:
            break
    complete = last_sequence >= conversation.last_sequence
    return [*frames, sync_frame(conversation, after_sequence=body["after_sequence"], last_sequence=last_sequence,
                                complete=complete)]
