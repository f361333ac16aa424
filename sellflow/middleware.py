"""Request ids and the access log line: every response carries `X-Request-ID`, every log record
written while serving it carries the same id."""

import logging
import re
import time
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.http import JsonResponse

access_logger = logging.getLogger("sellflow.access")

_request_id: ContextVar[str] = ContextVar("request_id", default="-")
# An id sent by a proxy or client is kept only when it looks like an id, never raw input in logs.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    return _request_id.get()


def bind_request_id(value: str | None = None) -> str:
    """Give the current context a request id (also used by Celery tasks and WebSocket consumers)."""
    request_id = value if value and _SAFE_REQUEST_ID.match(value) else uuid.uuid4().hex
    _request_id.set(request_id)
    return request_id


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class RequestIdMiddleware:
    """Binds the request id, refuses oversized API bodies early, writes one access log line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = bind_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        started = time.monotonic()

        response = self._too_large(request) or self.get_response(request)

        response["X-Request-ID"] = request_id
        user = getattr(request, "user", None)
        access_logger.info(
            "%s %s %s %.1fms user=%s",
            request.method,
            request.get_full_path()[:300],
            response.status_code,
            (time.monotonic() - started) * 1000,
            getattr(user, "pk", None) or "-",
        )
        return response

    @staticmethod
    def _too_large(request):
        if not request.path.startswith("/api/"):
            return None
        try:
            length = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > settings.API_MAX_BODY_BYTES:
            return JsonResponse(
                {
                    "error": "The request body is too large.",
                    "code": "too_large",
                    "details": {"max_bytes": settings.API_MAX_BODY_BYTES},
                },
                status=413,
            )
        return None
