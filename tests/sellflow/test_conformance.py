"""What the API answers agrees with what its OpenAPI schema says, through HTTP (issue 12: an outside
schemathesis run with every check found where it did not)."""

import re

import pytest

from tests.conftest import authenticated_client

pytestmark = pytest.mark.django_db

IMPLICIT = {"HEAD", "OPTIONS"}


@pytest.fixture
def schema_paths(api_client) -> dict:
    return api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]


def allowed(response) -> set[str]:
    return {method.strip() for method in response["Allow"].split(",")}


def test_allow_on_the_profile_lists_the_documented_methods_and_the_alias_get_still_answers(seller):
    client = authenticated_client(seller)

    options = client.options("/api/auth/profile/")
    get = client.get("/api/auth/profile/")

    assert options.status_code == 200
    assert options["Allow"] == "PUT, PATCH, OPTIONS"  # it advertised GET, which the schema has under user/me/
    assert get.status_code == 200  # seed 000's alias of GET /api/auth/user/me/ is served all the same
    assert get.json()["email"] == seller.email
    assert client.options("/api/auth/user/me/")["Allow"] == "GET, HEAD, OPTIONS"


def test_a_method_not_allowed_lists_the_documented_methods(seller):
    response = authenticated_client(seller).delete("/api/auth/profile/")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert response["Allow"] == "PUT, PATCH, OPTIONS"


def test_every_documented_path_advertises_exactly_its_documented_methods(seller, schema_paths):
    client = authenticated_client(seller)
    mismatches = {}
    for template, operations in schema_paths.items():
        path = re.sub(r"\{[^}]+\}", "1", template)
        documented = {method.upper() for method in operations if method != "parameters"}
        response = client.options(path)
        if response.has_header("Allow") and allowed(response) - IMPLICIT != documented:
            mismatches[template] = (response["Allow"], sorted(documented))

    assert mismatches == {}


def test_an_alias_path_left_out_of_the_schema_keeps_its_allow(seller):
    response = authenticated_client(seller).options("/api/notifications/1/mark_read/")

    assert allowed(response) == {"POST", "OPTIONS"}


def test_google_sign_in_switched_off_answers_the_503_its_schema_documents(api_client, settings, schema_paths):
    settings.GOOGLE_CLIENT_ID = ""

    response = api_client.post("/api/auth/google/", {"id_token": "x", "account_type": "buyer"}, format="json")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "Google sign-in is not configured on this server.", "code": "unavailable",
                               "details": {}}
    documented = schema_paths["/api/auth/google/"]["post"]["responses"]["503"]
    assert documented["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
