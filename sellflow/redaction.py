"""Secrets kept out of log lines, whichever logger writes them: a payment link's token, in the
API's path (`/api/chat/pay/<token>/`) or the frontend's link (`/pay#<token>`)."""

import logging
import re

MASK = "[redacted]"
# What follows `/pay/` or `/pay#` up to the next separator: the token, percent-encoded or not.
PAYMENT_LINK_TOKEN = re.compile(r"(/pay[/#])[^/?#\s\"'<>]+")


def redact(text: str) -> str:
    """`text` with every payment link token replaced by MASK."""
    if "/pay" not in text:
        return text
    return PAYMENT_LINK_TOKEN.sub(rf"\g<1>{MASK}", text)


class RedactSecretsFilter(logging.Filter):
    """On a handler: masks the secrets of every record it writes, its message (with its arguments,
    as the access log's and django.request's lines take the path) and its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the message: the handler reports it, not us
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
