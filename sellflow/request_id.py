"""The id of the request (or task) being served, for responses and every log line."""

import logging
import re
import uuid
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("request_id", default="-")
# An id sent by a proxy or client is kept only when it looks like an id, never raw input in logs.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    return _request_id.get()


def bind_request_id(value: str | None = None) -> str:
    """Give the current context a request id (also used by Celery tasks)."""
    request_id = value if value and _SAFE_REQUEST_ID.match(value) else uuid.uuid4().hex
    _request_id.set(request_id)
    return request_id


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True
