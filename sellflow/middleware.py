"""Request ids and the access log line, and the API's body size limit."""

import logging
import time

from django.conf import settings
from django.http import JsonResponse

from sellflow.exceptions import error_body
from sellflow.request_id import bind_request_id

access_logger = logging.getLogger("sellflow.access")


class RequestIdMiddleware:
    """Binds the request id, puts it on the response, writes one access log line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = bind_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        started = time.monotonic()

        response = self.get_response(request)

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


class BodySizeLimitMiddleware:
    """Refuses API bodies announced as larger than API_MAX_BODY_BYTES before anything reads
    them. (Bodies without a length are bounded by DATA_UPLOAD_MAX_MEMORY_SIZE when read.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            try:
                length = int(request.headers.get("Content-Length") or 0)
            except ValueError:
                length = 0
            if length > settings.API_MAX_BODY_BYTES:
                body = error_body(
                    "The request body is too large.", "too_large", {"max_bytes": settings.API_MAX_BODY_BYTES}
                )
                return JsonResponse(body, status=413)
        return self.get_response(request)
