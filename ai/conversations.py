"""A seller's conversation as reply suggestions read it: its recent messages as plain text and
the product it is about. Conversations belong to the chat app, above this one, so chat registers
how to read one (ChatConfig.ready) and ai never imports it; without a reader no conversation is
found."""

from collections.abc import Callable
from dataclasses import dataclass

from accounts.models import User
from products.models import Product

REPLY_HISTORY = 10  # the last messages that matter to the next reply


@dataclass(frozen=True)
class ConversationContext:
    # {"from": "customer"|"seller", "text": ...}, oldest first, at most REPLY_HISTORY.
    messages: list[dict]
    product: Product | None = None


# reader(seller, conversation_id): the context of that conversation of the seller's, or None.
ConversationReader = Callable[[User, int], ConversationContext | None]
_conversation_reader: ConversationReader | None = None


def register_conversation_reader(reader: ConversationReader) -> None:
    global _conversation_reader
    _conversation_reader = reader


def conversation_context(*, seller: User, conversation_id: int) -> ConversationContext | None:
    """The seller's conversation as reply suggestions read it; None when it is not theirs."""
    if _conversation_reader is None:
        return None
    return _conversation_reader(seller, conversation_id)
