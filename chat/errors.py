"""The domain errors of the chat app, each with its code (see conventions: Errors)."""

from enum import StrEnum

from rest_framework import status

from sellflow.exceptions import ApplicationError, Conflict


class ChatErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    CONVERSATION_CLOSED = "conversation_closed"
    LINK_EXPIRED = "link_expired"
    SHORTCODE_TAKEN = "shortcode_taken"
    THROTTLED = "throttled"
    CUSTOMER_MERGED = "customer_merged"
    ASSISTANT_BUSY = "assistant_busy"
    PERMISSION_DENIED = "permission_denied"


class NotAMember(ApplicationError):
    """A conversation the user is not the seller or the buyer of: as if it did not exist."""

    status_code = status.HTTP_404_NOT_FOUND
    code = ChatErrorCode.NOT_FOUND
    message = "Not found."


class SendThrottled(ApplicationError):
    """The user's chat sends (REST and socket together, ChatSendThrottle) are spent for now."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = ChatErrorCode.THROTTLED
    message = "You are sending messages too fast: wait a moment."


class AssistantBusy(Conflict):
    code = ChatErrorCode.ASSISTANT_BUSY
    message = "Your assistant is still answering your last question on this socket: ask again once it has."


class InvalidMessage(ApplicationError):
    code = ChatErrorCode.INVALID
    message = "This message cannot be sent."


class ConversationArchived(Conflict):
    code = ChatErrorCode.CONVERSATION_CLOSED
    message = "This conversation is archived: unarchive it (set its status) before sending."


class InvalidConversation(ApplicationError):
    code = ChatErrorCode.INVALID
    message = "This conversation cannot be started."


class NotASeller(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN
    code = ChatErrorCode.PERMISSION_DENIED
    message = "Only seller accounts can do this."


class ProductNotFound(ApplicationError):
    """A product named to start a conversation about: not one of the seller's, or not on sale."""

    status_code = status.HTTP_404_NOT_FOUND
    code = ChatErrorCode.NOT_FOUND
    message = "Not found."


class CustomerMergedMeanwhile(Conflict):
    code = ChatErrorCode.CUSTOMER_MERGED
    message = "This customer was just merged into another: try again."


class PaymentLinkNotFound(ApplicationError):
    """A payment link that was never signed here (altered, truncated), or whose order is gone."""

    status_code = status.HTTP_404_NOT_FOUND
    code = ChatErrorCode.NOT_FOUND
    message = "This payment link is not valid."


class PaymentLinkExpired(ApplicationError):
    status_code = status.HTTP_410_GONE
    code = ChatErrorCode.LINK_EXPIRED
    message = "This payment link has expired: ask the seller for a new order."


class ShortcodeTaken(Conflict):
    code = ChatErrorCode.SHORTCODE_TAKEN
    message = "You already have a template with this shortcode."
