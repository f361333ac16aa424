"""Issue 11, medium 7: what strangers do with a user's email never keeps that user, with the
right password, out of their account. Each action has its own buckets; login counts only
failures, per client address and email together."""

import pytest
from django.core import mail

from tests.accounts.factories import PASSWORD, UserFactory
from tests.conftest import authenticated_client

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login/"
REGISTER = "/api/auth/register/"
RESET = "/api/auth/password/reset/"
CHANGE = "/api/auth/password/change/"
OWNER_ADDRESS = "10.0.0.1"
STRANGER_ADDRESS = "10.66.0.9"


def login(client, email, password, address=OWNER_ADDRESS):
    return client.post(LOGIN, {"email": email, "password": password}, format="json", REMOTE_ADDR=address)


def test_reset_requests_for_an_email_do_not_stop_its_owners_login(api_client, throttle_rates):
    throttle_rates(password_reset_ip="100/minute")
    UserFactory(email="ama@example.com")
    for _ in range(10):
        assert api_client.post(RESET, {"email": "ama@example.com"}, format="json",
                               REMOTE_ADDR=STRANGER_ADDRESS).status_code == 200

    response = login(api_client, "ama@example.com", PASSWORD)

    assert response.status_code == 200
    assert response.json()["user"]["email"] == "ama@example.com"


def test_registrations_with_an_email_do_not_stop_its_owners_login(api_client):
    UserFactory(email="ama@example.com")
    body = {"email": "ama@example.com", "password": "securepassword123", "password_confirm": "securepassword123"}
    answers = [api_client.post(REGISTER, body, format="json", REMOTE_ADDR=STRANGER_ADDRESS) for _ in range(8)]
    assert answers[-1].status_code == 429  # the registration's own bucket is spent...

    assert login(api_client, "ama@example.com", PASSWORD).status_code == 200  # ...and only that one


def test_a_strangers_failed_logins_do_not_lock_the_owner_out(api_client, throttle_rates):
    throttle_rates(login_failed="3/minute")
    UserFactory(email="ama@example.com")
    guesses = [login(api_client, "ama@example.com", f"guess-{n}", STRANGER_ADDRESS) for n in range(5)]

    # The stranger's guessing is slowed down: after three failures even the right password waits.
    assert [guess.status_code for guess in guesses] == [401, 401, 401, 429, 429]
    assert login(api_client, "ama@example.com", PASSWORD, STRANGER_ADDRESS).status_code == 429
    # The owner, from their own address, signs in.
    assert login(api_client, "AMA@example.com", PASSWORD).status_code == 200


def test_only_failed_logins_are_counted(api_client, throttle_rates):
    throttle_rates(login_failed="2/minute")
    UserFactory(email="ama@example.com")

    assert [login(api_client, "ama@example.com", PASSWORD).status_code for _ in range(6)] == [200] * 6
    assert login(api_client, "ama@example.com", "guess-1").status_code == 401
    assert login(api_client, "ama@example.com", PASSWORD).status_code == 200
    assert login(api_client, "ama@example.com", "guess-2").status_code == 401

    throttled = login(api_client, "ama@example.com", PASSWORD)
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled" and int(throttled["Retry-After"]) > 0


def test_invalid_login_bodies_are_not_counted_as_failures(api_client, throttle_rates):
    throttle_rates(login_failed="1/minute")
    UserFactory(email="ama@example.com")
    for _ in range(3):
        assert api_client.post(LOGIN, {"email": "ama@example.com"}, format="json").status_code == 400

    assert login(api_client, "ama@example.com", PASSWORD).status_code == 200


def test_reset_requests_do_not_spend_the_password_change_bucket(api_client, throttle_rates,
                                                                django_capture_on_commit_callbacks):
    throttle_rates(password_reset_ip="100/minute")
    user = UserFactory(email="ama@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(8):
            api_client.post(RESET, {"email": "ama@example.com"}, format="json", REMOTE_ADDR=STRANGER_ADDRESS)

    response = authenticated_client(user).post(
        CHANGE, {"old_password": PASSWORD, "new_password": "Brand-new-secret-77",
                 "new_password_confirm": "Brand-new-secret-77"}, format="json")

    assert response.status_code == 200
    assert len(mail.outbox) == 3  # PASSWORD_RESET_MAILS_PER_HOUR


def test_password_changes_are_throttled_per_user(throttle_rates):
    throttle_rates(password_change="2/minute")
    user = UserFactory()
    client = authenticated_client(user)
    wrong = {"old_password": "not-it-at-all", "new_password": "Brand-new-secret-77",
             "new_password_confirm": "Brand-new-secret-77"}
    assert [client.post(CHANGE, wrong, format="json").status_code for _ in range(2)] == [400, 400]

    response = client.post(CHANGE, wrong, format="json")

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    other = authenticated_client(UserFactory())
    assert other.post(CHANGE, wrong, format="json").status_code == 400


def test_a_request_without_a_client_address_is_still_counted(api_client, throttle_rates):
    # A WSGI server may leave REMOTE_ADDR out; the failure bucket must not turn that into a 500.
    throttle_rates(login_failed="1/minute")
    UserFactory(email="ama@example.com")

    assert login(api_client, "ama@example.com", "guess-guess", address=None).status_code == 401
    assert login(api_client, "ama@example.com", PASSWORD, address=None).status_code == 429
