"""Sessions driven through the API as a client keeps them: sign in, refresh, check what still works."""

from dataclasses import dataclass, field

from rest_framework.test import APIClient
from rest_framework_simplejwt.state import token_backend

from tests.accounts.factories import PASSWORD

LOGIN = "/api/auth/login/"
REFRESH = "/api/auth/token/refresh/"
ME = "/api/auth/user/me/"


@dataclass
class Session:
    """Every token one sign-in was given: the first pair, then each refresh's pair."""

    refresh: list[str] = field(default_factory=list)
    access: list[str] = field(default_factory=list)


def sign_in(email: str, *, rotations: int = 0, password: str = PASSWORD) -> Session:
    """Sign in through the API, then refresh `rotations` times, each time with the newest
    refresh token (the first one stays good: used refresh tokens last their lifetime)."""
    login = APIClient().post(LOGIN, {"email": email, "password": password}, format="json")
    assert login.status_code == 200, login.json()
    session = Session(refresh=[login.json()["refresh"]], access=[login.json()["access"]])
    for _ in range(rotations):
        rotate(session)
    return session


def rotate(session: Session, refresh: str | None = None) -> None:
    response = APIClient().post(REFRESH, {"refresh": refresh or session.refresh[-1]}, format="json")
    assert response.status_code == 200, response.json()
    session.refresh.append(response.json()["refresh"])
    session.access.append(response.json()["access"])


def me(access: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get(ME)


def assert_ended(session: Session) -> None:
    """None of the session's refresh or access tokens works any more."""
    for refresh in session.refresh:
        response = APIClient().post(REFRESH, {"refresh": refresh}, format="json")
        assert (response.status_code, response.json()["code"]) == (401, "token_not_valid"), refresh
    for access in session.access:
        response = me(access)
        assert (response.status_code, response.json()["code"]) == (401, "token_not_valid"), access


def assert_alive(session: Session, email: str) -> None:
    """The session's newest access token works, and its first and newest refresh tokens refresh,
    giving access tokens that work."""
    assert me(session.access[-1]).json()["email"] == email
    for refresh in {session.refresh[0], session.refresh[-1]}:
        response = APIClient().post(REFRESH, {"refresh": refresh}, format="json")
        assert response.status_code == 200, response.json()
        assert me(response.json()["access"]).json()["email"] == email


def jti_of(token: str) -> str:
    """The token's id, read without checking it (a blacklisted token cannot be loaded)."""
    return token_backend.decode(token, verify=False)["jti"]
