"""The conventions' error shape from every path an error can take."""

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client

pytestmark = pytest.mark.django_db

SHAPE = {"error", "code", "details"}


def test_unknown_api_path_is_a_json_404(api_client):
    response = api_client.get("/api/does-not-exist/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "Not found.", "code": "not_found", "details": {}}


def test_unknown_api_path_is_json_even_with_debug_on(api_client, settings):
    settings.DEBUG = True

    response = api_client.post("/api/nothing/here/", {"a": 1}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unknown_api_path_is_a_json_404_for_every_method(method):
    client = APIClient(enforce_csrf_checks=True)

    response = getattr(client, method)("/api/products/not-an-id/", {"a": 1}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_method_not_allowed(seller_client):
    response = seller_client.delete("/api/auth/user/me/")

    assert response.status_code == 405
    assert set(response.json()) == SHAPE
    assert response.json()["code"] == "method_not_allowed"


def test_malformed_json(seller_client):
    response = seller_client.patch("/api/auth/profile/", data='{"city": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_oversized_body_is_413_before_any_view_reads_it(api_client, settings):
    settings.API_MAX_BODY_BYTES = 1000

    response = api_client.post(
        "/api/auth/login/", {"email": "a@example.com", "password": "x" * 2000}, format="json",
        HTTP_ORIGIN="http://localhost:3000",
    )

    assert response.status_code == 413
    assert response["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert response["X-Request-ID"]
    assert response.json()["code"] == "too_large"
    assert response.json()["details"] == {"max_bytes": 1000}


@pytest.mark.parametrize("body, content_type", [
    ('{"email": "a@example.com", "password": "%s"}' % ("x" * 2000), "application/json"),
    ("email=a%40example.com&password=" + "x" * 2000, "application/x-www-form-urlencoded"),
], ids=["json", "form"])
def test_a_body_past_what_django_reads_into_memory_is_a_413_with_its_limit(api_client, settings, body, content_type):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000  # within API_MAX_BODY_BYTES: Django's own limit answers

    response = api_client.post("/api/auth/login/", data=body, content_type=content_type)

    assert response.status_code == 413
    assert response.json() == {"error": "The request body is too large.", "code": "too_large",
                               "details": {"max_bytes": 1000}}


def test_too_many_form_fields_is_a_400_not_a_500(api_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    fields = "&".join(f"field{n}=x" for n in range(60))

    response = api_client.post("/api/auth/login/", data=fields, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_too_many_files_is_a_400_not_a_500(seller_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    files = {f"avatar{n}": SimpleUploadedFile(f"{n}.png", b"x") for n in range(3)}

    response = seller_client.post("/api/auth/avatar/", files, format="multipart")

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_validation_errors_map_fields_to_lists(api_client):
    response = api_client.post("/api/auth/login/", {"email": "nope"}, format="json")

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "invalid"
    assert body["error"].startswith("The submitted data is not valid")
    assert body["details"] == {
        "email": ["Enter a valid email address."],
        "password": ["This field is required."],
    }


def test_non_json_accept_header_still_gets_json(seller_client):
    response = seller_client.get("/api/auth/user/me/", HTTP_ACCEPT="text/html")

    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"


@pytest.mark.urls("tests.sellflow.urls")
def test_unhandled_error_in_an_api_view_hides_the_traceback(caplog):
    client = authenticated_client(UserFactory())

    with caplog.at_level(logging.ERROR):
        response = client.get("/api/test/broken/")

    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "Internal server error."
    assert body["code"] == "server_error"
    assert body["details"]["request_id"] == response["X-Request-ID"]
    assert "something deep went wrong" not in response.content.decode()
    logged = [r for r in caplog.records if r.name == "sellflow.errors"]
    assert logged and logged[0].request_id == response["X-Request-ID"]
    assert logged[0].exc_info


@pytest.mark.urls("tests.sellflow.urls")
def test_unhandled_error_in_a_plain_django_view_is_json_too():
    client = APIClient(raise_request_exception=False)

    response = client.get("/api/test/broken-django/")

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert response.json()["details"]["request_id"] == response["X-Request-ID"]


def test_non_api_404_stays_html(api_client):
    response = api_client.get("/no-such-page/")

    assert response.status_code == 404
    assert "application/json" not in response["Content-Type"]
