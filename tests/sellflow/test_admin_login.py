"""Issue 11, medium 5: the Django admin's sign-in form is throttled like the API's credential
endpoints: every POST per client address, failed sign-ins per address and account together, so a
stranger cannot lock an operator out (issue 11 follow-up); one account guessed from many addresses
alerts the operators instead. A refused attempt gets a 429 page with Retry-After, and its password
is never checked."""

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User
from notifications.models import Notification, NotificationType
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
STRANGER = "203.0.113.7"
OPERATOR = "198.51.100.1"


@pytest.fixture
def operator():
    return UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)


def sign_in(client, username, password, address="10.0.0.1", **headers):
    return client.post(f"{LOGIN}?next=/admin/", {"username": username, "password": password},
                       REMOTE_ADDR=address, **headers)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_a_strangers_failed_sign_ins_do_not_lock_the_operator_out(operator):
    for n in range(10):
        wrong = sign_in(Client(), "ops@example.com", f"guess-{n}", address=STRANGER)
        assert wrong.status_code == 200 and "Please enter the correct email" in wrong.content.decode()
    # The stranger's own guessing stops: even the right password is not checked from there.
    assert sign_in(Client(), "ops@example.com", PASSWORD, address=STRANGER).status_code == 429

    client = Client()
    response = sign_in(client, "OPS@example.com", PASSWORD, address=OPERATOR)

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert signed_in(client)


def test_failed_sign_ins_are_throttled_per_address_and_account(operator, throttle_rates):
    throttle_rates(admin_login_failed="3/hour")
    for n in range(3):
        assert sign_in(Client(), "ops@example.com", f"guess-{n}", address=STRANGER).status_code == 200

    client = Client()
    response = sign_in(client, "OPS@example.com", PASSWORD, address=STRANGER)

    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert 0 < int(response["Retry-After"]) <= 3600
    page = response.content.decode()
    assert "<title>Too many sign-in attempts" in page and "Try again in" in page
    # Refused before the password was checked: the right one did not sign in.
    assert not signed_in(client)
    operator.refresh_from_db()
    assert operator.last_login is None
    # Other accounts are not held back by this one, from the same address.
    other = UserFactory(email="ops2@example.com", is_staff=True)
    assert sign_in(Client(), other.email, PASSWORD, address=STRANGER).status_code == 302


def test_one_account_guessed_from_many_addresses_alerts_the_operators_once(
        operator, settings, django_capture_on_commit_callbacks):
    settings.ADMIN_LOGIN_ALERT_FAILURES_PER_HOUR = 3
    colleague = UserFactory(email="lead@example.com", is_staff=True)
    UserFactory(email="seller@example.com")  # not staff: told nothing
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(6):
            assert sign_in(Client(), "ops@example.com", "guess-guess", address=f"203.0.113.{n}").status_code == 200

    alerts = Notification.objects.filter(type=NotificationType.SYSTEM)
    assert sorted(alerts.values_list("user__email", flat=True)) == ["lead@example.com", "ops@example.com"]
    alert = alerts.get(user=colleague)
    assert alert.title == "Failed admin sign-ins for ops@example.com"
    assert alert.data == {"account": "ops@example.com", "failures": 3, "window_seconds": 3600}
    assert "not locked" in alert.body
    assert sorted(message.to[0] for message in mail.outbox) == ["lead@example.com", "ops@example.com"]
    # Nobody was refused for it: the operator still signs in.
    assert sign_in(Client(), "ops@example.com", PASSWORD, address=OPERATOR).status_code == 302


def test_names_of_accounts_that_cannot_use_the_admin_alert_nobody(operator, settings,
                                                                  django_capture_on_commit_callbacks):
    settings.ADMIN_LOGIN_ALERT_FAILURES_PER_HOUR = 2
    UserFactory(email="seller@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        for name in ("seller@example.com", "nobody@example.com"):
            for n in range(3):
                assert sign_in(Client(), name, "guess-guess", address=f"203.0.113.{n}").status_code == 200

    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_every_attempt_from_one_address_counts(operator, throttle_rates):
    throttle_rates(admin_login_ip="3/minute")
    assert sign_in(Client(), "ops@example.com", PASSWORD).status_code == 302
    assert sign_in(Client(), "a@example.com", "guess-guess").status_code == 200
    assert sign_in(Client(), "b@example.com", "guess-guess").status_code == 200

    client = Client()
    response = sign_in(client, "ops@example.com", PASSWORD)

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert not signed_in(client)
    assert sign_in(Client(), "ops@example.com", PASSWORD, address="10.0.0.2").status_code == 302


def test_an_operators_own_sign_ins_do_not_count_against_them(operator, throttle_rates):
    throttle_rates(admin_login_failed="2/hour")
    for _ in range(5):
        client = Client()
        assert sign_in(client, "ops@example.com", PASSWORD).status_code == 302
        assert signed_in(client)


def test_the_address_is_read_through_the_configured_proxies(operator, throttle_rates, settings):
    throttle_rates(admin_login_ip="2/minute")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "172.18.0.5"
    # A client cannot pick its own address by sending X-Forwarded-For: the proxy appends the real one.
    for spoofed in ("1.1.1.1", "2.2.2.2"):
        response = sign_in(Client(), "x@example.com", "guess-guess", address=proxy,
                           HTTP_X_FORWARDED_FOR=f"{spoofed}, 203.0.113.7")
        assert response.status_code == 200

    assert sign_in(Client(), "x@example.com", "guess-guess", address=proxy,
                   HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7").status_code == 429
    # Another client behind the same proxy has its own bucket.
    assert sign_in(Client(), "ops@example.com", PASSWORD, address=proxy,
                   HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 302


def test_the_sign_in_page_itself_is_never_throttled(operator, throttle_rates):
    throttle_rates(admin_login_ip="1/minute", admin_login_failed="1/hour")
    sign_in(Client(), "ops@example.com", "guess-guess")

    for _ in range(3):
        assert Client().get(LOGIN, REMOTE_ADDR="10.0.0.1").status_code == 200


def test_a_throttled_sign_in_page_links_back_to_the_form(operator, throttle_rates):
    throttle_rates(admin_login_ip="1/minute")
    sign_in(Client(), "ops@example.com", "guess-guess")

    response = sign_in(Client(), "ops@example.com", "guess-guess")

    assert response.status_code == 429
    assert 'href="/admin/login/?next=/admin/"' in response.content.decode()
    assert User.objects.get(pk=operator.pk).last_login is None
