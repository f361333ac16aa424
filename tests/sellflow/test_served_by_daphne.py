"""The app under its real server, daphne, as `make run` and the web container start it: what
the server does before the app is called must not answer for it."""

import http.client
import io
import json
import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import pytest

PROJECT = Path(__file__).resolve().parents[2]
LIMIT = 100_000  # API paths
FORM_LIMIT = 50_000  # any other path
THROTTLED_HERE = ["ANON", "USER", "LOGIN_IP", "LOGIN_FAILED", "REGISTER_IP", "REGISTER_EMAIL", "PASSWORD_RESET_IP",
                  "PASSWORD_RESET_CONFIRM_IP", "GOOGLE_IP", "OTP_IP", "OTP_EMAIL", "UPLOAD", "UPLOAD_IP"]


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str):
        super().__init__("localhost", timeout=20)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


class Server(NamedTuple):
    socket_path: str
    pid: int


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """daphne on a Unix socket (no port to collide on), on the embedded default."""
    socket_path = str(tmp_path_factory.mktemp("daphne") / "http.sock")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))}
    env |= {"DJANGO_SETTINGS_MODULE": "sellflow.settings", "DJANGO_ENV_FILE": "/nonexistent/.env",
            "API_MAX_BODY_BYTES": str(LIMIT), "DATA_UPLOAD_MAX_MEMORY_SIZE": str(FORM_LIMIT)}
    # Throttles are tested on their own: here a few hundred requests must get to the views.
    env |= {f"THROTTLE_{name}_RATE": "100000/minute" for name in THROTTLED_HERE}
    process = subprocess.Popen([sys.executable, "-m", "daphne", "-u", socket_path, "sellflow.asgi:application"],
                               cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not _answers(socket_path):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"daphne did not start: {process.stderr.read().decode() if process.poll() else ''}")
            time.sleep(0.2)  # waiting for another process to listen; no clock to fake
        yield Server(socket_path, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=20)


def _answers(socket_path: str) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.connect(socket_path)
        return True
    except OSError:
        return False


def post(server, path: str, body, headers: dict[str, str]):
    connection = UnixHTTPConnection(server.socket_path)
    try:
        connection.request("POST", path, body=body, headers=headers, encode_chunked=not isinstance(body, bytes))
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary=xyz"])
@pytest.mark.parametrize("body", [b"garbage", b"--xyz\r\nContent-Disposition: form-data\r\n\r\n\r\n--xyz"])
def test_a_malformed_multipart_body_is_answered_by_the_app_in_json(server, content_type, body):
    status, headers, content = post(server, "/api/auth/login/", body, {"Content-Type": content_type})

    # The app's own answer (login takes no files), where the server used to answer an empty 400.
    assert status == 415
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Request-ID"]
    assert set(json.loads(content)) == {"error", "code", "details"}


# Issue 12: from outside, these answered an empty or malformed multipart, form or JSON body with a
# 400 without a body or a content type (Twisted parsed the form itself). Each is the app's answer now.
AUTH_POSTS = ["register", "login", "logout", "google", "token/refresh", "token/verify", "avatar",
              "password/reset", "password/reset/confirm", "otp/request", "otp/verify"]
BAD_BODIES = [
    ("multipart/form-data; boundary=xyz", b""),
    ("multipart/form-data; boundary=xyz", b"--xyz--\r\n"),
    ("multipart/form-data; boundary=xyz", b"--xyz\r\nContent-Disposition: form-data\r\n\r\n\r\n--xyz"),
    ("multipart/form-data", b"garbage"),
    ("application/x-www-form-urlencoded", b"%zz=%ff&&="),
    ("application/json", b""),
    ("application/json", b"{not json"),
]


@pytest.mark.parametrize("path", AUTH_POSTS)
@pytest.mark.parametrize(("content_type", "body"), BAD_BODIES)
def test_an_empty_or_malformed_body_is_answered_in_the_error_shape(server, path, content_type, body):
    status, headers, content = post(server, f"/api/auth/{path}/", body, {"Content-Type": content_type})

    assert 400 <= status < 500
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Request-ID"]
    error = json.loads(content)
    assert set(error) == {"error", "code", "details"}
    assert error["error"] and error["code"]


def test_an_oversized_chunked_body_is_refused_in_json(server):
    status, headers, content = post(server, "/api/auth/login/", iter([b"x" * 10_000] * 30),
                                    {"Content-Type": "application/json"})

    assert status == 413
    assert headers["Content-Type"] == "application/json"
    assert json.loads(content) == {"error": "The request body is too large.", "code": "too_large",
                                   "details": {"max_bytes": LIMIT}}


# An oversized body is refused as it arrives: the 413 comes while most of it is still unsent, and
# daphne keeps no copy of it. Before, Twisted read all of it (to a temporary file) first.

ANNOUNCED = 1024 ** 3  # 1 GB, of which at most MOST_SENT is ever offered
MOST_SENT = 8 * 1024 * 1024
PIECE = b"x" * 65_536
TOO_LARGE = {"error": "The request body is too large.", "code": "too_large", "details": {"max_bytes": LIMIT}}


def open_request(server, head: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(server.socket_path)
    sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
    return sock


def send_until_answered(sock: socket.socket, piece: bytes) -> int:
    """Offers the body piece by piece until the server answers, stops reading (nothing can be
    sent for a second) or closes, or MOST_SENT bytes went; returns the bytes sent."""
    sent = 0
    sock.setblocking(False)
    while sent < MOST_SENT:
        readable, writable, _ = select.select([sock], [sock], [], 1.0)
        if readable or not writable:
            break
        try:
            sent += sock.send(piece)
        except (BlockingIOError, InterruptedError):
            continue
        except (BrokenPipeError, ConnectionResetError):
            break
    sock.setblocking(True)
    return sent


class Recorded:
    """What a server said, as a socket that http.client can parse."""

    def __init__(self, data: bytes):
        self.data = data

    def makefile(self, mode):
        return io.BytesIO(self.data)


def read_answer(sock: socket.socket) -> tuple[bytes, http.client.HTTPMessage, bytes]:
    """Everything the server says until it ends the stream: its first line, headers and body."""
    sock.settimeout(5)
    received = b""
    while piece := sock.recv(65_536):
        received += piece
    response = http.client.HTTPResponse(Recorded(received), method="POST")
    response.begin()
    return received.split(b"\r\n", 1)[0], response.headers, response.read()


def largest_temporary_file(pid: int) -> int:
    """The size of the largest deleted (temporary) file the process holds open."""
    largest = 0
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(descriptor).endswith("(deleted)"):
                largest = max(largest, descriptor.stat().st_size)
        except OSError:
            continue  # closed meanwhile
    return largest


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads the server's open files in /proc")
@pytest.mark.parametrize(("head", "piece"), [
    (f"POST /api/auth/login/ HTTP/1.1\nHost: localhost\nContent-Type: application/json\n"
     f"Content-Length: {ANNOUNCED}\n", PIECE),
    ("POST /api/auth/login/ HTTP/1.1\nHost: localhost\nContent-Type: application/json\n"
     "Transfer-Encoding: chunked\n", chunk(PIECE)),
], ids=["content-length", "chunked"])
def test_an_oversized_body_is_refused_while_most_of_it_is_unsent(server, head, piece):
    sock = open_request(server, head)
    try:
        sent = send_until_answered(sock, piece)
        kept = largest_temporary_file(server.pid)
        status, headers, body = read_answer(sock)
    finally:
        sock.close()

    assert status == b"HTTP/1.1 413 Request Entity Too Large"
    assert headers["Content-Type"] == "application/json"
    assert headers["Connection"] == "close"
    assert headers["X-Request-ID"]
    assert json.loads(body) == TOO_LARGE
    # What went before the answer: the limit, what the socket's buffers hold, and no more.
    assert sent < MOST_SENT / 2
    assert kept <= LIMIT


def test_a_body_announced_as_too_large_is_refused_without_inviting_it(server):
    sock = open_request(server, f"POST /api/auth/login/ HTTP/1.1\nHost: localhost\nContent-Length: {ANNOUNCED}\n"
                                "Expect: 100-continue\nOrigin: http://localhost:3000\n")
    try:
        status, headers, body = read_answer(sock)  # no byte of the body sent
    finally:
        sock.close()

    assert status == b"HTTP/1.1 413 Request Entity Too Large"  # not "100 Continue"
    assert headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert json.loads(body) == TOO_LARGE


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
@pytest.mark.parametrize(("path", "status"), [
    # Within the API's limit (an upload's size): the app reads it, and finds no login in it (415 for
    # a multipart body login does not take; 400 for a chunked one, which DRF reads as empty).
    ("/api/auth/login/", None),
    ("/", 413),  # past the limit of any other path
])
def test_each_path_has_its_limit_before_the_body_is_read(server, path, status, framing):
    body = (b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n'
            + b"x" * ((FORM_LIMIT + LIMIT) // 2) + b"\r\n--xyz--\r\n")
    length = f"Content-Length: {len(body)}" if framing == "content-length" else "Transfer-Encoding: chunked"
    sock = open_request(server, f"POST {path} HTTP/1.1\nHost: localhost\n"
                                f"Content-Type: multipart/form-data; boundary=xyz\n{length}\n")
    try:
        sock.sendall(body if framing == "content-length" else chunk(body) + b"0\r\n\r\n")
        answer, headers, content = read_answer(sock) if status == 413 else _read_one(sock)
    finally:
        sock.close()

    if status is None:
        assert answer.split(b" ")[1] in {b"400", b"415"}, content
    else:
        assert answer.split(b" ")[1] == str(status).encode(), content
    assert set(json.loads(content)) == {"error", "code", "details"}
    if status == 413:
        assert json.loads(content)["details"] == {"max_bytes": FORM_LIMIT}


def _read_one(sock: socket.socket) -> tuple[bytes, http.client.HTTPMessage, bytes]:
    response = http.client.HTTPResponse(sock, method="POST")
    response.begin()
    return f"HTTP/1.1 {response.status}".encode(), response.headers, response.read()


@pytest.mark.parametrize("head", [
    "POST /api/auth/login/ HTTP/1.1\nHost: localhost\nContent-Length: abc\n",
    "POST /api/auth/login/ HTTP/1.1\nHost: localhost\nContent-Length: 5\nContent-Length: 6\n",
    "POST /api/auth/login/ HTTP/1.1\nHost: localhost\nTransfer-Encoding: chunked\n\nzz\n",
    "NOT A REQUEST LINE\n",
    "GET /api/health/?" + "a" * 20_000 + " HTTP/1.1\nHost: localhost\n",
    "GET /api/health/ HTTP/1.1\nHost: localhost\nX-Long: " + "a" * 20_000 + "\n",
], ids=["length not a number", "two lengths", "bad chunk size", "bad request line", "request line too long",
        "header line too long"])
def test_a_request_the_server_cannot_parse_is_answered_in_json(server, head):
    sock = open_request(server, head)
    try:
        status, headers, body = read_answer(sock)
    finally:
        sock.close()

    assert status == b"HTTP/1.1 400 Bad Request"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"error": "The request is not valid HTTP.", "code": "bad_request", "details": {}}
