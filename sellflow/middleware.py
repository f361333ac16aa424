"""Request ids and the access log line, and the body size limit."""

import logging
import time

from sellflow.body_limit import body_limit_for, too_large_response
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
    """Refuses bodies announced as larger than their path's limit before anything reads them.

    Under ASGI sellflow.body_limit.BodySizeLimit has refused them already, chunked ones
    included; this serves the WSGI entry point (and the test client), where Django reads at most
    Content-Length bytes and a body without a length as empty, so the header is all there is."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = body_limit_for(request.path)
        try:
            length = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > limit:
            return too_large_response(limit)
        return self.get_response(request)
