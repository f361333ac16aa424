"""The domain errors of the AI services, each with its code."""

from enum import StrEnum

from rest_framework import status

from sellflow.exceptions import ApplicationError, ProviderError


class AIErrorCode(StrEnum):
    AI_DISABLED = "ai_disabled"
    LANGUAGE_UNSUPPORTED = "language_unsupported"
    QUOTA_EXCEEDED = "quota_exceeded"
    NOT_APPLICABLE = "not_applicable"
    INVALID = "invalid"


class AIDisabled(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN
    code = AIErrorCode.AI_DISABLED
    message = "This AI feature is switched off in your settings."


class LanguageNotSupported(ApplicationError):
    code = AIErrorCode.LANGUAGE_UNSUPPORTED
    message = "The AI provider cannot write in this language."


class QuotaExceeded(ApplicationError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = AIErrorCode.QUOTA_EXCEEDED
    message = "You have used your AI generations for the last 24 hours."


class NotApplicable(ApplicationError):
    code = AIErrorCode.NOT_APPLICABLE
    message = "Only an approved description can be applied to its product."


class AIProviderError(ProviderError):
    message = "The AI provider failed to answer. Please try again."


class NothingToReplyTo(ApplicationError):
    code = AIErrorCode.INVALID
    message = "The customer has not written yet: there is nothing to reply to."
