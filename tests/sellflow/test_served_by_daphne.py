"""The app under its real server, daphne, as `make run` and the web container start it: what
the server does before the app is called must not answer for it."""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
LIMIT = 100_000


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str):
        super().__init__("localhost", timeout=20)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """daphne on a Unix socket (no port to collide on), on the embedded default."""
    socket_path = str(tmp_path_factory.mktemp("daphne") / "http.sock")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))}
    env |= {"DJANGO_SETTINGS_MODULE": "sellflow.settings", "DJANGO_ENV_FILE": "/nonexistent/.env",
            "API_MAX_BODY_BYTES": str(LIMIT)}
    process = subprocess.Popen([sys.executable, "-m", "daphne", "-u", socket_path, "sellflow.asgi:application"],
                               cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not _answers(socket_path):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"daphne did not start: {process.stderr.read().decode() if process.poll() else ''}")
            time.sleep(0.2)  # waiting for another process to listen; no clock to fake
        yield socket_path
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
    connection = UnixHTTPConnection(server)
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


def test_an_oversized_chunked_body_is_refused_in_json(server):
    status, headers, content = post(server, "/api/auth/login/", iter([b"x" * 10_000] * 30),
                                    {"Content-Type": "application/json"})

    assert status == 413
    assert headers["Content-Type"] == "application/json"
    assert json.loads(content) == {"error": "The request body is too large.", "code": "too_large",
                                   "details": {"max_bytes": LIMIT}}
