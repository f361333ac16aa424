import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import EmailVerificationCode
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client

pytestmark = pytest.mark.django_db

REQUEST = "/api/auth/otp/request/"
VERIFY = "/api/auth/otp/verify/"


@pytest.fixture
def unverified():
    return UserFactory(is_verified=False)


@pytest.fixture
def client(unverified):
    return authenticated_client(unverified)


@pytest.fixture
def request_code(django_capture_on_commit_callbacks):
    """Ask for a code through the API and read it from the mail, as the user would."""

    def request(client) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(REQUEST)
        return _code_from_mail(response)

    return request


def _code_from_mail(response) -> str:
    assert response.status_code == 200, response.json()
    match = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)
    assert match
    return match.group(1)


def test_code_is_mailed_and_verifies_the_email(request_code, client, unverified):
    code = request_code(client)

    assert mail.outbox[-1].to == [unverified.email]
    assert code in mail.outbox[-1].subject
    response = client.post(VERIFY, {"code": code}, format="json")

    assert response.status_code == 200
    assert response.json()["is_verified"] is True
    unverified.refresh_from_db()
    assert unverified.is_verified


def test_only_a_keyed_hash_is_stored(request_code, client):
    code = request_code(client)

    stored = EmailVerificationCode.objects.get()
    assert code not in stored.code_hash
    assert len(stored.code_hash) == 64


def test_wrong_code_counts_an_attempt(request_code, client, unverified):
    code = request_code(client)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    response = client.post(VERIFY, {"code": wrong}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "otp_invalid"
    assert response.json()["details"] == {"attempts_remaining": 4}
    unverified.refresh_from_db()
    assert not unverified.is_verified


def test_five_wrong_attempts_burn_the_code(request_code, client, unverified, throttle_rates):
    throttle_rates(otp_email="100/minute")  # the attempt limit holds whatever the throttle allows
    code = request_code(client)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        client.post(VERIFY, {"code": wrong}, format="json")

    response = client.post(VERIFY, {"code": code}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "otp_attempts_exceeded"
    unverified.refresh_from_db()
    assert not unverified.is_verified


def test_expired_code_is_refused(request_code, client, unverified):
    code = request_code(client)
    EmailVerificationCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.post(VERIFY, {"code": code}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "otp_expired"


def test_code_expires_after_ten_minutes_by_default(request_code, client):
    before = timezone.now()
    request_code(client)

    stored = EmailVerificationCode.objects.get()
    assert timedelta(minutes=9, seconds=59) <= stored.expires_at - before <= timedelta(minutes=10, seconds=5)


def test_a_new_code_replaces_the_old_one(request_code, client):
    first = request_code(client)
    second = request_code(client)

    if first != second:
        assert client.post(VERIFY, {"code": first}, format="json").status_code == 400
    assert client.post(VERIFY, {"code": second}, format="json").status_code == 200


def test_a_code_works_once(request_code, client, unverified):
    code = request_code(client)
    assert client.post(VERIFY, {"code": code}, format="json").status_code == 200
    # Even if the account were unverified again (say, a future email change), the code is spent.
    type(unverified).objects.filter(pk=unverified.pk).update(is_verified=False)

    replay = client.post(VERIFY, {"code": code}, format="json")

    assert replay.status_code == 400
    assert replay.json()["code"] == "otp_not_found"
    assert EmailVerificationCode.objects.get().used_at is not None


def test_verify_is_throttled(request_code, client, throttle_rates):
    code = request_code(client)
    throttle_rates(otp_email="2/minute")
    client.post(VERIFY, {"code": "000000"}, format="json")

    response = client.post(VERIFY, {"code": code}, format="json")

    assert response.status_code == 429
    assert response["Retry-After"]


def test_verified_users_need_no_code(seller_client, seller, django_capture_on_commit_callbacks):
    seller.is_verified = True
    seller.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = seller_client.post(REQUEST)

    assert response.status_code == 409
    assert response.json()["code"] == "already_verified"
    assert not mail.outbox


def test_verify_without_a_pending_code(client):
    response = client.post(VERIFY, {"code": "123456"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "otp_not_found"


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", ""])
def test_code_must_be_six_digits(client, code):
    response = client.post(VERIFY, {"code": code}, format="json")

    assert response.status_code == 400
    assert "code" in response.json()["details"]


def test_requests_are_throttled(client, throttle_rates, django_capture_on_commit_callbacks):
    throttle_rates(otp_email="2/minute")
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(REQUEST)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REQUEST)

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert len(mail.outbox) == 2


def test_needs_authentication(api_client):
    assert api_client.post(REQUEST).status_code == 401
    assert api_client.post(VERIFY, {"code": "123456"}, format="json").status_code == 401
