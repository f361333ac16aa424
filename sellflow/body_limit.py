"""How large a request body may be, and the ASGI wrapper that holds every HTTP request to it.

Django's ASGI handler reads the whole body (to memory, then to a temporary file) before any
middleware runs, so a limit checked in middleware comes after the cost, and a chunked body
(no Content-Length) escapes it. The wrapper sits in front of that handler: a body announced as
too large is refused before a byte of it is read, and a streamed one as soon as its bytes pass
the limit; the rest is never read. Under daphne the server itself buffers a body before any app
sees it: sellflow.daphne_request refuses there, through this wrapper, as the body arrives.
"""

import asyncio

from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.http import JsonResponse

from sellflow.exceptions import error_body


def body_limit_for(path: str) -> int:
    """Bytes a request body may carry: uploads go to the API and the admin; nothing else takes
    more than a form."""
    if path.startswith(("/api/", "/admin/")):
        return settings.API_MAX_BODY_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_large_response(limit: int) -> JsonResponse:
    return JsonResponse(error_body("The request body is too large.", "too_large", {"max_bytes": limit}), status=413)


def declared_length(headers) -> int | None:
    """The Content-Length of ASGI headers; None when absent or not a number."""
    for name, value in headers:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class _RefusalHandler(ASGIHandler):
    """Django's middleware around one fixed answer, the 413: the refusal carries what every
    response does (request id and access log line, CORS, security headers) while no view runs
    and no body is read."""

    async def _get_response_async(self, request):
        return too_large_response(request.scope["sellflow.body_limit"])


class BodySizeLimit:
    """ASGI wrapper around Django's HTTP handler (see the module docstring)."""

    def __init__(self, app):
        self.app = app
        self.refusal = _RefusalHandler()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = body_limit_for(scope["path"].removeprefix(scope.get("root_path", "")))
        length = declared_length(scope["headers"])
        if length is not None and length > limit:
            return await self.refuse(scope, send, limit)

        received = 0
        cut_off = False
        response_started = False

        async def counting_receive():
            nonlocal received, cut_off
            if cut_off:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # To the handler the client has gone: it drops what it read and stops.
                    cut_off = True
                    return {"type": "http.disconnect"}
            return message

        async def watching_send(message):
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counting_receive, watching_send)
        if cut_off and not response_started:
            await self.refuse(scope, send, limit)

    async def refuse(self, scope, send, limit: int) -> None:
        sent_body = False

        async def no_body():
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Future()  # the handler waits here for a disconnect until it has answered

        await self.refusal({**scope, "sellflow.body_limit": limit}, no_body, send)
