"""The app under its production server (gunicorn.conf.py: gunicorn with two uvicorn worker
processes here), started as the web container starts it, on a Unix socket (no port to collide on).

On any run: HTTP and the WebSocket handshake work, the ASGI lifespan is answered, a body past the
limit gets the JSON 413, and the only access log line is the project's own. On the PostgreSQL and
Redis run, the server shares the test database and Redis: a socket held by one worker receives
notifications made by another request and by another process, through the Redis channel layer.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import connection

from accounts.services import tokens_for_user
from notifications.services import notify
from tests.accounts.factories import UserFactory

PROJECT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
LIMIT = 100_000
FCM_TOKEN = "device-token-0123456789:abcdefghijklmnopqrstuvwxyz"


def server_command(bind: str) -> list[str]:
    """The Dockerfile's CMD, bound elsewhere, with two workers (WEB_CONCURRENCY) in its env."""
    return [str(GUNICORN), "--config", "gunicorn.conf.py", "--bind", bind, "sellflow.asgi:application"]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))}
    return env | {"DJANGO_SETTINGS_MODULE": "sellflow.settings", "DJANGO_ENV_FILE": "/nonexistent/.env",
                  "WEB_CONCURRENCY": "2", "LOG_LEVEL": "INFO", **extra}


def start(socket_path: Path, log_path: Path, env: dict[str, str]) -> subprocess.Popen:
    log = open(log_path, "wb")  # noqa: SIM115 (the server writes to it until it stops)
    process = subprocess.Popen(server_command(f"unix:{socket_path}"), cwd=PROJECT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + 60
    while not all_workers_started(log_path):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            pytest.fail(f"the production server did not start:\n{log_path.read_text()}")
        time.sleep(0.2)  # waiting for other processes to listen; no clock to fake
    return process


def all_workers_started(log_path: Path) -> bool:
    return log_path.read_text().count("Application startup complete.") == 2


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def session_on(socket_path: Path) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(base_url="http://localhost", connector=aiohttp.UnixConnector(path=str(socket_path)),
                                 timeout=aiohttp.ClientTimeout(total=20))


# --- Any run: the embedded default ----------------------------------------------------------------

@pytest.fixture(scope="module")
def embedded_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gunicorn")
    env = clean_env(DJANGO_SECRET_KEY_FILE=str(folder / ".secret_key"), API_MAX_BODY_BYTES=str(LIMIT))
    process = start(folder / "http.sock", folder / "server.log", env)
    try:
        yield folder
    finally:
        stop(process)


async def chunks(piece: bytes, count: int):
    for _ in range(count):
        yield piece


def test_http_websockets_and_the_body_limit_under_the_production_server(embedded_server):
    async def scenario():
        async with session_on(embedded_server / "http.sock") as session:
            async with session.get("/api/health/") as response:
                health = response.status, response.headers["Content-Type"], await response.json()
            async with session.post("/api/auth/login/", data=chunks(b"x" * 10_000, 30),
                                    headers={"Content-Type": "application/json"}) as response:
                too_large = response.status, await response.json()
            async with session.ws_connect("/ws/notifications/?token=not-a-token") as socket:
                await socket.receive(timeout=10)
                refused = socket.close_code
        return health, too_large, refused

    health, too_large, refused = asyncio.run(scenario())

    assert health[:2] == (200, "application/json")
    assert health[2]["status"] == "ok"
    # Streamed to the app (uvicorn buffers no body): the wrapper cuts it off at the limit.
    assert too_large == (413, {"error": "The request body is too large.", "code": "too_large",
                               "details": {"max_bytes": LIMIT}})
    assert refused == 4401  # the app's answer to a bad token, over a real WebSocket


def test_the_server_logs_one_access_line_per_request_no_token_and_no_error(embedded_server):
    async def scenario():
        async with session_on(embedded_server / "http.sock") as session:
            async with session.get("/api/health/?marker=one-line") as response:
                request_id = response.headers["X-Request-ID"]
            async with session.ws_connect("/ws/notifications/?token=secret-looking-token") as socket:
                await socket.receive(timeout=10)
        return request_id

    request_id = asyncio.run(scenario())
    log = (embedded_server / "server.log").read_text()

    lines = [line for line in log.splitlines() if "marker=one-line" in line]
    assert len(lines) == 1, lines  # no second line from uvicorn or gunicorn
    assert "sellflow.access" in lines[0] and f"[{request_id}]" in lines[0]
    assert "secret-looking-token" not in log  # uvicorn's line per WebSocket would show it
    assert "lifespan" not in log.lower()  # the lifespan protocol is answered, not "unsupported"
    assert "Traceback" not in log and "[ERROR]" not in log


# --- The PostgreSQL and Redis run: the channel layer across processes ------------------------------

def database_url(database: dict) -> str:
    """This run's test database (pytest-django's, once created) as a DATABASE_URL."""
    user, password = quote(database["USER"] or "", safe=""), quote(database["PASSWORD"] or "", safe="")
    return (f"postgres://{user}:{password}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/"
            f"{quote(database['NAME'], safe='')}")


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory, django_db_setup):
    """The server on this run's test database and Redis, with this process's keys (so a
    notification made here reaches the server's sockets)."""
    layer = settings.CHANNEL_LAYERS["default"]
    if connection.vendor != "postgresql" or "RedisChannelLayer" not in layer["BACKEND"]:
        pytest.skip("needs the PostgreSQL and Redis run: the server shares its database and channel layer")
    folder = tmp_path_factory.mktemp("gunicorn")
    env = clean_env(
        DATABASE_URL=database_url(connection.settings_dict),
        REDIS_URL=layer["CONFIG"]["hosts"][0]["address"],
        CACHE_KEY_PREFIX=layer["CONFIG"]["prefix"].removesuffix(":asgi"),
        DJANGO_SECRET_KEY=settings.SECRET_KEY, JWT_SIGNING_KEY=settings.SIMPLE_JWT["SIGNING_KEY"],
        FIELD_ENCRYPTION_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
        CELERY_TASK_ALWAYS_EAGER="true",
    )
    process = start(folder / "http.sock", folder / "server.log", env)
    try:
        yield folder
    finally:
        stop(process)


@pytest.mark.django_db(transaction=True)
def test_a_socket_receives_notifications_made_by_another_request_and_another_process(shared_server):
    owner, newcomer = UserFactory(), UserFactory()
    owner_token, newcomer_token = tokens_for_user(owner)["access"], tokens_for_user(newcomer)["access"]

    async def post_device(session, token):
        async with session.post("/api/notifications/devices/", json={"platform": "android", "token": FCM_TOKEN},
                                headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status == 201, await response.text()

    async def next_notification(socket):
        while (frame := json.loads((await socket.receive(timeout=10)).data))["type"] != "notification":
            pass
        return frame["notification"]["title"]

    async def scenario():
        async with session_on(shared_server / "http.sock") as session:
            await post_device(session, owner_token)
            async with session.ws_connect(f"/ws/notifications/?token={owner_token}") as socket:
                assert json.loads((await socket.receive(timeout=10)).data)["type"] == "unread_count"
                # Another user's request (on any worker) takes the device over: the owner is told.
                await post_device(session, newcomer_token)
                by_request = await next_notification(socket)
                # This test process is none of the server's: only Redis carries this one.
                await sync_to_async(notify)(user=owner, type="system", title="From another process")
                by_process = await next_notification(socket)
        return by_request, by_process

    by_request, by_process = async_to_sync(scenario)()

    assert by_request == "A device of yours was registered to another account"
    assert by_process == "From another process"


def test_the_server_reads_no_websocket_message_past_the_chat_frame_limit():
    from sellflow.workers import SellflowUvicornWorker

    config = {}
    exec(compile((PROJECT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), config)
    assert config["worker_class"] == "sellflow.workers.SellflowUvicornWorker"
    assert SellflowUvicornWorker.CONFIG_KWARGS["ws_max_size"] == settings.CHAT_SOCKET_MAX_FRAME_BYTES
