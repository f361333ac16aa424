"""Who may call what: anonymous visitors, buyers and sellers against every accounts endpoint.
Each row is (method, url, body) and the status each role gets with a body that is otherwise
acceptable or harmlessly invalid; the point is the gate, not the feature."""

import pytest
from rest_framework.test import APIClient

from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client

pytestmark = pytest.mark.django_db

# (method, url, json body, anonymous, buyer, seller)
MATRIX = [
    ("get", "/api/auth/user/me/", None, 401, 200, 200),
    ("get", "/api/auth/profile/", None, 401, 200, 200),
    ("patch", "/api/auth/profile/", {"city": "Ho"}, 401, 200, 200),
    ("put", "/api/auth/profile/", {"city": "Ho"}, 401, 200, 200),
    ("post", "/api/auth/avatar/", None, 401, 400, 400),
    ("delete", "/api/auth/avatar/", None, 401, 200, 200),
    ("patch", "/api/auth/onboarding/", {"onboarding_step": 1}, 401, 200, 200),
    ("post", "/api/auth/password/change/", {}, 401, 400, 400),
    ("post", "/api/auth/otp/request/", None, 401, 200, 200),
    ("post", "/api/auth/otp/verify/", {"code": "123456"}, 401, 400, 400),
    ("post", "/api/auth/logout/", {"refresh": "x"}, 401, 401, 401),
    ("post", "/api/auth/register/", {}, 400, 400, 400),
    ("post", "/api/auth/login/", {}, 400, 400, 400),
    ("post", "/api/auth/password/reset/", {"email": "x@example.com"}, 200, 200, 200),
    ("post", "/api/auth/password/reset/confirm/", {}, 400, 400, 400),
    ("post", "/api/auth/token/refresh/", {"refresh": "x"}, 401, 401, 401),
    ("post", "/api/auth/token/verify/", {"token": "x"}, 401, 401, 401),
    ("get", "/api/health/", None, 200, 200, 200),
]


def client_for(role):
    if role == "anonymous":
        return APIClient()
    return authenticated_client(UserFactory(account_type=role, is_verified=False))


@pytest.mark.parametrize("method, url, body, anonymous, buyer, seller", MATRIX)
@pytest.mark.parametrize("role", ["anonymous", "buyer", "seller"])
def test_permission_matrix(role, method, url, body, anonymous, buyer, seller):
    expected = {"anonymous": anonymous, "buyer": buyer, "seller": seller}[role]
    client = client_for(role)

    response = getattr(client, method)(url, body, format="json") if body is not None else getattr(client, method)(url)

    assert response.status_code == expected, response.content


# Endpoints that read no access token (or, for logout, tolerate a stale one).
TOKENLESS = {
    "/api/auth/register/", "/api/auth/login/", "/api/auth/password/reset/", "/api/auth/password/reset/confirm/",
    "/api/auth/token/refresh/", "/api/auth/token/verify/", "/api/health/", "/api/auth/logout/",
}


@pytest.mark.parametrize("method, url, body, anonymous", [(m, u, b, a) for m, u, b, a, *_ in MATRIX])
def test_a_bad_token_is_refused_wherever_one_is_read(method, url, body, anonymous):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = getattr(client, method)(url, body, format="json") if body is not None else getattr(client, method)(url)

    if url in TOKENLESS:
        assert response.status_code == anonymous  # the header changes nothing
    else:
        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"
