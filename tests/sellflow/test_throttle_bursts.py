"""Credential throttles hold against parallel bursts (issue 11 follow-up): every request takes its
slot with one atomic increment before any credential is checked, so requests in flight together
cannot all read "not yet". Real threads against the test client, on the cache of the run
(local memory, and Redis in CI's second run)."""

import threading

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from notifications.models import Notification
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BURST = 12
ADDRESS = "203.0.113.7"


class HeldPasswordChecks:
    """Holds each password check until every request of the burst is either inside one or already
    answered: the checks of the burst overlap for certain, with no sleep."""

    def __init__(self, monkeypatch, requests: int):
        self.requests = requests
        self.inside = 0
        self.answered = 0
        self.released = False
        self.condition = threading.Condition()
        check_password = User.check_password

        def held_check(user, raw_password):
            with self.condition:
                self.inside += 1
                self.condition.notify_all()
                self.condition.wait_for(lambda: self.released, timeout=10)
            return check_password(user, raw_password)

        monkeypatch.setattr(User, "check_password", held_check)

    def run(self, send) -> list:
        """`send(i)` in `requests` threads at once; their answers' status codes, in order."""
        statuses = [None] * self.requests

        def one(i):
            try:
                statuses[i] = send(i).status_code
            finally:
                connection.close()
                with self.condition:
                    self.answered += 1
                    self.condition.notify_all()

        threads = [threading.Thread(target=one, args=(i,)) for i in range(self.requests)]
        for thread in threads:
            thread.start()
        with self.condition:
            self.condition.wait_for(lambda: self.inside + self.answered >= self.requests, timeout=10)
            self.released = True
            self.condition.notify_all()
        for thread in threads:
            thread.join()
        return statuses


def slow_cache(monkeypatch, seconds: float = 0.01) -> None:
    """Every cache call takes a round trip's time, as a remote Redis does: a throttle that reads
    then writes leaves that long for the other requests of a burst to read the same count."""
    backend = type(caches["default"])
    for name in ("get", "set", "add", "incr", "decr"):
        call = getattr(backend, name)

        def slow(self, *args, _call=call, **kwargs):
            threading.Event().wait(seconds)
            return _call(self, *args, **kwargs)

        monkeypatch.setattr(backend, name, slow)


def api_login(i: int, password: str = "wrong-guess", address: str = ADDRESS):
    return APIClient().post("/api/auth/login/", {"email": "ama@example.com", "password": password},
                            format="json", REMOTE_ADDR=address)


def admin_sign_in(i: int, address: str = ADDRESS):
    return Client().post("/admin/login/?next=/admin/", {"username": "ops@example.com", "password": "wrong-guess"},
                         REMOTE_ADDR=address)


def test_parallel_wrong_passwords_get_no_more_failures_than_the_login_allows(monkeypatch, throttle_rates):
    throttle_rates(login_failed="3/hour", login_ip="100/minute")
    UserFactory(email="ama@example.com")

    statuses = HeldPasswordChecks(monkeypatch, BURST).run(api_login)

    assert sorted(statuses) == [401] * 3 + [429] * (BURST - 3)
    # The failures stay counted: the next attempt, with the right password, waits too.
    refused = api_login(0, PASSWORD)
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert api_login(0, PASSWORD, address="198.51.100.1").status_code == 200


def test_parallel_wrong_passwords_get_no_more_failures_than_the_admin_allows(monkeypatch, throttle_rates):
    throttle_rates(admin_login_failed="3/hour", admin_login_ip="100/minute")
    UserFactory(email="ops@example.com", is_staff=True)

    statuses = HeldPasswordChecks(monkeypatch, BURST).run(admin_sign_in)

    assert sorted(statuses) == [200] * 3 + [429] * (BURST - 3)


def test_parallel_guesses_from_many_addresses_alert_the_operators_exactly_once(monkeypatch, settings):
    settings.ADMIN_LOGIN_ALERT_FAILURES_PER_HOUR = 5
    UserFactory(email="ops@example.com", is_staff=True)
    UserFactory(email="lead@example.com", is_staff=True)

    statuses = HeldPasswordChecks(monkeypatch, BURST).run(lambda i: admin_sign_in(i, address=f"203.0.113.{i}"))

    assert statuses == [200] * BURST  # one failure per address: nobody is refused
    assert sorted(Notification.objects.values_list("user__email", "title")) == [
        ("lead@example.com", "Failed admin sign-ins for ops@example.com"),
        ("ops@example.com", "Failed admin sign-ins for ops@example.com"),
    ]


@pytest.mark.parametrize("scope, send, allowed_status", [
    ("login_ip", api_login, 401),
    ("admin_login_ip", admin_sign_in, 200),
    ("password_reset_ip", lambda i: APIClient().post("/api/auth/password/reset/", {"email": "ama@example.com"},
                                                     format="json", REMOTE_ADDR=ADDRESS), 200),
    ("register_ip", lambda i: APIClient().post(
        "/api/auth/register/", {"email": f"new{i}@example.com", "password": "x", "password_confirm": "y"},
        format="json", REMOTE_ADDR=ADDRESS), 400),
])
def test_a_parallel_burst_from_one_address_passes_its_limit_no_further(monkeypatch, throttle_rates, scope, send,
                                                                      allowed_status):
    throttle_rates(**{scope: "4/minute"})
    UserFactory(email="ama@example.com")
    UserFactory(email="ops@example.com", is_staff=True)
    slow_cache(monkeypatch)
    barrier = threading.Barrier(BURST)

    def at_once(i):
        barrier.wait(timeout=10)
        return send(i)

    statuses = HeldPasswordChecks(monkeypatch, BURST).run(at_once)

    assert sorted(statuses) == [allowed_status] * 4 + [429] * (BURST - 4)
