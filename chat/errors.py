"""The domain errors of the chat app, each with its code (see conventions: Errors)."""

from enum import StrEnum

from rest_framework import status

from sellflow.exceptions import ApplicationError, Conflict


class ChatErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    CONVERSATION_CLOSED = "conversation_closed"
    SHORTCODE_TAKEN = "shortcode_taken"


class NotAMember(ApplicationError):
    """A conversation the user is not the seller or the buyer of: as if it did not exist."""

    status_code = status.HTTP_404_NOT_FOUND
    code = ChatErrorCode.NOT_FOUND
    message = "Not found."


class InvalidMessage(ApplicationError):
    code = ChatErrorCode.INVALID
    message = "This message cannot be sent."


class ConversationArchived(Conflict):
    code = ChatErrorCode.CONVERSATION_CLOSED
    message = "This conversation is archived: unarchive it (set its status) before sending."


class InvalidConversation(ApplicationError):
    code = ChatErrorCode.INVALID
    message = "This conversation cannot be started."


class ShortcodeTaken(Conflict):
    code = ChatErrorCode.SHORTCODE_TAKEN
    message = "You already have a template with this shortcode."
