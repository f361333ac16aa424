"""A database pool with no free connection is a 503 to retry, not a 500, wherever in HTTP the
request waited for one: a DRF view, a plain Django view, a middleware, the admin. Logged as a
warning, never as an error with a traceback."""

import json
import logging
import threading

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from sellflow.asgi import application
from sellflow.middleware import DocumentedAllowMiddleware
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.sellflow.test_body_limit import Exchange
from tests.sellflow.test_http_handler import in_process_requests  # noqa: F401  (a fixture)
from tests.sellflow.urls import raise_pool_timeout

pytestmark = pytest.mark.django_db

# The admin reads the session (from the database) to know who asks.
SESSION_COOKIE = b"sessionid=" + b"a" * 32
BUSY = {"error": "The service is busy; try again in a moment.", "code": "unavailable", "details": {}}


def logged(caplog) -> list[tuple[str, str, bool]]:
    """(logger, level, with a traceback) of every record but the access log line."""
    return [(r.name, r.levelname, bool(r.exc_info)) for r in caplog.records if r.name != "sellflow.access"]


def get(path: str, *, cookie: bytes = b"") -> Exchange:
    """A GET through the ASGI application, as the production server sends it."""
    request = Exchange(path, [b""], [(b"cookie", cookie)] if cookie else [])
    request.scope["method"] = "GET"
    return request.run(application)


@pytest.mark.urls("tests.sellflow.urls")
@pytest.mark.parametrize("path", ["/api/test/pool-exhausted/", "/api/test/pool-exhausted-django/"],
                         ids=["drf-view", "plain-django-view"])
def test_a_view_that_waited_in_vain_is_a_503_to_retry_logged_as_a_warning(path, caplog):
    client = authenticated_client(UserFactory())
    client.raise_request_exception = False  # a plain view's exception reaches handler500, as served

    with caplog.at_level(logging.INFO):
        response = client.get(path)

    assert response.status_code == 503 and response["Retry-After"] == "1"
    assert response.json() == BUSY and response["X-Request-ID"]
    # The same lines from either path: the warning, and Django's line for any 503 (no traceback).
    assert logged(caplog) == [("sellflow.errors", "WARNING", False), ("django.request", "ERROR", False)]
    assert caplog.records[0].getMessage() == f"Database pool exhausted: GET {path}"


@pytest.mark.usefixtures("in_process_requests")
def test_a_middleware_that_waited_in_vain_is_a_503_to_retry(monkeypatch, caplog):
    monkeypatch.setattr(DocumentedAllowMiddleware, "__call__", raise_pool_timeout)

    with caplog.at_level(logging.INFO):
        served = get("/api/health/")

    assert served.status == 503 and served.headers[b"retry-after"] == b"1"
    assert served.headers[b"content-type"] == b"application/json" and served.headers[b"x-request-id"]
    assert json.loads(served.body) == BUSY
    assert logged(caplog) == [("sellflow.errors", "WARNING", False), ("django.request", "ERROR", False)]


@pytest.mark.usefixtures("in_process_requests")
def test_a_page_whose_session_waited_in_vain_is_a_503_page_to_retry_after_one_wait(monkeypatch, caplog):
    monkeypatch.setattr(SessionStore, "load", raise_pool_timeout)

    with caplog.at_level(logging.INFO):
        served = get("/admin/", cookie=SESSION_COOKIE)

    # Pages (the admin) answer their errors in HTML, as their 404s and 500s do.
    assert served.status == 503 and served.headers[b"retry-after"] == b"1"
    assert served.headers[b"content-type"].startswith(b"text/html") and b"Service Unavailable" in served.body
    # One wait only: the access log line does not read the session again for the user's id.
    assert logged(caplog) == [("sellflow.errors", "WARNING", False), ("django.request", "ERROR", False)]
    assert served.headers[b"x-request-id"] and "GET /admin/ 503" in caplog.text


@pytest.fixture
def exhausted_pool(monkeypatch):
    """The process's pool swapped for one of a single connection, which the test holds: any
    other thread waits 0.3 s for it, then psycopg_pool raises PoolTimeout."""
    from psycopg_pool import ConnectionPool

    params = connection.get_connection_params() | {"autocommit": True}
    pool = ConnectionPool(kwargs=params, min_size=1, max_size=1, timeout=0.3, open=True)
    held = pool.getconn()
    monkeypatch.setitem(connection._connection_pools, connection.alias, pool)
    try:
        yield pool
    finally:
        pool.putconn(held)
        pool.close()


def in_another_thread(function):
    """As the server's sync thread: a thread of its own, hence a connection of its own."""
    result = []
    thread = threading.Thread(target=lambda: result.append(function()))
    thread.start()
    thread.join(timeout=30)
    return result[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool is PostgreSQL's")
@pytest.mark.parametrize(("path", "content_type"), [("/api/products/public/list/", b"application/json"),
                                                    ("/admin/", b"text/html")], ids=["api", "admin"])
def test_a_real_exhausted_pool_is_a_503_to_retry(exhausted_pool, path, content_type, caplog):
    with caplog.at_level(logging.INFO):
        served = in_another_thread(lambda: get(path, cookie=SESSION_COOKIE))

    assert served.status == 503 and served.headers[b"retry-after"] == b"1"
    assert served.headers[b"content-type"].startswith(content_type) and served.headers[b"x-request-id"]
    if content_type == b"application/json":
        assert json.loads(served.body) == BUSY
    assert logged(caplog) == [("sellflow.errors", "WARNING", False), ("django.request", "ERROR", False)]
