"""The domain errors of the accounts app, each with its code (see conventions: Errors)."""

from enum import StrEnum

from sellflow.exceptions import ApplicationError, Conflict


class AccountsErrorCode(StrEnum):
    INVALID_CREDENTIALS = "invalid_credentials"
    ACCOUNT_DISABLED = "account_disabled"
    TOKEN_NOT_VALID = "token_not_valid"
    INVALID_GOOGLE_TOKEN = "invalid_google_token"
    GOOGLE_TOKEN_EXPIRED = "google_token_expired"
    GOOGLE_ACCOUNT_MISMATCH = "google_account_mismatch"
    INVALID_RESET_LINK = "invalid_reset_link"
    ALREADY_VERIFIED = "already_verified"
    OTP_NOT_FOUND = "otp_not_found"
    OTP_EXPIRED = "otp_expired"
    OTP_INVALID = "otp_invalid"
    OTP_ATTEMPTS_EXCEEDED = "otp_attempts_exceeded"


class InvalidCredentials(ApplicationError):
    status_code = 401
    code = AccountsErrorCode.INVALID_CREDENTIALS
    message = "Invalid email or password."


class AccountDisabled(InvalidCredentials):
    code = AccountsErrorCode.ACCOUNT_DISABLED
    message = "This account is disabled."


class InvalidRefreshToken(ApplicationError):
    status_code = 401
    code = AccountsErrorCode.TOKEN_NOT_VALID
    message = "The refresh token is invalid, expired or already used."


class InvalidGoogleToken(ApplicationError):
    status_code = 401
    code = AccountsErrorCode.INVALID_GOOGLE_TOKEN
    message = "The Google sign-in token is not valid."


class GoogleTokenExpired(InvalidGoogleToken):
    code = AccountsErrorCode.GOOGLE_TOKEN_EXPIRED
    message = "The Google sign-in token has expired."


class GoogleAccountMismatch(Conflict):
    code = AccountsErrorCode.GOOGLE_ACCOUNT_MISMATCH
    message = "This email is linked to another Google account."


class InvalidResetLink(ApplicationError):
    code = AccountsErrorCode.INVALID_RESET_LINK
    message = "This password reset link is invalid or has expired."


class AlreadyVerified(Conflict):
    code = AccountsErrorCode.ALREADY_VERIFIED
    message = "This email address is already verified."


class NoPendingCode(ApplicationError):
    code = AccountsErrorCode.OTP_NOT_FOUND
    message = "No verification code is pending; request a new one."


class CodeExpired(ApplicationError):
    code = AccountsErrorCode.OTP_EXPIRED
    message = "This code has expired; request a new one."


class WrongCode(ApplicationError):
    code = AccountsErrorCode.OTP_INVALID
    message = "The code is not correct."


class TooManyCodeAttempts(ApplicationError):
    code = AccountsErrorCode.OTP_ATTEMPTS_EXCEEDED
    message = "Too many wrong attempts; request a new code."
