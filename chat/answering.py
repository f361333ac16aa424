"""Where the assistant's answers run when the app is served (ASGI): on the server's event loop,
each in a thread of its own, at most ASSISTANT_ANSWERS_AT_ONCE at once per process. A provider call
takes seconds; in the one thread that every request's and socket's database work of the process
shares (sync views and database_sync_to_async are thread-sensitive), it would hold all of them up.
The socket (chat.consumers) and REST (chat.views) both hand their answers here."""

import asyncio
import logging
import os
import weakref

from asgiref.sync import SyncToAsync, sync_to_async
from django.db import close_old_connections, connections

from accounts.models import User
from chat.assistant import assistant_reply
from chat.events import error_frame
from chat.models import Conversation, Message
from chat.realtime import deliver_frames
from sellflow.exceptions import ApplicationError

logger = logging.getLogger(__name__)

# Each answer's thread holds a database connection from the pool while it runs
# (DATABASE_POOL_MAX_SIZE, 4 by default, of which the shared thread needs one): more wait their turn.
ASSISTANT_ANSWERS_AT_ONCE = 2
_turns: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]" = weakref.WeakKeyDictionary()


def assistant_turns() -> asyncio.Semaphore:
    """This process's (this event loop's) turns at the assistant."""
    return _turns.setdefault(asyncio.get_running_loop(), asyncio.Semaphore(ASSISTANT_ANSWERS_AT_ONCE))


def in_own_thread(function):
    """`function` for a worker thread of its own: its database connections are closed when it ends
    (database_sync_to_async does this for the shared thread)."""
    def run(*args, **kwargs):
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()
    return run


async def answer_off_thread(*, conversation: Conversation, seller: User, question: Message) -> None:
    """The assistant's answer to the stored question, once this process has a turn, in a thread of
    its own; its `assistant_delta` frames and the answer reach the seller's inbox as they come."""
    async with assistant_turns():
        await sync_to_async(in_own_thread(assistant_reply), thread_sensitive=False)(
            conversation=conversation, seller=seller, question=question)


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The ASGI server's running event loop, when this sync code runs in one of its threads."""
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    same_process = getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) == os.getpid()
    return loop if loop is not None and same_process and loop.is_running() else None


def answer_later(*, conversation: Conversation, seller: User, question: Message) -> bool:
    """Hand the answer to the server's event loop and return at once: True. Without one (a test
    client, a shell, a command), nothing is handed over: False, and the caller answers inline. A
    refusal or failure reaches the seller's inbox as an `error` frame naming the conversation."""
    loop = server_loop()
    if loop is None:
        return False
    asyncio.run_coroutine_threadsafe(answer_telling_failures(conversation=conversation, seller=seller,
                                                             question=question), loop)
    return True


async def answer_telling_failures(*, conversation: Conversation, seller: User, question: Message) -> None:
    try:
        await answer_off_thread(conversation=conversation, seller=seller, question=question)
    except ApplicationError as refusal:
        await tell_inbox(seller, conversation, refusal.code, refusal.message, refusal.details)
    except Exception:
        logger.exception("The assistant's answer in conversation %s failed", conversation.pk)
        await tell_inbox(seller, conversation, "unavailable", "The assistant could not answer now: ask again in a "
                                                              "moment.", {})


async def tell_inbox(seller: User, conversation: Conversation, code: str, error: str, details) -> None:
    await deliver_frames({seller.pk: error_frame(code, error, details, frame="chat_message",
                                                 conversation_id=conversation.pk)})


def answer_now_or_later(*, conversation: Conversation, seller: User, question: Message) -> Message | None:
    """Served (ASGI), the answer is handed to the server's event loop (answer_later): the request
    answers at once, and the answer follows on the seller's sockets. Elsewhere (a test client),
    it is asked for here and returned."""
    if answer_later(conversation=conversation, seller=seller, question=question):
        return None
    return assistant_reply(conversation=conversation, seller=seller, question=question)
