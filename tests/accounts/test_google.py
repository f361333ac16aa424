"""Google sign-in against a local key server: tokens are signed with a locally generated RSA key
whose public half is served as the JWK set, the way Google publishes its own."""

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from accounts.models import User
from accounts.services import tokens_for_user
from tests.accounts.factories import PASSWORD, UserFactory
from tests.fake_servers import FakeJSONServer

pytestmark = pytest.mark.django_db

GOOGLE = "/api/auth/google/"
CLIENT_ID = "1234-sellflow.apps.googleusercontent.com"


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


SIGNING_KEY = new_key()
OTHER_KEY = new_key()


def jwk_set(*keys_with_ids):
    keys = []
    for key, kid in keys_with_ids:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
    return {"keys": keys}


@pytest.fixture
def google_keys(settings):
    with FakeJSONServer() as server:
        server.routes["/oauth2/v3/certs"] = (200, jwk_set((SIGNING_KEY, "key-1")))
        settings.GOOGLE_JWKS_URL = f"{server.url}/oauth2/v3/certs"
        settings.GOOGLE_CLIENT_ID = CLIENT_ID
        yield server


def id_token(key=SIGNING_KEY, kid="key-1", **claims):
    now = int(time.time())
    payload = {
        "iss": "https://accounts.google.com",
        "aud": CLIENT_ID,
        "sub": "google-uid-1",
        "email": "kofi@gmail.com",
        "email_verified": True,
        "given_name": "Kofi",
        "family_name": "Annan",
        "iat": now,
        "exp": now + 3600,
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


def sign_in(client, token, **extra):
    return client.post(GOOGLE, {"id_token": token, **extra}, format="json")


def test_creates_a_verified_user_and_signs_in(api_client, google_keys):
    response = sign_in(api_client, id_token())

    assert response.status_code == 201
    body = response.json()
    assert body["created"] is True
    assert body["user"]["email"] == "kofi@gmail.com"
    assert body["user"]["first_name"] == "Kofi"
    assert body["user"]["is_verified"] is True
    assert body["access"] and body["refresh"]
    user = User.objects.get(email="kofi@gmail.com")
    assert user.google_id == "google-uid-1"
    assert not user.has_usable_password()


def test_second_sign_in_logs_in_the_same_user_and_keys_are_cached(api_client, google_keys):
    first = sign_in(api_client, id_token())
    second = sign_in(api_client, id_token())

    assert second.status_code == 200
    assert second.json()["created"] is False
    assert second.json()["user"]["id"] == first.json()["user"]["id"]
    assert google_keys.requests == ["/oauth2/v3/certs"]


def test_links_a_verified_account_with_the_same_email_keeping_its_password(api_client, google_keys):
    existing = UserFactory(email="kofi@gmail.com", is_verified=True)

    response = sign_in(api_client, id_token(email="Kofi@Gmail.com"))

    assert response.status_code == 200
    assert response.json()["user"]["id"] == existing.id
    existing.refresh_from_db()
    assert existing.google_id == "google-uid-1"
    assert existing.check_password(PASSWORD)


def test_an_unverified_squatter_loses_the_account_to_its_google_owner(api_client, google_keys):
    """Someone registered the victim's address with their own password before the victim ever
    signed in: once Google proves who owns it, the squatter's password and sessions are dead."""
    squatter = UserFactory(email="kofi@gmail.com", is_verified=False)
    squatter_session = tokens_for_user(squatter)

    response = sign_in(api_client, id_token())

    assert response.status_code == 200
    squatter.refresh_from_db()
    assert squatter.is_verified
    assert not squatter.has_usable_password()
    login = api_client.post("/api/auth/login/", {"email": "kofi@gmail.com", "password": PASSWORD}, format="json")
    assert login.status_code == 401
    refresh = api_client.post("/api/auth/token/refresh/", {"refresh": squatter_session["refresh"]}, format="json")
    assert refresh.status_code == 401


def test_buyers_can_sign_up_from_the_storefront(api_client, google_keys):
    response = sign_in(api_client, id_token(), account_type="buyer")

    assert response.json()["user"]["account_type"] == "buyer"


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda: id_token(key=OTHER_KEY), id="signed-by-another-key"),
        pytest.param(lambda: id_token(aud="someone-else.apps.googleusercontent.com"), id="wrong-audience"),
        pytest.param(lambda: id_token(iss="https://evil.example.com"), id="wrong-issuer"),
        pytest.param(lambda: id_token(kid="unknown-kid"), id="unknown-key-id"),
        pytest.param(lambda: id_token(email_verified=False), id="email-not-verified"),
        pytest.param(lambda: "not.a.jwt", id="garbage"),
        pytest.param(
            lambda: jwt.encode({"sub": "x", "aud": CLIENT_ID}, "a-shared-secret-long-enough-for-hs256!!",
                               algorithm="HS256", headers={"kid": "key-1"}),
            id="symmetric-algorithm",
        ),
    ],
)
def test_invalid_tokens_are_refused(api_client, google_keys, token):
    response = sign_in(api_client, token())

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_google_token"
    assert not User.objects.exists()


def test_expired_token_is_refused(api_client, google_keys):
    now = int(time.time())

    response = sign_in(api_client, id_token(iat=now - 7200, exp=now - 3600))

    assert response.status_code == 401
    assert response.json()["code"] == "google_token_expired"


def test_disabled_account_cannot_sign_in(api_client, google_keys):
    UserFactory(email="kofi@gmail.com", is_active=False)

    response = sign_in(api_client, id_token())

    assert response.status_code == 401
    assert response.json()["code"] == "account_disabled"


def test_email_linked_to_another_google_account(api_client, google_keys):
    UserFactory(email="kofi@gmail.com", google_id="another-google-uid")

    response = sign_in(api_client, id_token())

    assert response.status_code == 409
    assert response.json()["code"] == "google_account_mismatch"


def test_key_server_down_is_a_provider_error(api_client, settings):
    with FakeJSONServer() as server:
        url = f"{server.url}/oauth2/v3/certs"
    settings.GOOGLE_JWKS_URL = url  # the server is gone: connection refused
    settings.GOOGLE_CLIENT_ID = CLIENT_ID

    response = sign_in(api_client, id_token())

    assert response.status_code == 502
    assert response.json()["code"] == "provider_error"


def test_not_configured_is_503(api_client, settings):
    settings.GOOGLE_CLIENT_ID = ""

    response = sign_in(api_client, id_token())

    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"


def test_missing_token_is_400(api_client, google_keys):
    response = api_client.post(GOOGLE, {}, format="json")

    assert response.status_code == 400
    assert "id_token" in response.json()["details"]


def test_google_sign_in_is_throttled(api_client, google_keys, throttle_rates):
    throttle_rates(google_ip="2/minute")
    sign_in(api_client, "not.a.jwt")
    sign_in(api_client, "not.a.jwt")

    response = sign_in(api_client, id_token())

    assert response.status_code == 429
    assert not User.objects.exists()
