"""The document's authentication flow (sections 1 and "Frontend Integration Guide: Authentication
Flow"): register, log in, read the current user, keep the session alive with refreshToken()
across access-token lifetimes, update the profile."""

from datetime import timedelta

import pytest
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from tests.clocks import FakeTokenClock
from tests.contract import document as doc
from tests.contract.conftest import assert_has_fields, unique_email

pytestmark = pytest.mark.django_db


def test_register_answers_201_with_the_user_and_the_tokens_the_guide_stores(open_tab):
    tab = open_tab()
    email = unique_email("register")

    response = tab.register({**doc.REGISTER_REQUEST, "email": email})

    assert response.status_code == 201
    body = response.json()
    assert_has_fields(body, doc.REGISTER_RESPONSE)
    assert body["message"] == doc.REGISTER_RESPONSE["message"]
    expected_user = {**doc.REGISTER_RESPONSE["user"], "email": email}
    assert {key: body["user"][key] for key in expected_user if key != "id"} == {
        key: value for key, value in expected_user.items() if key != "id"}
    # The guide stores data.access and data.refresh (lines 640-642): they are there and work.
    assert tab.storage["access"] and tab.storage["refresh"]
    me = tab.fetch("GET", doc.PATH_ME)
    assert me.status_code == 200 and me.json()["id"] == body["user"]["id"]


def test_login_then_current_user(open_tab):
    tab = open_tab()
    email = unique_email("login")
    registered = tab.register({**doc.REGISTER_REQUEST, "email": email})
    assert registered.status_code == 201

    login = tab.login(email, doc.LOGIN_REQUEST["password"])

    assert login.status_code == 200
    assert_has_fields(login.json(), doc.LOGIN_RESPONSE)
    assert {key: login.json()["user"][key] for key in doc.LOGIN_RESPONSE["user"]} == {
        **doc.LOGIN_RESPONSE["user"], "id": registered.json()["user"]["id"], "email": email}

    me = tab.fetch("GET", doc.PATH_ME)

    assert me.status_code == 200
    assert_has_fields(me.json(), doc.ME_RESPONSE)
    expected = {**doc.ME_RESPONSE, "id": login.json()["user"]["id"], "email": email}
    assert {key: me.json()[key] for key in expected} == expected


@pytest.mark.parametrize("signed_in_by", ["register", "login"])
def test_the_guides_refresh_token_keeps_the_session_alive_across_access_lifetimes(open_tab, monkeypatch,
                                                                                  signed_in_by):
    clock = FakeTokenClock(monkeypatch)
    tab = open_tab()
    email = unique_email("refresh")
    tab.register({**doc.REGISTER_REQUEST, "email": email})  # the guide stores its tokens (lines 640-642)
    if signed_in_by == "login":
        tab.login(email, doc.LOGIN_REQUEST["password"])
    first_refresh = tab.storage["refresh"]

    for _ in range(4):
        clock.advance(jwt_settings.ACCESS_TOKEN_LIFETIME + timedelta(minutes=1))
        expired = tab.fetch("GET", doc.PATH_ME)
        assert expired.status_code == 401  # the access token ran out: the frontend refreshes

        refreshed = tab.refresh_token()

        assert refreshed.status_code == 200, refreshed.json()
        assert refreshed.json()["access"]
        assert tab.storage["refresh"] == first_refresh  # the guide never stores the new one
        me = tab.fetch("GET", doc.PATH_ME)
        assert me.status_code == 200 and me.json()["email"] == email

    # Writes go on with the refreshed access token too.
    assert tab.fetch("PUT", doc.PATH_PROFILE, doc.PROFILE_REQUEST).status_code == 200


def test_update_profile_with_the_documents_body(seller_tab):
    response = seller_tab.fetch("PUT", doc.PATH_PROFILE, doc.PROFILE_REQUEST)

    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in doc.PROFILE_REQUEST} == doc.PROFILE_REQUEST
    me = seller_tab.fetch("GET", doc.PATH_ME).json()
    assert {key: me[key] for key in doc.PROFILE_REQUEST} == doc.PROFILE_REQUEST
    assert_has_fields(me, doc.ME_RESPONSE)


def test_the_current_user_needs_the_bearer_token(open_tab):
    response = open_tab().fetch("GET", doc.PATH_ME)

    assert response.status_code == 401
    assert "error" in response.json()  # Error Responses, lines 809-814
