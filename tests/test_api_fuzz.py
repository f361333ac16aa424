"""Property-based API test: every operation of the OpenAPI schema, called in-process with
generated requests as the demo seller and as the demo buyer, must never answer 5xx and must answer what the schema
says (status codes, content types, bodies, headers). New endpoints are fuzzed the day they land."""

import io

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.demo import demo_buyer, demo_seller
from accounts.services import tokens_for_user
from sellflow.wsgi import application
from tests.conftest import clear_cache
from tests.fake_servers import FakeJSONServer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
EXAMPLES_PER_OPERATION = 10


@pytest.fixture(scope="module")
def google_key_server():
    with FakeJSONServer() as server:
        server.routes["/certs"] = (200, {"keys": []})
        yield server


@pytest.fixture
def configured_integrations(settings, google_key_server):
    """Optional integrations switched on, against local fakes, so they are fuzzed too."""
    settings.GOOGLE_CLIENT_ID = "fuzz.apps.googleusercontent.com"
    settings.GOOGLE_JWKS_URL = f"{google_key_server.url}/certs"
    # Social platforms answer from the same loopback fake (404: a token refused), never the internet.
    settings.META_GRAPH_URL = settings.X_API_URL = google_key_server.url
    settings.META_APP_ID, settings.META_APP_SECRET, settings.X_CLIENT_ID = "fuzz-app", "fuzz-secret", "fuzz-client"
    settings.X_CONSUMER_SECRET, settings.META_WEBHOOK_VERIFY_TOKEN = "fuzz-consumer", "fuzz-verify"


@pytest.fixture
def in_process_requests():
    """Requests go straight to the WSGI app, not through Django's test client, so do what the
    test client does: keep the test's transaction open across requests (Django would
    otherwise close a connection it finds inside an atomic block at the end of a request)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["seller", "buyer"])
def demo_user_headers(request, db, configured_integrations, in_process_requests):
    """Each operation is fuzzed as the demo seller and as the demo buyer."""
    call_command("seed_demo", stdout=io.StringIO())
    user = demo_seller() if request.param == "seller" else demo_buyer()
    return {"Authorization": f"Bearer {tokens_for_user(user)['access']}"}


# Loaded at collection from the app itself (the schema view needs no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    # Fixtures are per test, not per example: the database transaction is what isolates.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema(case, demo_user_headers):
    clear_cache()  # throttles are tested on their own; here every example gets through
    case.call_and_validate(headers=demo_user_headers, checks=CHECKS)
