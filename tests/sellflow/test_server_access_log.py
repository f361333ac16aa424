"""The served app writes one access line per request, the project's (sellflow.access, through the
redaction): daphne's own line goes to stdout past the logging config, with a payment link's token
in its path, so every daphne the project starts (`make run`, the API conformance run) sends it
nowhere, and gunicorn (the web container) writes none."""

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
DAPHNE_COMMANDS = {"Makefile": PROJECT / "Makefile", ".ci/api-conformance": PROJECT / ".ci" / "api-conformance"}
TOKEN = "MTIz:1vQkXb:secret-looking-token-value"


def daphne_arguments(path: Path) -> list[list[str]]:
    """The arguments of each daphne command in a Makefile or script, after the program's name."""
    commands = []
    for line in path.read_text().splitlines():
        found = re.search(r"\S*/daphne (.*sellflow\.asgi:application)", line)
        if found:
            commands.append(shlex.split(found.group(1)))
    return commands


@pytest.mark.parametrize("name", DAPHNE_COMMANDS)
def test_every_daphne_the_project_starts_writes_no_access_log_of_its_own(name):
    commands = daphne_arguments(DAPHNE_COMMANDS[name])

    assert commands, f"no daphne command found in {name}"
    for arguments in commands:
        assert arguments[arguments.index("--access-log") + 1] == "/dev/null", arguments


def test_gunicorn_writes_no_access_log_of_its_own():
    config: dict = {}
    exec(compile((PROJECT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), config)

    assert config["accesslog"] is None


def served_as_make_run(socket_path: str) -> subprocess.Popen:
    """daphne with `make run`'s arguments, on a Unix socket instead of its host and port."""
    (arguments,) = daphne_arguments(DAPHNE_COMMANDS["Makefile"])
    for flag in ("-b", "-p"):
        at = arguments.index(flag)
        del arguments[at:at + 2]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))}
    env |= {"DJANGO_SETTINGS_MODULE": "sellflow.settings", "DJANGO_ENV_FILE": "/nonexistent/.env",
            "DJANGO_DEBUG": "1"}
    return subprocess.Popen([sys.executable, "-m", "daphne", "-u", socket_path, *arguments], cwd=PROJECT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def get(socket_path: str, path: str) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(20)
        client.connect(socket_path)
        client.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    return answer


def test_make_runs_server_logs_a_payment_link_request_without_its_token(tmp_path):
    socket_path = str(tmp_path / "http.sock")
    server = served_as_make_run(socket_path)
    try:
        deadline = time.monotonic() + 60
        while not os.path.exists(socket_path):
            assert server.poll() is None and time.monotonic() < deadline, "daphne did not start"
            time.sleep(0.2)  # waiting for another process to listen; no clock to fake
        answer = get(socket_path, f"/api/chat/pay/{TOKEN}/")
    finally:
        server.terminate()
        stdout, stderr = server.communicate(timeout=20)

    assert answer.startswith(b"HTTP/1.1 404")
    assert TOKEN.encode() not in stdout + stderr
    assert stdout == b""  # daphne's own access line went nowhere
    assert b"sellflow.access" in stderr and b"GET /api/chat/pay/[redacted]" in stderr
