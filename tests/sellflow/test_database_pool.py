"""Pooled PostgreSQL connections (issue 15): each process keeps a pool (Django's, psycopg 3) sized
from the environment, off on SQLite; and under the production server a request gives its
connection back, whether it is answered, waits for a free one or is abandoned by its client."""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection

from tests.sellflow.test_settings import PRODUCTION_ENV, PROJECT, run_python

POOL_PROBE = """
import json, django
django.setup()
from django.conf import settings
database = settings.DATABASES["default"]
print(json.dumps({"pool": database.get("OPTIONS", {}).get("pool"), "conn_max_age": database["CONN_MAX_AGE"]}))
"""


def pool_settings(**env: str) -> dict:
    result = run_python(["-c", POOL_PROBE], {**PRODUCTION_ENV, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_postgresql_gets_a_pool_per_process_without_persistent_connections():
    # One connection per process is what its one database thread uses; three spare.
    assert pool_settings() == {"pool": {"min_size": 1, "max_size": 4, "timeout": 3.0}, "conn_max_age": 0}


def test_the_pool_is_sized_from_the_environment():
    config = pool_settings(DATABASE_POOL_MAX_SIZE="6", DATABASE_POOL_MIN_SIZE="3", DATABASE_POOL_TIMEOUT="2.5")

    assert config["pool"] == {"min_size": 3, "max_size": 6, "timeout": 2.5}
    # A minimum above the maximum is the maximum.
    assert pool_settings(DATABASE_POOL_MAX_SIZE="1")["pool"]["min_size"] == 1


def test_a_pool_size_of_zero_connects_per_request_or_keeps_connections_as_told():
    assert pool_settings(DATABASE_POOL_MAX_SIZE="0") == {"pool": None, "conn_max_age": 0}
    assert pool_settings(DATABASE_POOL_MAX_SIZE="0", DATABASE_CONN_MAX_AGE="60") == {"pool": None, "conn_max_age": 60}


def test_persistent_connections_with_the_pool_refuse_to_start():
    result = run_python(["-c", POOL_PROBE], {**PRODUCTION_ENV, "DATABASE_CONN_MAX_AGE": "60"})

    assert result.returncode != 0
    assert "DATABASE_CONN_MAX_AGE must be 0 with the pool" in result.stderr


def test_sqlite_has_no_pool(tmp_path):
    assert pool_settings(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")["pool"] is None


# --- Under the production server ----------------------------------------------------------------

POOL_SIZE = 2
APPLICATION = "sellflow-pool-test"


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str):
        super().__init__("localhost", timeout=60)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def get(socket_path: str, path: str) -> int:
    client = UnixHTTPConnection(socket_path)
    try:
        client.request("GET", path)
        response = client.getresponse()
        response.read()
        return response.status
    finally:
        client.close()


def abandon(socket_path: str, path: str) -> None:
    """Sends a request and hangs up without waiting for the answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(socket_path)
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())


def server_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [APPLICATION])
        return cursor.fetchone()[0]


@pytest.fixture
def pooled_server(tmp_path):
    """daphne on this run's test database, with a pool of two connections."""
    settings = connection.settings_dict
    user = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    url = f"postgres://{user}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    socket_path = str(tmp_path / "http.sock")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))}
    env |= {"DJANGO_SETTINGS_MODULE": "sellflow.settings", "DJANGO_ENV_FILE": "/nonexistent/.env",
            "DJANGO_SECRET_KEY": os.environ["DJANGO_SECRET_KEY"],
            "DATABASE_URL": f"{url}?application_name={APPLICATION}", "DATABASE_POOL_MAX_SIZE": str(POOL_SIZE),
            "DATABASE_POOL_MIN_SIZE": "1", "DATABASE_POOL_TIMEOUT": "20", "PUBLIC_CATALOG_CACHE_SECONDS": "0",
            "THROTTLE_ANON_RATE": "100000/minute"}
    process = subprocess.Popen([sys.executable, "-m", "daphne", "-u", socket_path, "sellflow.asgi:application"],
                               cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not os.path.exists(socket_path):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"daphne did not start: {process.stderr.read().decode() if process.poll() else ''}")
            time.sleep(0.2)  # waiting for another process to listen; no clock to fake
        yield socket_path
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool is PostgreSQL's")
def test_requests_beyond_the_pool_wait_their_turn_and_every_connection_comes_back(pooled_server):
    burst = 4 * POOL_SIZE
    statuses = []
    threads = [threading.Thread(target=lambda: statuses.append(get(pooled_server, "/api/products/public/list/")))
               for _ in range(burst)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for _ in range(2 * POOL_SIZE):
        abandon(pooled_server, "/api/products/public/list/")

    assert statuses == [200] * burst
    # Leaked connections would be missing from the pool: more requests than it holds still pass.
    assert [get(pooled_server, "/api/products/public/list/") for _ in range(2 * POOL_SIZE)] == [200] * 2 * POOL_SIZE
    # The server kept its connections for the next requests, never more than the pool's size.
    assert 1 <= server_connections() <= POOL_SIZE
