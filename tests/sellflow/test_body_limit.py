"""The ASGI wrapper in front of Django (sellflow.body_limit): an oversized body is refused
before the handler reads it, whether announced by Content-Length or streamed in chunks, and
anything else passes through untouched. Driven with ASGI messages, as the server sends them."""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from sellflow.asgi import application
from sellflow.body_limit import BodySizeLimit

LIMIT = 10_000
CHUNK = 4_000
CHUNKS = 100  # 400 kB offered, 40 times the limit


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.API_MAX_BODY_BYTES = LIMIT
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000


@pytest.fixture(autouse=True)
def in_process_requests():
    """As the test client does: the test's transaction stays open across the handler's requests
    (Django closes a connection it finds inside an atomic block when a request starts)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


class ReadingApp:
    """Stands for Django's handler: reads the body to its end, then answers with what it read."""

    def __init__(self):
        self.calls = 0
        self.answered = False
        self.scope = None

    async def __call__(self, scope, receive, send):
        self.calls += 1
        self.scope = scope
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        self.answered = True
        await send({"type": "http.response.start", "status": 201, "headers": [(b"x-read", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class Exchange:
    """One request fed to an ASGI app chunk by chunk, only as fast as the app asks for them."""

    def __init__(self, path: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]]):
        self.scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
            "headers": [(b"host", b"testserver"), *headers], "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        self.chunks = chunks
        self.delivered = 0
        self.delivered_when_answered = None
        self.sent = []

    async def receive(self):
        if self.delivered < len(self.chunks):
            self.delivered += 1
            return {"type": "http.request", "body": self.chunks[self.delivered - 1],
                    "more_body": self.delivered < len(self.chunks)}
        await asyncio.Event().wait()  # the client stays connected; the app cancels this wait

    async def send(self, message):
        if message["type"] == "http.response.start":
            self.delivered_when_answered = self.delivered
        self.sent.append(message)

    def run(self, app) -> "Exchange":
        async_to_sync(app)(self.scope, self.receive, self.send)
        return self

    @property
    def status(self) -> int:
        return self.sent[0]["status"]

    @property
    def headers(self) -> dict[bytes, bytes]:
        return {name.lower(): value for name, value in self.sent[0]["headers"]}

    @property
    def body(self) -> bytes:
        return b"".join(message.get("body", b"") for message in self.sent[1:])


def body_of(size: int) -> list[bytes]:
    return [b"x" * CHUNK] * (size // CHUNK) + ([b"x" * (size % CHUNK)] if size % CHUNK else [])


def content_length(size: int) -> list[tuple[bytes, bytes]]:
    return [(b"content-length", str(size).encode()), (b"content-type", b"application/json")]


CHUNKED = [(b"transfer-encoding", b"chunked"), (b"content-type", b"application/json")]
TOO_LARGE = {"error": "The request body is too large.", "code": "too_large", "details": {"max_bytes": LIMIT}}


def test_an_announced_oversized_body_is_refused_before_a_byte_is_read():
    downstream = ReadingApp()

    exchange = Exchange("/api/auth/login/", body_of(CHUNK * CHUNKS), content_length(CHUNK * CHUNKS))
    exchange.run(BodySizeLimit(downstream))

    assert exchange.status == 413
    assert exchange.delivered == 0
    assert downstream.calls == 0
    assert exchange.headers[b"content-type"] == b"application/json"
    assert exchange.headers[b"x-request-id"]
    assert json.loads(exchange.body) == TOO_LARGE


def test_a_chunked_body_is_cut_off_as_soon_as_it_passes_the_limit():
    downstream = ReadingApp()

    exchange = Exchange("/api/auth/login/", body_of(CHUNK * CHUNKS), CHUNKED)
    exchange.run(BodySizeLimit(downstream))

    assert exchange.status == 413
    # 3 chunks (12 kB) pass 10 kB: the other 97 are never asked for.
    assert exchange.delivered_when_answered == exchange.delivered == 3
    assert downstream.calls == 1 and not downstream.answered
    assert json.loads(exchange.body) == TOO_LARGE


def test_a_body_that_lies_about_its_length_is_counted_too():
    downstream = ReadingApp()

    exchange = Exchange("/api/auth/login/", body_of(CHUNK * CHUNKS), content_length(100))
    exchange.run(BodySizeLimit(downstream))

    assert exchange.status == 413
    assert exchange.delivered == 3
    assert not downstream.answered


@pytest.mark.parametrize("headers", [content_length(LIMIT), CHUNKED], ids=["content-length", "chunked"])
def test_a_body_within_the_limit_passes_through_unchanged(headers):
    downstream = ReadingApp()
    chunks = [b"a" * CHUNK, b"b" * CHUNK, b"c" * (LIMIT - 2 * CHUNK)]

    exchange = Exchange("/api/auth/login/", chunks, headers)
    exchange.run(BodySizeLimit(downstream))

    assert exchange.status == 201
    assert exchange.body == b"".join(chunks)
    assert downstream.scope == exchange.scope


@pytest.mark.parametrize(("path", "allowed"), [
    ("/api/products/1/upload_images/", LIMIT),
    ("/admin/products/productimage/add/", LIMIT),
    ("/static/anything.css", 1_000),
    ("/", 1_000),
])
def test_each_path_has_its_limit(path, allowed):
    just_right = Exchange(path, body_of(allowed), CHUNKED).run(BodySizeLimit(ReadingApp()))
    one_more = Exchange(path, body_of(allowed + 1), CHUNKED).run(BodySizeLimit(ReadingApp()))

    assert just_right.status == 201
    assert one_more.status == 413
    assert json.loads(one_more.body)["details"] == {"max_bytes": allowed}


def test_under_a_path_prefix_the_limit_is_the_path_s_own():
    exchange = Exchange("/shop/api/products/1/upload_images/", body_of(LIMIT), CHUNKED)
    exchange.scope["root_path"] = "/shop"

    assert exchange.run(BodySizeLimit(ReadingApp())).status == 201


def test_other_protocols_pass_straight_through():
    seen = []

    async def downstream(scope, receive, send):
        seen.append(scope["type"])

    async_to_sync(BodySizeLimit(downstream))({"type": "lifespan"}, None, None)

    assert seen == ["lifespan"]


@pytest.mark.parametrize("headers", [content_length(CHUNK * CHUNKS), CHUNKED], ids=["content-length", "chunked"])
def test_the_real_application_refuses_with_the_headers_of_any_other_response(headers):
    """Through sellflow.asgi: the browser SPA can read the 413 (CORS), logs can find it (request id)."""
    origin = [(b"origin", b"http://localhost:3000"), (b"x-request-id", b"client-chosen-id-0001")]

    exchange = Exchange("/api/auth/login/", body_of(CHUNK * CHUNKS), headers + origin).run(application)

    assert exchange.status == 413
    assert exchange.delivered_when_answered <= 3
    assert exchange.headers[b"access-control-allow-origin"] == b"http://localhost:3000"
    assert exchange.headers[b"x-request-id"] == b"client-chosen-id-0001"
    assert exchange.headers[b"x-content-type-options"] == b"nosniff"
    assert json.loads(exchange.body) == TOO_LARGE


def test_the_real_application_serves_a_body_within_the_limit():
    chunks = [b'{"email": "nobody@example.com",', b' "password": "not-the-password"}']

    exchange = Exchange("/api/auth/login/", chunks, content_length(sum(map(len, chunks)))).run(application)

    assert exchange.status == 401, exchange.body
    assert json.loads(exchange.body)["code"] == "invalid_credentials"
