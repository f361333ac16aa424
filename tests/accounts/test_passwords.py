import re

import pytest
from django.core import mail
from rest_framework.test import APIClient

from accounts.services import tokens_for_user
from tests.accounts.factories import PASSWORD, UserFactory
from tests.accounts.sessions import Session, assert_alive, assert_ended, sign_in
from tests.conftest import authenticated_client

pytestmark = pytest.mark.django_db

CHANGE = "/api/auth/password/change/"
RESET = "/api/auth/password/reset/"
CONFIRM = "/api/auth/password/reset/confirm/"
LOGIN = "/api/auth/login/"
REFRESH = "/api/auth/token/refresh/"
ME = "/api/auth/user/me/"
NEW_PASSWORD = "Brand-new-secret-77"


def change(client, old=PASSWORD, new=NEW_PASSWORD, confirm=None):
    body = {"old_password": old, "new_password": new, "new_password_confirm": confirm or new}
    return client.post(CHANGE, body, format="json")


class TestChange:
    def test_ends_other_sessions_and_opens_a_new_one(self, api_client):
        user = UserFactory()
        this_device = tokens_for_user(user)
        other_device = tokens_for_user(user)
        client = authenticated_client(user)

        response = change(client)

        assert response.status_code == 200
        body = response.json()
        assert body["message"] == "Password changed."
        # The other device's refresh token is blacklisted, its access token revoked.
        assert api_client.post(REFRESH, {"refresh": other_device["refresh"]}, format="json").status_code == 401
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {this_device['access']}")
        assert api_client.get(ME).status_code == 401
        # The new pair works, and so does the new password.
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
        assert api_client.get(ME).status_code == 200
        api_client.credentials()
        assert api_client.post(REFRESH, {"refresh": body["refresh"]}, format="json").status_code == 200
        login = api_client.post(LOGIN, {"email": user.email, "password": NEW_PASSWORD}, format="json")
        assert login.status_code == 200

    def test_wrong_old_password(self, seller_client, seller):
        response = change(seller_client, old="not-my-password")

        assert response.status_code == 400
        assert "old_password" in response.json()["details"]
        seller.refresh_from_db()
        assert seller.check_password(PASSWORD)

    def test_new_password_goes_through_the_validators(self, seller_client):
        response = change(seller_client, new="password")

        assert response.status_code == 400
        assert "new_password" in response.json()["details"]

    def test_confirmation_must_match(self, seller_client):
        response = change(seller_client, confirm="Something-else-88")

        assert response.status_code == 400
        assert "new_password_confirm" in response.json()["details"]

    def test_needs_authentication(self, api_client):
        assert change(api_client).status_code == 401


def reset_link_from_mail() -> dict[str, str]:
    message = mail.outbox[-1]
    match = re.search(r"reset-password\?uid=([\w-]+)&token=([\w-]+)", message.body)
    assert match, message.body
    return {"uid": match.group(1), "token": match.group(2)}


class TestReset:
    def test_existing_account_gets_a_link_that_sets_a_new_password(
            self, api_client, django_capture_on_commit_callbacks):
        user = UserFactory(email="ama@example.com")
        old_session = tokens_for_user(user)

        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(RESET, {"email": "AMA@example.com"}, format="json")

        assert response.status_code == 200
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["ama@example.com"]
        assert message.alternatives[0][1] == "text/html"
        link = reset_link_from_mail()

        confirm = api_client.post(
            CONFIRM, {**link, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD}, format="json"
        )

        assert confirm.status_code == 200
        assert api_client.post(LOGIN, {"email": user.email, "password": NEW_PASSWORD}, format="json").status_code == 200
        assert api_client.post(REFRESH, {"refresh": old_session["refresh"]}, format="json").status_code == 401

    def test_unknown_email_gets_the_same_answer_and_no_mail(self, api_client, django_capture_on_commit_callbacks):
        UserFactory(email="ama@example.com")

        with django_capture_on_commit_callbacks(execute=True):
            known = api_client.post(RESET, {"email": "ama@example.com"}, format="json")
            unknown = api_client.post(RESET, {"email": "nobody@example.com"}, format="json")

        assert known.status_code == unknown.status_code == 200
        assert known.json() == unknown.json()
        assert [m.to for m in mail.outbox] == [["ama@example.com"]]

    def test_a_link_works_once(self, api_client, django_capture_on_commit_callbacks):
        UserFactory(email="ama@example.com")
        with django_capture_on_commit_callbacks(execute=True):
            api_client.post(RESET, {"email": "ama@example.com"}, format="json")
        link = reset_link_from_mail()
        body = {**link, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD}
        assert api_client.post(CONFIRM, body, format="json").status_code == 200

        reused = {**body, "new_password": "Yet-another-99", "new_password_confirm": "Yet-another-99"}
        again = api_client.post(CONFIRM, reused, format="json")

        assert again.status_code == 400
        assert again.json()["code"] == "invalid_reset_link"

    @pytest.mark.parametrize("uid, token", [("MQ", "bad-token"), ("!!!", "x"), ("OTk5OTk", "abc-def")])
    def test_forged_links_are_refused(self, api_client, uid, token):
        UserFactory()

        response = api_client.post(
            CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
            format="json",
        )

        assert response.status_code == 400
        assert response.json()["code"] == "invalid_reset_link"

    def test_weak_new_password_keeps_the_link_usable(self, api_client, django_capture_on_commit_callbacks):
        UserFactory(email="ama@example.com")
        with django_capture_on_commit_callbacks(execute=True):
            api_client.post(RESET, {"email": "ama@example.com"}, format="json")
        link = reset_link_from_mail()

        weak = api_client.post(CONFIRM, {**link, "new_password": "123", "new_password_confirm": "123"}, format="json")
        assert weak.status_code == 400
        assert "new_password" in weak.json()["details"]

        strong = {**link, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD}
        assert api_client.post(CONFIRM, strong, format="json").status_code == 200

    def test_reset_requests_are_throttled_per_address(self, api_client, throttle_rates):
        throttle_rates(password_reset_ip="2/minute")
        api_client.post(RESET, {"email": "ama@example.com"}, format="json")
        api_client.post(RESET, {"email": "kofi@example.com"}, format="json")

        response = api_client.post(RESET, {"email": "esi@example.com"}, format="json")

        assert response.status_code == 429
        assert response.json()["code"] == "throttled"
        assert int(response["Retry-After"]) > 0
        other_address = api_client.post(RESET, {"email": "esi@example.com"}, format="json", REMOTE_ADDR="10.0.0.2")
        assert other_address.status_code == 200

    def test_reset_mails_are_capped_per_account_behind_the_same_answer(
        self, api_client, settings, django_capture_on_commit_callbacks
    ):
        settings.PASSWORD_RESET_MAILS_PER_HOUR = 3
        UserFactory(email="ama@example.com")

        with django_capture_on_commit_callbacks(execute=True):
            answers = [api_client.post(RESET, {"email": "ama@example.com"}, format="json", REMOTE_ADDR=f"10.0.0.{n}")
                       for n in range(5)]
            unknown = api_client.post(RESET, {"email": "nobody@example.com"}, format="json", REMOTE_ADDR="10.0.1.1")

        assert [m.to for m in mail.outbox] == [["ama@example.com"]] * 3
        assert {answer.status_code for answer in answers} == {unknown.status_code} == {200}
        assert all(answer.content == unknown.content for answer in answers)
        assert unknown.json() == {"message": "If an account exists for this email, a reset link is on its way."}

    def test_the_mail_cap_is_per_account(self, api_client, settings, django_capture_on_commit_callbacks):
        settings.PASSWORD_RESET_MAILS_PER_HOUR = 1
        UserFactory(email="ama@example.com")
        UserFactory(email="kofi@example.com")

        with django_capture_on_commit_callbacks(execute=True):
            for email in ("ama@example.com", "ama@example.com", "kofi@example.com"):
                assert api_client.post(RESET, {"email": email}, format="json").status_code == 200

        assert [m.to for m in mail.outbox] == [["ama@example.com"], ["kofi@example.com"]]

    def test_reset_confirmations_are_throttled_per_address(self, api_client, throttle_rates):
        throttle_rates(password_reset_confirm_ip="2/minute")
        body = {"uid": "MQ", "token": "bad-token", "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD}
        assert [api_client.post(CONFIRM, body, format="json").status_code for _ in range(2)] == [400, 400]

        response = api_client.post(CONFIRM, body, format="json")

        assert response.status_code == 429
        assert response.json()["code"] == "throttled" and int(response["Retry-After"]) > 0
        assert api_client.post(CONFIRM, body, format="json", REMOTE_ADDR="10.0.0.2").status_code == 400


class TestEveryTokenOfEverySessionEnds:
    """A session that refreshed holds its first refresh token (which the API document's frontend
    keeps) and a rotated one: a password change or reset ends both, and both access tokens."""

    def test_password_change(self):
        UserFactory(email="ama@example.com")
        this_device = sign_in("ama@example.com", rotations=1)
        other_device = sign_in("ama@example.com", rotations=2)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {this_device.access[-1]}")

        response = change(client)

        assert response.status_code == 200
        assert_ended(this_device)
        assert_ended(other_device)
        # This client goes on with the pair the change answered.
        after = Session(refresh=[response.json()["refresh"]], access=[response.json()["access"]])
        assert_alive(after, "ama@example.com")

    def test_password_reset(self, api_client, django_capture_on_commit_callbacks):
        UserFactory(email="ama@example.com")
        sessions = [sign_in("ama@example.com", rotations=1), sign_in("ama@example.com", rotations=3)]
        with django_capture_on_commit_callbacks(execute=True):
            assert api_client.post(RESET, {"email": "ama@example.com"}, format="json").status_code == 200
        body = {**reset_link_from_mail(), "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD}

        assert api_client.post(CONFIRM, body, format="json").status_code == 200

        for session in sessions:
            assert_ended(session)
        assert_alive(sign_in("ama@example.com", password=NEW_PASSWORD, rotations=1), "ama@example.com")

    def test_a_failed_change_ends_nothing(self):
        UserFactory(email="ama@example.com")
        session = sign_in("ama@example.com", rotations=1)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {session.access[-1]}")

        assert change(client, old="not-my-password").status_code == 400

        assert_alive(session, "ama@example.com")
