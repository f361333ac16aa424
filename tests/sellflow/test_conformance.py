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


@pytest.mark.parametrize(("data", "content_type"), [
    ({"campaign_notifications": 0}, "json"),
    ({"campaign_notifications": 1}, "json"),
    ({"campaign_notifications": "1"}, "json"),
    ({"campaign_notifications": "yes"}, "json"),
    ({"campaign_notifications": 1.0}, "json"),
    ("campaign_notifications=0", "application/x-www-form-urlencoded"),
    ("campaign_notifications=on", "application/x-www-form-urlencoded"),
])
def test_a_boolean_that_is_not_true_or_false_is_a_400(seller, data, content_type):
    """The schema says `type: boolean`; DRF took 0, 1, "yes", "on"... and answered 200."""
    client = authenticated_client(seller)
    if content_type == "json":
        response = client.patch("/api/notifications/preferences/", data, format="json")
    else:
        response = client.patch("/api/notifications/preferences/", data, content_type=content_type)

    assert response.status_code == 400
    assert response.json() == {"error": "The submitted data is not valid: Must be a valid boolean.", "code": "invalid",
                               "details": {"campaign_notifications": ["Must be a valid boolean."]}}


@pytest.mark.parametrize(("data", "content_type", "expected"), [
    ({"campaign_notifications": False}, "json", False),
    ({"campaign_notifications": True}, "json", True),
    ("campaign_notifications=false", "application/x-www-form-urlencoded", False),
    ("campaign_notifications=true", "application/x-www-form-urlencoded", True),
    ("campaign_notifications=True", "application/x-www-form-urlencoded", True),
])
def test_true_and_false_are_booleans_in_json_and_in_forms(seller, data, content_type, expected):
    client = authenticated_client(seller)
    if content_type == "json":
        response = client.patch("/api/notifications/preferences/", data, format="json")
    else:
        response = client.patch("/api/notifications/preferences/", data, content_type=content_type)

    assert response.status_code == 200, response.content
    assert response.json()["campaign_notifications"] is expected


@pytest.mark.parametrize("amount", [0, 12, 12.5])
def test_money_sent_as_a_json_number_is_refused_and_nothing_changes(seller, amount):
    """Money is a string with its places ("12.50"): a JSON number reaches Python as a float."""
    client = authenticated_client(seller)
    before, before_name = seller.shipping_fee, seller.first_name

    response = client.patch("/api/auth/profile/", {"shipping_fee": amount, "first_name": "Changed"}, format="json")

    assert response.status_code == 400
    assert response.json()["details"] == {
        "shipping_fee": ['Send this as a string of digits, e.g. "89.99", not as a JSON number.']}
    seller.refresh_from_db()
    assert (seller.shipping_fee, seller.first_name) == (before, before_name)


def test_text_sent_as_a_json_number_is_refused(seller):
    response = authenticated_client(seller).patch("/api/auth/profile/", {"city": 0}, format="json")

    assert response.status_code == 400
    assert response.json()["details"] == {"city": ["Send text here, not a number."]}


def test_money_as_a_string_is_taken(seller):
    response = authenticated_client(seller).patch(
        "/api/auth/profile/", {"shipping_fee": "12.50", "free_shipping_threshold": ""}, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["shipping_fee"], response.json()["free_shipping_threshold"]) == ("12.50", None)


@pytest.mark.parametrize(("path", "name"), [
    ("/api/orders/orders/seller_orders/", "created_before"),
    ("/api/orders/orders/seller_orders/", "source"),
    ("/api/orders/orders/", "status"),
    ("/api/notifications/", "is_read"),
    ("/api/products/", "status"),
    ("/api/products/public/list/", "in_stock"),
])
def test_an_empty_filter_value_the_schema_refuses_is_a_400_on_every_list(seller, path, name):
    """django-filter read `?created_before=` as no filter and answered 200: an empty string is no
    date, no enum value and no boolean."""
    response = authenticated_client(seller).get(path, {name: ""})

    assert response.status_code == 400, response.content
    assert response.json() == {"error": "The submitted data is not valid: This field may not be blank.",
                               "code": "invalid", "details": {name: ["This field may not be blank."]}}


def test_page_size_past_the_maximum_is_a_400_on_an_app_list(seller):
    """Lists a user owns page up to 500, the public catalog up to 100 (the conventions)."""
    client = authenticated_client(seller)

    assert client.get("/api/orders/orders/seller_orders/", {"page_size": 500}).status_code == 200
    response = client.get("/api/orders/orders/seller_orders/", {"page_size": 501})
    assert response.status_code == 400
    assert response.json()["details"] == {"page_size": ["Ensure this value is less than or equal to 500."]}
    for catalog in ("/api/products/public/list/", f"/api/products/public/vendor/{seller.pk}/"):
        assert client.get(catalog, {"page_size": 100}).status_code == 200
        response = client.get(catalog, {"page_size": 101})
        assert response.status_code == 400, catalog
        assert response.json()["details"] == {"page_size": ["Ensure this value is less than or equal to 100."]}


@pytest.mark.parametrize("data", [[], {}, 1, "yes"])
def test_a_nullable_boolean_refuses_what_is_no_boolean_with_a_400_not_a_crash(data):
    """No request takes a nullable boolean yet; the next app's will (lists and objects cannot be
    looked up among DRF's null values)."""
    from rest_framework import serializers

    field = serializers.BooleanField(allow_null=True)

    with pytest.raises(serializers.ValidationError):
        field.run_validation(data)
    assert field.run_validation("null") is None and field.run_validation("true") is True
