"""JSON no view can digest is refused by the one parser (sellflow.parsers) with 400 `invalid`:
lone UTF-16 surrogates and NULs anywhere in the document, and nesting past the parser's depth
limit; numbers out of range are a 400 `parse_error`.
The body is written by hand, as an attacker would: json.dumps would never send "\\ud800" raw."""

import io
import json

import pytest
from django.urls import get_resolver
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser as DRFJSONParser
from rest_framework.test import APIClient

from accounts.models import User
from products.models import Product
from sellflow.parsers import JSONParser
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

LONE_HIGH = "\\ud800"  # as written in the JSON text
LONE_LOW = "\\udfff"


def post_json(client: APIClient, url: str, text: str, method: str = "post"):
    return getattr(client, method)(url, data=text.encode(), content_type="application/json")


def assert_refused(response, fragment: str):
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body) == {"error", "code", "details"}
    assert fragment in body["details"]["non_field_errors"][0]


def test_login_with_a_lone_surrogate_in_the_email_is_a_400(api_client):
    text = '{"email": "seller%s@example.com", "password": "whatever-1"}' % LONE_HIGH

    assert_refused(post_json(api_client, "/api/auth/login/", text), "not valid Unicode")


def test_register_with_a_lone_surrogate_in_the_account_type_is_a_400(api_client):
    text = ('{"email": "new@example.com", "password": "securepassword123", "password_confirm": '
            '"securepassword123", "first_name": "Ama", "account_type": "%s"}' % LONE_HIGH)

    assert_refused(post_json(api_client, "/api/auth/register/", text), "not valid Unicode")
    assert not User.objects.exists()


def test_password_reset_with_a_lone_surrogate_is_a_400(api_client, mailoutbox):
    text = '{"email": "%s@example.com"}' % LONE_LOW

    assert_refused(post_json(api_client, "/api/auth/password/reset/", text), "not valid Unicode")
    assert mailoutbox == []


def test_an_enum_field_of_an_authenticated_endpoint_is_a_400(seller, seller_client):
    product = ProductFactory(seller=seller)

    response = post_json(seller_client, f"/api/products/{product.pk}/", '{"status": "%s"}' % LONE_HIGH, "patch")

    assert_refused(response, "not valid Unicode")
    product.refresh_from_db()
    assert product.status != "\ud800"


def test_a_lone_surrogate_in_a_key_is_a_400(api_client, seller):
    text = '{"email": "%s", "password": "securepassword123", "x%s": 1}' % (seller.email, LONE_HIGH)

    assert_refused(post_json(api_client, "/api/auth/login/", text), "not valid Unicode")


def test_deeply_nested_json_is_a_400_not_a_recursion_error(api_client):
    text = "[" * 100_000 + "]" * 100_000

    assert_refused(post_json(api_client, "/api/auth/login/", text), "nested more than 64 levels")


def test_nesting_is_accepted_up_to_the_limit_and_refused_past_it():
    parser = JSONParser()

    def parse(depth: int):
        text = '{"a": ' * (depth - 1) + "[1]" + "}" * (depth - 1)
        return parser.parse(io.BytesIO(text.encode()), parser_context={})

    assert parse(JSONParser.max_depth)
    with pytest.raises(ValidationError) as refused:
        parse(JSONParser.max_depth + 1)
    assert "nested more than 64 levels" in str(refused.value.detail)


def test_a_valid_surrogate_pair_is_ordinary_text(api_client):
    text = ('{"email": "emoji@example.com", "password": "securepassword123", "password_confirm": '
            '"securepassword123", "first_name": "Ama \\ud83d\\ude00", "last_name": "Mensah"}')

    response = post_json(api_client, "/api/auth/register/", text)

    assert response.status_code == 201, response.content
    assert response.json()["user"]["first_name"] == "Ama \U0001F600"


# A NUL is refused by PostgreSQL's jsonb ("unsupported Unicode escape sequence", once a 500); an
# infinite number by its JSON, and by the renderer on the way out. CharFields refuse a NUL
# themselves; JSON fields took both, so the parser refuses them everywhere, on every database.
@pytest.mark.parametrize(("options", "fragment"), [
    ('{"color": "red\\u0000"}', "NUL character"),
    ('{"\\u0000color": "red"}', "NUL character"),
    ('{"weight": 1e999}', "out of range"),
    ('{"weight": -1e999}', "out of range"),
])
def test_json_no_database_can_store_is_refused(seller_client, options, fragment):
    text = '{"name": "Kente stole", "price": "10.00", "variants": [{"name": "M", "options": %s}]}' % options

    response = post_json(seller_client, "/api/products/", text)

    assert response.status_code == 400, response.content
    assert fragment in response.json()["error"]
    assert not Product.objects.exists()


def test_options_a_database_can_store_are_kept(seller_client):
    text = ('{"name": "Kente stole", "price": "10.00", "variants": [{"name": "M", '
            '"options": {"color": "red \\ud83d\\ude00", "weight": 1.5e3}}]}')

    response = post_json(seller_client, "/api/products/", text)

    assert response.status_code == 201, response.content
    assert response.json()["variants"][0]["options"] == {"color": "red \U0001F600", "weight": 1500.0}


# Every anonymous endpoint that reads a JSON body, with a body it would otherwise accept.
ANONYMOUS_BODIES = {
    "/api/auth/login/": {"email": "a@example.com", "password": "securepassword123"},
    "/api/auth/register/": {"email": "a@example.com", "password": "securepassword123",
                            "password_confirm": "securepassword123", "first_name": "Ama", "account_type": "buyer"},
    "/api/auth/google/": {"id_token": "x.y.z", "account_type": "buyer"},
    "/api/auth/password/reset/": {"email": "a@example.com"},
    "/api/auth/password/reset/confirm/": {"uid": "MQ", "token": "t", "new_password": "securepassword123",
                                          "new_password_confirm": "securepassword123"},
    "/api/auth/token/refresh/": {"refresh": "x.y.z"},
    "/api/auth/token/verify/": {"token": "x.y.z"},
    "/api/products/public/{product}/share/": {"platform": "whatsapp"},
}
SPOILERS = {
    "lone high surrogate": LONE_HIGH,
    "lone low surrogate": LONE_LOW,
    "high surrogate before a letter": LONE_HIGH + "a",
    "low before high": LONE_LOW + LONE_HIGH,
}


def _cases():
    for url, body in ANONYMOUS_BODIES.items():
        for field in body:
            for name, spoiler in SPOILERS.items():
                yield pytest.param(url, body, field, spoiler, id=f"{url}:{field}:{name}")


@pytest.fixture
def anonymous_client(settings):
    settings.GOOGLE_CLIENT_ID = "fuzz.apps.googleusercontent.com"  # the Google endpoint parses too
    return APIClient()


def _url(url: str) -> str:
    return url.format(product=ProductFactory().pk) if "{product}" in url else url


@pytest.mark.parametrize(("url", "body", "field", "spoiler"), list(_cases()))
def test_anonymous_endpoints_refuse_lone_surrogates_in_every_field(anonymous_client, url, body, field, spoiler):
    text = json.dumps({**body, field: "SPOILER"}).replace('"SPOILER"', f'"{spoiler}"')

    assert_refused(post_json(anonymous_client, _url(url), text), "not valid Unicode")


@pytest.mark.parametrize("url", ANONYMOUS_BODIES)
@pytest.mark.parametrize("text", [
    pytest.param("[" * 5_000 + "]" * 5_000, id="deep array"),
    pytest.param('{"a":' * 5_000 + "1" + "}" * 5_000, id="deep object"),
    pytest.param('{"email": ' + "[" * 200 + "]" * 200 + "}", id="deep field"),
])
def test_anonymous_endpoints_refuse_deep_nesting(anonymous_client, url, text):
    assert_refused(post_json(anonymous_client, _url(url), text), "nested more than 64 levels")


@pytest.mark.parametrize("url", ANONYMOUS_BODIES)
def test_anonymous_endpoints_take_broken_utf8_in_forms_and_query_strings_as_text(anonymous_client, url):
    # Django decodes percent-escapes that are not UTF-8 (here an encoded surrogate) with U+FFFD:
    # whatever the endpoint then says, it is not a 500.
    url = _url(url)
    form = anonymous_client.post(url + "?q=%ED%A0%80", data="email=a%ED%A0%80%40example.com&platform=%ED%A0%80",
                                 content_type="application/x-www-form-urlencoded")

    assert form.status_code < 500, form.content
    assert form["Content-Type"] == "application/json"


def test_every_view_parses_json_with_the_shared_parser():
    """A view that names its parsers must take JSON through sellflow.parsers, not DRF's own."""
    offenders = []
    for view_class in api_view_classes(get_resolver().url_patterns):
        for parser in getattr(view_class, "parser_classes", []):
            if issubclass(parser, DRFJSONParser) and not issubclass(parser, JSONParser):
                offenders.append(f"{view_class.__module__}.{view_class.__name__}")
    assert offenders == []


def api_view_classes(patterns):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            yield from api_view_classes(pattern.url_patterns)
        elif getattr(pattern.callback, "cls", None) is not None:
            yield pattern.callback.cls
