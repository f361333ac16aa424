import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_generates_and_validates_with_warnings_as_errors(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = target.read_text()
    assert "/api/auth/login/" in schema
    assert "bearerFormat: JWT" in schema


def test_schema_is_served_and_declares_bearer_auth(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    bearer = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert schema["components"]["securitySchemes"]["jwtAuth"] == bearer
    me = schema["paths"]["/api/auth/user/me/"]["get"]
    assert me["security"] == [{"jwtAuth": []}]
    assert set(me["responses"]) >= {"200", "401", "429"}
    assert me["responses"]["401"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"


def test_aliases_appear_once(api_client):
    paths = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]

    assert "get" not in paths["/api/auth/profile/"]
    assert {"put", "patch"} <= set(paths["/api/auth/profile/"])
    assert "/api/docs/" not in paths


@pytest.mark.parametrize("url", ["/api/docs/", "/api/schema/swagger-ui/", "/api/redoc/", "/api/schema/redoc/"])
def test_docs_pages_load_nothing_from_another_host(api_client, url):
    response = api_client.get(url)

    assert response.status_code == 200
    page = response.content.decode()
    start_up = re.search(r"""<script src="([^"]+[?&]script=)">""", page)  # Swagger UI's, a file of its own
    if start_up:
        page += api_client.get(start_up.group(1)).content.decode()
    assert "/api/schema/" in page
    external = re.findall(r"""(?:src|href)=["'](?:https?:)?//""", page)
    assert external == []
    for asset in re.findall(r"""(?:src|href)=["'](/static/[^"']+)["']""", page):
        assert api_client.get(asset).status_code == 200, asset


def test_swagger_ui_does_not_call_the_public_validator(api_client):
    start_up = api_client.get("/api/docs/?script=").content.decode()

    assert re.search(r'"validatorUrl":\s*null', start_up)


# --- The schema states what the serializers and filters enforce (sellflow.schema) ---------------

@pytest.fixture(scope="module")
def openapi(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _component(openapi, name):
    return openapi["components"]["schemas"][name]


def _parameter(openapi, path, name):
    return next(p for p in openapi["paths"][path]["get"]["parameters"] if p["name"] == name)


def test_request_bodies_are_documented_as_json_or_multipart_not_as_forms(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}) if isinstance(operation, dict) else {}
            assert "application/x-www-form-urlencoded" not in content, (method, path)
    assert set(openapi["paths"]["/api/products/"]["post"]["requestBody"]["content"]) == {
        "application/json", "multipart/form-data"}


def test_decimal_patterns_state_sign_digits_and_minimum(openapi):
    import re as regex

    price = _component(openapi, "ProductWriteRequest")["properties"]["price"]["pattern"]
    assert regex.fullmatch(price, "99999999.99") and regex.fullmatch(price, "0")
    assert not any(regex.fullmatch(price, text) for text in ["", "-", "-1", "100000000", "1.234"])
    amount = _component(openapi, "RefundRequestRequest")["properties"]["amount"]["pattern"]
    assert regex.fullmatch(amount, "0.01") and regex.fullmatch(amount, "12.5")
    assert not any(regex.fullmatch(amount, text) for text in ["0", "0.00", "-3", ""])


def test_custom_fields_and_validators_state_their_rules(openapi):
    profile = _component(openapi, "PatchedProfileUpdateRequest")["properties"]
    assert profile["phone"]["oneOf"][0]["format"] == "phone"
    assert profile["phone"]["oneOf"][0]["maxLength"] == 32
    assert "GHS" in _component(openapi, "CurrencyEnum")["enum"]
    assert "Africa/Accra" in _component(openapi, "TimezoneEnum")["enum"]
    password = _component(openapi, "RegisterRequest")["properties"]["password"]
    assert password["minLength"] == 8 and password["pattern"] == "[^0-9]"
    assert _component(openapi, "StockAdjustmentRequest")["properties"]["delta"]["not"] == {"enum": [0]}
    assert _component(openapi, "ImageUploadRequest")["properties"]["images"]["minItems"] == 1
    assert _component(openapi, "LogoutRequest")["properties"]["refresh"]["pattern"] == r"\S"


def test_serializer_rules_make_the_body_required(openapi):
    onboarding = openapi["paths"]["/api/auth/onboarding/"]["patch"]["requestBody"]
    assert onboarding["required"] is True
    assert _component(openapi, "PatchedOnboardingRequest")["anyOf"] == [
        {"required": ["onboarding_step"]}, {"required": ["onboarding_completed"]}]


def test_filter_parameters_state_type_and_bounds(openapi):
    seller = _parameter(openapi, "/api/products/public/list/", "seller")["schema"]
    assert seller["type"] == "integer" and seller["minimum"] == 1
    max_price = _parameter(openapi, "/api/products/", "max_price")["schema"]
    assert max_price == {"type": "number", "minimum": 0, "maximum": 10**10}
    assert _parameter(openapi, "/api/orders/orders/seller_orders/", "search")["schema"]["maxLength"] == 100


def test_accepted_by_the_schema_is_accepted_by_the_serializer():
    from accounts.serializers import OnboardingSerializer
    from products.serializers import StockAdjustmentSerializer

    assert StockAdjustmentSerializer(data={"delta": -2, "reason": "Broken"}).is_valid()
    refused = StockAdjustmentSerializer(data={"delta": 0, "reason": "Broken"})
    assert not refused.is_valid()
    assert refused.errors["delta"] == ["A stock adjustment changes the stock: use a non-zero delta."]
    assert OnboardingSerializer(data={"onboarding_step": 2}).is_valid()


def test_image_parts_name_their_media_types(openapi):
    for path in ["/api/auth/avatar/", "/api/products/{id}/upload_images/", "/api/products/"]:
        multipart = openapi["paths"][path]["post"]["requestBody"]["content"]["multipart/form-data"]
        (encoding,) = multipart["encoding"].values()
        assert encoding == {"contentType": "image/jpeg, image/png, image/webp"}, path


def test_generation_languages_are_those_the_provider_writes(openapi):
    # The local provider (the test default) writes English and French only.
    assert set(_component(openapi, "LanguageEnum")["enum"]) <= {"en", "en-au", "en-gb", "fr"}
    assert "auto" in _component(openapi, "ReplyLanguageEnum")["enum"]


def test_a_multipart_only_serializer_says_empty_part_for_null(openapi):
    form = _component(openapi, "ProductCreateFormRequest")["properties"]
    assert form["category"]["anyOf"] == [{"type": "integer"}, {"type": "string", "maxLength": 0}]
    assert "variants" not in form  # read from JSON requests only
    assert _component(openapi, "ProductWriteRequest")["properties"]["category"]["nullable"] is True
