import logging

import pytest

pytestmark = pytest.mark.django_db


def test_every_response_has_a_request_id(api_client):
    first = api_client.get("/api/health/")
    second = api_client.get("/api/does-not-exist/")

    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_sane_incoming_id_is_kept(api_client):
    response = api_client.get("/api/health/", HTTP_X_REQUEST_ID="edge-7f3a9c21-42")

    assert response["X-Request-ID"] == "edge-7f3a9c21-42"


@pytest.mark.parametrize("incoming", ["short", "has spaces in it!", "x" * 65, "line\nbreak-1234567"])
def test_unsafe_incoming_ids_are_replaced(api_client, incoming):
    response = api_client.get("/api/health/", HTTP_X_REQUEST_ID=incoming)

    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


def test_the_access_log_line_carries_the_id(api_client, caplog):
    with caplog.at_level(logging.INFO, logger="sellflow.access"):
        response = api_client.get("/api/health/")

    lines = [r for r in caplog.records if r.name == "sellflow.access"]
    assert len(lines) == 1
    assert lines[0].request_id == response["X-Request-ID"]
    assert "GET /api/health/ 200" in lines[0].getMessage()


def test_cors_exposes_the_list_and_id_headers(api_client):
    response = api_client.get("/api/health/", HTTP_ORIGIN="http://localhost:3000")

    assert response["Access-Control-Allow-Origin"] == "http://localhost:3000"
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"x-total-count", "link", "x-request-id", "retry-after"} <= exposed


def test_an_eager_task_keeps_the_requests_id(api_client, caplog, django_capture_on_commit_callbacks):
    from tests.accounts.factories import UserFactory

    UserFactory(email="ama@example.com")
    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True):
        response = api_client.post("/api/auth/password/reset/", {"email": "ama@example.com"}, format="json")

    task_lines = [r for r in caplog.records if r.name == "celery.app.trace"]
    access_lines = [r for r in caplog.records if r.name == "sellflow.access"]
    assert task_lines and access_lines
    assert {r.request_id for r in task_lines + access_lines} == {response["X-Request-ID"]}
