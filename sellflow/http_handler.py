"""HTTP requests under the ASGI server, run by Django's synchronous handler in one thread hop.

Every view of the project is synchronous (DRF's are), and so are most middleware: under Django's
ASGI handler a request crossed between the event loop and the sync thread about ten times (each
middleware written as MiddlewareMixin runs its hooks through sync_to_async, a sync-only one makes
the chain hop back), and those hops were most of a cheap request's time (4 ms in-process for the
bench floor against 1.5 ms this way). Here the body is read on the event loop, then the whole of
Django (signals, middleware, view, closing the response) runs in one call to the sync thread,
as under WSGI, and the answer is sent from the loop. WebSockets stay on Channels (sellflow.asgi).

A streamed response (the CSV export) is read to its end in that same call, into a spooled file,
and sent in pieces from the loop: read chunk by chunk in later hops, another request's
request_started/finished could close the connection its query still reads from. Everything
else is sent in one message.
"""

import sys
from dataclasses import dataclass
from tempfile import SpooledTemporaryFile

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

# Pieces a streamed body is sent in, and what of it is held in memory before going to disk.
STREAM_PIECE_BYTES = 64 * 1024
STREAM_MEMORY_BYTES = 1024 * 1024


@dataclass
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes = b""
    stream: SpooledTemporaryFile | None = None  # a streamed response's body, read to its end


class OneHopHTTPHandler:
    """The ASGI application for `http` scopes (see the module docstring)."""

    def __init__(self):
        self.django = WSGIHandler()

    async def __call__(self, scope, receive, send):
        with SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE) as body:
            if not await read_body(receive, body):
                return  # the client left, or sellflow.body_limit cut the body off and answers itself
            environ = wsgi_environ(scope, body, received=body.tell())
            body.seek(0)
            answer = await sync_to_async(self.respond, thread_sensitive=True)(environ)
        await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
        if answer.stream is None:
            await send({"type": "http.response.body", "body": answer.body})
        else:
            await send_stream(answer.stream, send)

    def respond(self, environ: dict) -> Answer:
        """Django's whole request cycle, in the sync thread."""
        started = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = [(name.lower().encode("latin1"), value.encode("latin1")) for name, value in headers]

        response = self.django(environ, start_response)
        try:
            if getattr(response, "streaming", False):
                stream = SpooledTemporaryFile(max_size=STREAM_MEMORY_BYTES)
                for chunk in response:
                    stream.write(chunk)
                stream.seek(0)
                return Answer(started["status"], started["headers"], stream=stream)
            return Answer(started["status"], started["headers"], body=b"".join(response))
        finally:
            response.close()  # request_finished: connections go back, as WSGI servers do


async def read_body(receive, body) -> bool:
    """The request body into `body`; False when the client disconnected first."""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return False
        body.write(message.get("body", b""))
        if not message.get("more_body"):
            return True


async def send_stream(stream: SpooledTemporaryFile, send) -> None:
    with stream:
        while piece := stream.read(STREAM_PIECE_BYTES):
            await send({"type": "http.response.body", "body": piece, "more_body": True})
    await send({"type": "http.response.body"})


def wsgi_environ(scope: dict, body, *, received: int = 0) -> dict:
    """PEP 3333's environ for an ASGI HTTP scope (paths as latin-1 of their UTF-8 bytes). The body
    is whole by now: its length is what arrived (a chunked request announces none), and Django
    reads no more than CONTENT_LENGTH of it."""
    script_name = scope.get("root_path", "").encode().decode("latin1")
    path_info = scope["path"].encode().decode("latin1")
    server_name, server_port = scope.get("server") or ("localhost", 80)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info.removeprefix(script_name),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin1"),
        "SERVER_NAME": server_name,
        "SERVER_PORT": str(server_port or 0),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if scope.get("client"):
        environ["REMOTE_ADDR"] = scope["client"][0]
    for name, value in scope.get("headers", []):
        if b"_" in name:
            continue  # as Django's ASGI request: `X_Forwarded_For` must not pass for `X-Forwarded-For`
        key = name.decode("latin1").upper().replace("-", "_")
        if key not in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            key = f"HTTP_{key}"
        value = value.decode("latin1")
        # Repeated headers are joined as Django's ASGI request joins them.
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    environ["CONTENT_LENGTH"] = str(received)
    return environ
