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
