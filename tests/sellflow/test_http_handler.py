"""HTTP under the ASGI server (sellflow.http_handler): Django's whole request cycle in one hop to
the sync thread. Driven through sellflow.asgi.application with ASGI messages, as uvicorn and
daphne send them, and compared with what the test client answers for the same request."""

import json
from decimal import Decimal

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from accounts.services import tokens_for_user
from sellflow.asgi import application
from tests.accounts.factories import UserFactory
from tests.products.factories import ProductFactory
from tests.sellflow.test_body_limit import Exchange

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_process_requests():
    """As the test client does: the test's transaction stays open across the handler's requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def exchange(method: str, path: str, *, query: bytes = b"", body: bytes = b"", headers=()) -> Exchange:
    request = Exchange(path, [body], [(b"content-length", str(len(body)).encode()), *headers])
    request.scope.update(method=method, query_string=query)
    return request.run(application)


def test_a_json_page_is_what_the_test_client_answers(api_client):
    ProductFactory(name="Handwoven Kente Stole", price=Decimal("149.00"))

    served = exchange("GET", "/api/products/public/list/", query=b"search=kente")

    assert served.status == 200
    assert json.loads(served.body) == api_client.get("/api/products/public/list/", {"search": "kente"}).json()
    assert served.headers[b"content-type"] == b"application/json"
    assert served.headers[b"x-total-count"] == b"1" and served.headers[b"x-request-id"]
    assert len(served.sent) == 2  # the start, then the whole body in one message


def test_a_body_reaches_the_view():
    user = UserFactory(email="ama@example.com", password="Kente-Stole-2026")
    body = json.dumps({"email": "ama@example.com", "password": "Kente-Stole-2026"}).encode()

    served = exchange("POST", "/api/auth/login/", body=body, headers=[(b"content-type", b"application/json")])

    assert served.status == 200, served.body
    answer = json.loads(served.body)
    assert answer["user"]["id"] == user.pk and answer["access"] and answer["refresh"]


def test_a_streamed_response_is_what_the_test_client_answers(api_client):
    seller = UserFactory(account_type="seller")
    for number in range(3):
        ProductFactory(seller=seller, name=f"Stole {number}")
    token = tokens_for_user(seller)["access"]

    served = exchange("GET", "/api/products/export/", headers=[(b"authorization", f"Bearer {token}".encode())])

    # After the exchange: the test client's streamed response reconnects close_old_connections
    # when it closes, which would end the test's transaction on the pooled connection.
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    expected = b"".join(api_client.get("/api/products/export/").streaming_content)

    assert served.status == 200
    assert served.headers[b"content-type"].startswith(b"text/csv")
    assert served.body == expected and b"Stole 2" in served.body
    assert served.sent[-1] == {"type": "http.response.body"}


def test_a_streamed_response_is_read_whole_in_its_one_hop(monkeypatch):
    """Read chunk by chunk in later hops, another request's request_finished could close the
    connection the export still reads from: the whole stream is read before the hop ends, and
    the response is closed (request_finished) once, there."""
    from sellflow import http_handler

    monkeypatch.setattr(http_handler, "STREAM_PIECE_BYTES", 16)
    seller = UserFactory(account_type="seller")
    for number in range(3):
        ProductFactory(seller=seller, name=f"Stole {number}")
    token = tokens_for_user(seller)["access"]
    finished = []

    def count_finish(**kwargs):
        finished.append(len(served_pieces))

    served_pieces = []
    request_finished.connect(count_finish)
    try:
        served = Exchange("/api/products/export/", [b""], [(b"authorization", f"Bearer {token}".encode())])
        served.scope["method"] = "GET"
        original_send = served.send

        async def send(message):
            served_pieces.append(message)
            await original_send(message)

        served.send = send
        served.run(application)
    finally:
        request_finished.disconnect(count_finish)

    assert finished == [0]  # closed before the first message went out
    assert len(served.sent) > 3 and all(len(m.get("body", b"")) <= 16 for m in served.sent[1:])
    assert b"Stole 2" in served.body


def test_a_chunked_body_reaches_the_view_whole():
    UserFactory(email="ama@example.com", password="Kente-Stole-2026")
    body = json.dumps({"email": "ama@example.com", "password": "Kente-Stole-2026"}).encode()
    request = Exchange("/api/auth/login/", [body[:10], body[10:]],
                       [(b"transfer-encoding", b"chunked"), (b"content-type", b"application/json")])

    served = request.run(application)

    assert served.status == 200, served.body
    assert json.loads(served.body)["access"]


def test_header_names_with_underscores_are_dropped():
    from sellflow.http_handler import wsgi_environ

    environ = wsgi_environ({"type": "http", "method": "GET", "path": "/", "headers": [
        (b"x-forwarded-for", b"203.0.113.9"), (b"x_forwarded_for", b"6.6.6.6")]}, body=None)

    assert environ["HTTP_X_FORWARDED_FOR"] == "203.0.113.9"


def test_errors_keep_the_error_shape_and_unicode_paths_resolve():
    served = exchange("GET", "/api/products/public/vendor/ama-é/")

    assert served.status == 404
    assert json.loads(served.body)["code"] == "not_found"


def test_repeated_headers_are_joined_as_djangos_asgi_request_joins_them():
    from sellflow.http_handler import wsgi_environ

    environ = wsgi_environ({"type": "http", "method": "GET", "path": "/café/", "root_path": "", "query_string": b"a=1",
                            "headers": [(b"accept", b"text/html"), (b"accept", b"application/json"),
                                        (b"content-type", b"application/json")],
                            "client": ("203.0.113.9", 4000), "server": ("shop.example", 443), "scheme": "https"},
                           body=None)

    assert environ["HTTP_ACCEPT"] == "text/html,application/json"
    assert environ["CONTENT_TYPE"] == "application/json" and "HTTP_CONTENT_TYPE" not in environ
    assert environ["PATH_INFO"] == "/café/".encode().decode("latin1")
    assert (environ["REMOTE_ADDR"], environ["SERVER_NAME"], environ["wsgi.url_scheme"]) == (
        "203.0.113.9", "shop.example", "https")


def test_each_request_starts_and_finishes_as_under_wsgi():
    """request_finished is what returns the database connection: it must fire for every request."""
    seen = []

    def finished(**kwargs):
        seen.append("finished")

    request_finished.connect(finished)
    try:
        exchange("GET", "/api/products/public/list/")
    finally:
        request_finished.disconnect(finished)

    assert seen == ["finished"]


def test_a_client_gone_before_its_body_ends_gets_nothing():
    request = Exchange("/api/auth/login/", [b"{", b"}"], [(b"content-length", b"2")])
    messages = iter([{"type": "http.request", "body": b"{", "more_body": True}, {"type": "http.disconnect"}])

    async def receive():
        return next(messages)

    request.receive = receive
    request.run(application)

    assert request.sent == []
