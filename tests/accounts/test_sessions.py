"""Tokens: refresh rotation, verification, logout, and what a dead token gets."""

import importlib
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import SessionToken
from accounts.services import session_logout, tokens_for_user
from tests.accounts.factories import PASSWORD, UserFactory
from tests.accounts.sessions import assert_alive, assert_ended, jti_of, sign_in
from tests.clocks import FakeTokenClock

pytestmark = pytest.mark.django_db

ME = "/api/auth/user/me/"
REFRESH = "/api/auth/token/refresh/"
VERIFY = "/api/auth/token/verify/"
LOGOUT = "/api/auth/logout/"


def bearer(client, access):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


class TestAuthentication:
    def test_missing_token_is_401_not_authenticated(self, api_client):
        response = api_client.get(ME)

        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")

    def test_garbage_token_is_401_token_not_valid(self, api_client):
        response = bearer(api_client, "not-a-jwt").get(ME)

        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"
        assert set(response.json()) == {"error", "code", "details"}

    def test_expired_access_token_is_refused(self, api_client):
        user = UserFactory()
        token = AccessToken.for_user(user)
        token.set_exp(lifetime=-timedelta(seconds=1))

        response = bearer(api_client, str(token)).get(ME)

        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"

    def test_inactive_users_tokens_stop_working(self, api_client):
        user = UserFactory()
        access = tokens_for_user(user)["access"]
        user.is_active = False
        user.save()

        assert bearer(api_client, access).get(ME).status_code == 401


class TestRefresh:
    def test_rotates_and_the_used_refresh_token_stays_good(self, api_client):
        tokens = tokens_for_user(UserFactory())

        first = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
        assert first.status_code == 200
        assert set(first.json()) == {"access", "refresh"}
        assert first.json()["refresh"] != tokens["refresh"]
        assert bearer(api_client, first.json()["access"]).get(ME).status_code == 200

        # The document's frontend keeps its first refresh token: it must keep working.
        replay = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
        assert replay.status_code == 200

        again = api_client.post(REFRESH, {"refresh": first.json()["refresh"]}, format="json")
        assert again.status_code == 200

    def test_every_token_of_a_session_carries_its_id(self, api_client):
        UserFactory(email="sid@example.com")
        login = api_client.post("/api/auth/login/", {"email": "sid@example.com", "password": PASSWORD}, format="json")
        other = api_client.post("/api/auth/login/", {"email": "sid@example.com", "password": PASSWORD}, format="json")
        refresh = RefreshToken(login.json()["refresh"])
        rotated = api_client.post(REFRESH, {"refresh": str(refresh)}, format="json").json()

        session_id = refresh["sid"]
        assert len(session_id) >= 16
        assert AccessToken(login.json()["access"])["sid"] == session_id
        assert RefreshToken(rotated["refresh"])["sid"] == AccessToken(rotated["access"])["sid"] == session_id
        assert AccessToken(other.json()["access"])["sid"] != session_id
        # The outstanding-token list shows the token as issued.
        assert OutstandingToken.objects.get(jti=refresh["jti"]).token == login.json()["refresh"]

    def test_access_token_is_not_a_refresh_token(self, api_client):
        tokens = tokens_for_user(UserFactory())

        response = api_client.post(REFRESH, {"refresh": tokens["access"]}, format="json")

        assert response.status_code == 401

    def test_refresh_token_of_a_deleted_account_is_401(self, api_client):
        user = UserFactory()
        tokens = tokens_for_user(user)
        user.delete()

        response = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"

    def test_refresh_token_of_a_disabled_account_is_401(self, api_client):
        user = UserFactory()
        tokens = tokens_for_user(user)
        user.is_active = False
        user.save()

        assert api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401

    def test_missing_refresh_is_400(self, api_client):
        response = api_client.post(REFRESH, {}, format="json")

        assert response.status_code == 400
        assert "refresh" in response.json()["details"]


class TestVerify:
    def test_valid_and_invalid_tokens(self, api_client):
        tokens = tokens_for_user(UserFactory())

        assert api_client.post(VERIFY, {"token": tokens["access"]}, format="json").status_code == 200
        bad = api_client.post(VERIFY, {"token": tokens["access"] + "x"}, format="json")
        assert bad.status_code == 401
        assert bad.json()["code"] == "token_not_valid"

    def test_blacklisted_tokens_are_not_valid(self, api_client):
        tokens = tokens_for_user(UserFactory())
        assert api_client.post(VERIFY, {"token": tokens["refresh"]}, format="json").status_code == 200
        api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")

        response = api_client.post(VERIFY, {"token": tokens["refresh"]}, format="json")

        assert response.status_code == 401
        assert response.json() == {"error": "Token is blacklisted", "code": "token_not_valid", "details": {}}


class TestLogout:
    def test_blacklists_the_refresh_token(self, api_client):
        user = UserFactory()
        tokens = tokens_for_user(user)

        response = bearer(api_client, tokens["access"]).post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")

        assert response.status_code == 200
        assert response.json() == {"message": "Logged out."}
        refreshed = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
        assert refreshed.status_code == 401

    def test_ends_the_access_token_of_a_session_from_before_session_ids(self, api_client):
        refresh = RefreshToken.for_user(UserFactory())  # no session id, as issued before they existed
        access = str(refresh.access_token)
        assert bearer(api_client, access).get(ME).status_code == 200

        assert bearer(api_client, access).post(LOGOUT, {"refresh": str(refresh)}, format="json").status_code == 200

        refused = bearer(api_client, access).get(ME)
        assert refused.status_code == 401 and refused.json()["code"] == "token_not_valid"

    def test_works_without_a_live_access_token(self, api_client):
        tokens = tokens_for_user(UserFactory())

        response = api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")

        assert response.status_code == 200
        assert api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401

    def test_works_with_an_expired_access_token_in_the_headers(self, api_client):
        user = UserFactory()
        tokens = tokens_for_user(user)
        expired = AccessToken.for_user(user)
        expired.set_exp(lifetime=-timedelta(seconds=1))

        response = bearer(api_client, str(expired)).post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")

        assert response.status_code == 200
        api_client.credentials()
        assert api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401

    def test_cannot_log_out_someone_else(self, api_client):
        victim_tokens = tokens_for_user(UserFactory())
        attacker_access = tokens_for_user(UserFactory())["access"]

        response = bearer(api_client, attacker_access).post(
            LOGOUT, {"refresh": victim_tokens["refresh"]}, format="json")

        assert response.status_code == 401
        api_client.credentials()
        assert api_client.post(REFRESH, {"refresh": victim_tokens["refresh"]}, format="json").status_code == 200

    def test_blacklisted_refresh_token_cannot_log_out_again(self, api_client):
        tokens = tokens_for_user(UserFactory())
        api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")

        response = api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")

        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"

    def test_ends_the_sessions_access_tokens_without_being_sent_one(self, api_client,
                                                                    django_capture_on_commit_callbacks):
        user = UserFactory()
        phone, laptop = tokens_for_user(user), tokens_for_user(user)
        rotated = api_client.post(REFRESH, {"refresh": phone["refresh"]}, format="json").json()

        # As the API document's client does: the refresh token alone, no Authorization header.
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(LOGOUT, {"refresh": rotated["refresh"]}, format="json")

        assert response.status_code == 200
        # Every access token of that session, the one before rotation included, stops at once...
        for access in (phone["access"], rotated["access"]):
            refused = bearer(APIClient(), access).get(ME)
            assert refused.status_code == 401
            assert refused.json() == {"error": "This session has ended; sign in again.", "code": "token_not_valid",
                                      "details": {}}
            verified = APIClient().post(VERIFY, {"token": access}, format="json")
            assert (verified.status_code, verified.json()["code"]) == (401, "token_not_valid")
        # ...and the user's other sessions go on.
        assert bearer(APIClient(), laptop["access"]).get(ME).json()["email"] == user.email
        assert APIClient().post(VERIFY, {"token": laptop["access"]}, format="json").status_code == 200

    def test_a_logout_rolled_back_ends_nothing(self, api_client, django_capture_on_commit_callbacks):
        tokens = tokens_for_user(UserFactory())

        with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
            session_logout(user=None, refresh=tokens["refresh"])
            raise RuntimeError("the surrounding write failed")

        assert bearer(api_client, tokens["access"]).get(ME).status_code == 200

    def test_login_then_logout_through_the_api(self, api_client):
        UserFactory(email="flow@example.com")
        login = api_client.post("/api/auth/login/", {"email": "flow@example.com", "password": PASSWORD}, format="json")
        tokens = login.json()

        bearer(api_client, tokens["access"]).post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")

        assert api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401


class TestTheDocumentsRefreshSnippet:
    """The API document's `refreshToken()` stores the new access token only and sends its first
    refresh token every time."""

    def test_keeps_a_session_alive_across_access_lifetimes_until_logout_ends_every_token_of_it(
            self, api_client, monkeypatch, settings, django_capture_on_commit_callbacks):
        from rest_framework_simplejwt.settings import api_settings as jwt_settings

        clock = FakeTokenClock(monkeypatch)
        UserFactory(email="guide@example.com")
        login = api_client.post("/api/auth/login/", {"email": "guide@example.com", "password": PASSWORD},
                                format="json").json()
        stored_refresh, access = login["refresh"], login["access"]
        newest_refresh = stored_refresh

        for _ in range(3):
            clock.advance(jwt_settings.ACCESS_TOKEN_LIFETIME + timedelta(minutes=1))
            assert bearer(api_client, access).get(ME).status_code == 401  # expired: the client refreshes
            response = APIClient().post(REFRESH, {"refresh": stored_refresh}, format="json")
            assert response.status_code == 200, response.json()
            access, newest_refresh = response.json()["access"], response.json()["refresh"]
            assert bearer(api_client, access).get(ME).status_code == 200

        # A client that stores each new refresh token slides on from the newest one.
        assert APIClient().post(REFRESH, {"refresh": newest_refresh}, format="json").status_code == 200

        with django_capture_on_commit_callbacks(execute=True):
            response = bearer(APIClient(), access).post(LOGOUT, {"refresh": newest_refresh}, format="json")
        assert response.status_code == 200
        for refresh in (stored_refresh, newest_refresh):
            response = APIClient().post(REFRESH, {"refresh": refresh}, format="json")
            assert response.status_code == 401 and response.json()["code"] == "token_not_valid"

    def test_the_first_refresh_token_lasts_its_own_lifetime(self, api_client, monkeypatch):
        from rest_framework_simplejwt.settings import api_settings as jwt_settings

        clock = FakeTokenClock(monkeypatch)
        refresh = tokens_for_user(UserFactory())["refresh"]

        clock.advance(jwt_settings.REFRESH_TOKEN_LIFETIME - timedelta(minutes=1))
        assert api_client.post(REFRESH, {"refresh": refresh}, format="json").status_code == 200
        clock.advance(timedelta(minutes=2))
        assert api_client.post(REFRESH, {"refresh": refresh}, format="json").status_code == 401

    def test_logout_with_the_first_token_ends_the_rotated_ones_too(self, api_client):
        tokens = tokens_for_user(UserFactory())
        rotated = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").json()["refresh"]

        # Without the after-commit record (the cache): the blacklist alone refuses them.
        session_logout(user=None, refresh=tokens["refresh"])

        assert api_client.post(REFRESH, {"refresh": rotated}, format="json").status_code == 401
        assert api_client.post(VERIFY, {"token": rotated}, format="json").status_code == 401


class TestLogoutEndsOneSessionOfSeveral:
    """Two sign-ins of one user (a phone and a laptop); the phone's session has refreshed several
    times, so it holds a first refresh token, rotated ones, and an access token of each."""

    @pytest.mark.parametrize("shown", [0, 2, -1], ids=["first-token", "a-middle-token", "newest-token"])
    def test_ends_every_token_of_that_session_and_no_other(self, shown, django_capture_on_commit_callbacks):
        UserFactory(email="two@example.com")
        phone = sign_in("two@example.com", rotations=3)
        laptop = sign_in("two@example.com", rotations=1)

        with django_capture_on_commit_callbacks(execute=True):
            response = APIClient().post(LOGOUT, {"refresh": phone.refresh[shown]}, format="json")

        assert response.status_code == 200
        assert_ended(phone)
        assert_alive(laptop, "two@example.com")

    def test_the_other_sessions_tokens_stay_good_without_the_cache_record(self, api_client):
        UserFactory(email="two@example.com")
        phone = sign_in("two@example.com", rotations=3)
        laptop = sign_in("two@example.com", rotations=2)

        # The after-commit record never runs here: what is refused is what was blacklisted.
        assert api_client.post(LOGOUT, {"refresh": phone.refresh[0]}, format="json").status_code == 200

        blacklisted = set(BlacklistedToken.objects.values_list("token__jti", flat=True))
        assert blacklisted == {jti_of(refresh) for refresh in phone.refresh}
        for refresh in phone.refresh:
            assert api_client.post(REFRESH, {"refresh": refresh}, format="json").status_code == 401
        assert_alive(laptop, "two@example.com")

    def test_logging_the_other_session_out_later_ends_it_too(self, django_capture_on_commit_callbacks):
        UserFactory(email="two@example.com")
        phone = sign_in("two@example.com", rotations=2)
        laptop = sign_in("two@example.com", rotations=2)

        with django_capture_on_commit_callbacks(execute=True):
            assert APIClient().post(LOGOUT, {"refresh": phone.refresh[-1]}, format="json").status_code == 200
            assert APIClient().post(LOGOUT, {"refresh": laptop.refresh[0]}, format="json").status_code == 200

        assert_ended(phone)
        assert_ended(laptop)
        # Signing in again opens a new session that works.
        assert_alive(sign_in("two@example.com", rotations=1), "two@example.com")


def count_decoded_tokens(monkeypatch) -> list[str]:
    """Every token decoded from now on, in order."""
    decoded = []
    decode = TokenBackend.decode

    def counting_decode(backend, token, verify=True):
        decoded.append(token)
        return decode(backend, token, verify)

    monkeypatch.setattr(TokenBackend, "decode", counting_decode)
    return decoded


class TestLogoutCost:
    """Every refresh adds an outstanding token; logout finds its session's by an index, so its
    cost does not grow with how many the user holds."""

    def test_a_fixed_number_of_queries_whatever_the_user_holds(self, django_assert_max_num_queries, throttle_rates,
                                                               monkeypatch):
        throttle_rates(anon="1000/minute")  # 200 refreshes from one address in a few seconds
        UserFactory(email="busy@example.com")
        small = sign_in("busy@example.com", rotations=1)
        sessions = [sign_in("busy@example.com", rotations=rotations) for rotations in (99, 59, 37)]
        assert OutstandingToken.objects.count() == 2 + 100 + 60 + 38 == 200
        big = sessions[0]

        with CaptureQueriesContext(connection) as small_logout:
            assert APIClient().post(LOGOUT, {"refresh": small.refresh[0]}, format="json").status_code == 200
        decoded = count_decoded_tokens(monkeypatch)
        with django_assert_max_num_queries(len(small_logout)) as big_logout:
            assert APIClient().post(LOGOUT, {"refresh": big.refresh[0]}, format="json").status_code == 200

        assert len(big_logout) <= 11
        assert decoded == [big.refresh[0]]  # the token shown, and none of the 199 others
        # Exactly the two sessions' tokens are blacklisted, every one of them.
        blacklisted = set(BlacklistedToken.objects.values_list("token__jti", flat=True))
        assert blacklisted == {jti_of(refresh) for refresh in small.refresh + big.refresh}
        for other in sessions[1:]:
            assert_alive(other, "busy@example.com")


class TestTheDataMigration:
    def test_records_the_session_of_every_live_token_issued_before(self, api_client, monkeypatch):
        UserFactory(email="old@example.com")
        phone = sign_in("old@example.com", rotations=2)
        laptop = sign_in("old@example.com", rotations=1)
        unnamed = RefreshToken.for_user(UserFactory())  # from before sessions had ids
        session_logout(user=None, refresh=laptop.refresh[0])  # blacklisted: nothing to record
        clock = FakeTokenClock(monkeypatch)
        clock.advance(-RefreshToken.lifetime - timedelta(hours=1))
        stale = sign_in("old@example.com")  # expired an hour ago
        clock.advance(RefreshToken.lifetime + timedelta(hours=1))
        SessionToken.objects.all().delete()  # as the tokens of an older release were

        migration = importlib.import_module("accounts.migrations.0003_session_token")
        migration.record_live_tokens(MigrationExecutor(connection).loader.project_state(
            ("accounts", "0003_session_token")).apps, None)

        recorded = dict(SessionToken.objects.values_list("token_id", "session_id"))
        assert recorded == {jti_of(refresh): RefreshToken(phone.refresh[0])["sid"] for refresh in phone.refresh}
        assert str(unnamed["jti"]) not in recorded and jti_of(stale.refresh[0]) not in recorded
        # So logout ends the whole session again, whichever token it shows.
        assert api_client.post(LOGOUT, {"refresh": phone.refresh[-1]}, format="json").status_code == 200
        for refresh in phone.refresh:
            assert api_client.post(REFRESH, {"refresh": refresh}, format="json").status_code == 401
