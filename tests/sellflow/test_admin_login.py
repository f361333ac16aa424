"""Issue 11, medium 5: the Django admin's sign-in form is throttled like the API's credential
endpoints: every POST per client address, failed sign-ins per account. A refused attempt gets a
429 page with Retry-After, and its password is never checked."""

import pytest
from django.test import Client

from accounts.models import User
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


@pytest.fixture
def operator():
    return UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)


def sign_in(client, username, password, address="10.0.0.1", **headers):
    return client.post(f"{LOGIN}?next=/admin/", {"username": username, "password": password},
                       REMOTE_ADDR=address, **headers)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_failed_sign_ins_are_throttled_per_account_from_any_address(operator, throttle_rates):
    throttle_rates(admin_login_failed="3/hour")
    for n in range(3):
        wrong = sign_in(Client(), "ops@example.com", f"guess-{n}", address=f"10.0.0.{n + 10}")
        assert wrong.status_code == 200 and "Please enter the correct email" in wrong.content.decode()

    client = Client()
    response = sign_in(client, "OPS@example.com", PASSWORD, address="10.0.0.99")

    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert 0 < int(response["Retry-After"]) <= 3600
    page = response.content.decode()
    assert "<title>Too many sign-in attempts" in page and "Try again in" in page
    # Refused before the password was checked: the right one did not sign in.
    assert not signed_in(client)
    operator.refresh_from_db()
    assert operator.last_login is None
    # Other accounts are not held back by this one.
    other = UserFactory(email="ops2@example.com", is_staff=True)
    assert sign_in(Client(), other.email, PASSWORD, address="10.0.0.99").status_code == 302


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
