"""The domain errors of the social app, each with its code (see conventions: Errors), and how a
platform's error becomes one of them."""

from enum import StrEnum

from rest_framework import status

from sellflow.exceptions import ApplicationError, Conflict, ProviderError, ServiceUnavailable
from social.platforms import NotConfigured, PermanentError, PlatformError, RateLimited, TokenExpired


class SocialErrorCode(StrEnum):
    PLATFORM_NOT_SUPPORTED = "platform_not_supported"
    TOKEN_REFUSED = "token_refused"
    ACCOUNT_REFUSED = "account_refused"
    NOT_CONNECTED = "not_connected"
    INVALID_SIGNATURE = "invalid_signature"
    INVALID_VERIFY_TOKEN = "invalid_verify_token"
    INVALID_EVENT = "invalid"
    NOT_FOUND = "not_found"
    POST_LOCKED = "post_locked"
    CANNOT_DELETE_AT_PLATFORM = "cannot_delete_at_platform"
    ACCOUNT_NEEDS_RECONNECT = "account_needs_reconnect"
    PLATFORM_REFUSED = "platform_refused"
    INVALID_TRANSITION = "invalid_transition"


class PlatformNotSupported(ApplicationError):
    code = SocialErrorCode.PLATFORM_NOT_SUPPORTED
    message = "SellFlow cannot connect accounts of this platform yet."


class TokenRefused(ApplicationError):
    code = SocialErrorCode.TOKEN_REFUSED
    message = "The platform refused this access token: it is invalid, expired or revoked."


class AccountRefused(ApplicationError):
    code = SocialErrorCode.ACCOUNT_REFUSED
    message = "The platform refused to connect this account."


class NotConnected(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    code = SocialErrorCode.NOT_CONNECTED
    message = "No account of this platform is connected."


class InvalidSignature(ApplicationError):
    code = SocialErrorCode.INVALID_SIGNATURE
    message = "The webhook signature does not verify."


class HandshakeRefused(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN
    code = SocialErrorCode.INVALID_VERIFY_TOKEN
    message = "The subscription handshake does not carry this server's verify token."


class InvalidEvent(ApplicationError):
    code = SocialErrorCode.INVALID_EVENT
    message = "The webhook body is not an event notification of this platform."


class UnknownWebhookPlatform(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    code = SocialErrorCode.NOT_FOUND
    message = "No platform of this name sends webhooks here."


class WebhooksNotConfigured(ServiceUnavailable):
    message = "Webhooks from this platform cannot be verified on this server."


class PlatformUnavailable(ProviderError):
    message = "The platform did not answer; try again in a moment."


class PlatformNotConfigured(ServiceUnavailable):
    message = "Connecting accounts of this platform is not set up on this server."


# --- editing and scheduling a post ------------------------------------------------------------------

class PostLocked(Conflict):
    code = SocialErrorCode.POST_LOCKED
    message = "This post is being published or was published: it can no longer be changed or deleted."


class NothingToSchedule(Conflict):
    code = SocialErrorCode.INVALID_TRANSITION
    message = "None of these targets is a draft or scheduled: only those can be (re)scheduled."


# --- deleting a post, at the platforms too ---------------------------------------------------------

class PostPublished(Conflict):
    code = SocialErrorCode.POST_LOCKED
    message = ("This post was published: it is deleted only together with its posts at the platforms. Delete it "
               "with ?at_platform=true to do both.")


class PostPublishing(Conflict):
    code = SocialErrorCode.POST_LOCKED
    message = "This post is being published: wait until it is done, then delete it with ?at_platform=true."


class CannotDeleteAtPlatform(Conflict):
    code = SocialErrorCode.CANNOT_DELETE_AT_PLATFORM
    message = ("A platform of this post does not let SellFlow delete it there: delete it at that platform yourself. "
               "SellFlow keeps the post, and its link's clicks and sales, while it is live there.")


class AccountNeedsReconnect(Conflict):
    code = SocialErrorCode.ACCOUNT_NEEDS_RECONNECT
    message = "The account this post was published as has lost its access: reconnect it, then delete the post again."


class PlatformRefusedDeletion(Conflict):
    code = SocialErrorCode.PLATFORM_REFUSED
    message = "The platform refused to delete the post there (its message is in details)."


class PlatformRefusedLookup(Conflict):
    code = SocialErrorCode.PLATFORM_REFUSED
    message = ("The platform would not say whether the post is still there, so SellFlow keeps it (the platform's "
               "message is in details).")


class PostGone(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    code = SocialErrorCode.NOT_FOUND
    message = "Not found."


def application_error_for(error: PlatformError) -> ApplicationError:
    """What the seller is told when a platform says no (the platform's message names no token)."""
    details = {"platform": error.platform, "platform_message": str(error)}
    if isinstance(error, NotConfigured):
        return PlatformNotConfigured(details={"platform": error.platform})
    if isinstance(error, TokenExpired):
        return TokenRefused(details=details)
    if isinstance(error, PermanentError):
        return AccountRefused(details=details)
    if isinstance(error, RateLimited):
        wait = str(int(error.retry_after))
        return PlatformUnavailable("The platform is limiting requests; try again later.",
                                   details=details | {"retry_after": int(error.retry_after)},
                                   headers={"Retry-After": wait})
    return PlatformUnavailable(details=details)  # TransientError, Uncertain
