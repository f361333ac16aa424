import os
import socket
from urllib.parse import urlparse

import pytest
from django.db import OperationalError
from django.test import override_settings

from sellflow.celery import app as celery_app

pytestmark = pytest.mark.django_db

HEALTH = "/api/health/"


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The Redis of CI's second run (REDIS_URL), or a local one on the default port.
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def redis_answers() -> bool:
    address = urlparse(REDIS_URL)
    try:
        with socket.create_connection((address.hostname, address.port or 6379), timeout=0.2):
            return True
    except OSError:
        return False


def test_all_ok_on_the_embedded_default(api_client):
    response = api_client.get(HEALTH)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "eager"}


def test_needs_no_authentication_and_is_not_throttled(api_client, throttle_rates):
    throttle_rates(anon="1/minute")

    assert [api_client.get(HEALTH).status_code for _ in range(3)] == [200, 200, 200]


def test_cache_down_is_503_naming_the_cache(api_client):
    dead_redis = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                              "LOCATION": f"redis://127.0.0.1:{unused_port()}/0"}}
    with override_settings(CACHES=dead_redis):
        response = api_client.get(HEALTH)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["cache"] == "error"
    assert body["database"] == "ok"
    assert body["code"] == "unavailable"
    assert "cache" in body["details"]


def test_database_down_is_503_naming_the_database(api_client, monkeypatch):
    from django.db import connection

    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = api_client.get(HEALTH)

    assert response.status_code == 503
    assert response.json()["database"] == "error"
    assert response.json()["cache"] == "ok"


@pytest.fixture
def real_broker():
    """Let the health check talk to a broker instead of reporting eager mode."""
    saved = {"task_always_eager": celery_app.conf.task_always_eager, "broker_url": celery_app.conf.broker_url}

    def use(url: str):
        celery_app.conf.update(task_always_eager=False, broker_url=url)

    yield use
    celery_app.conf.update(**saved)


def test_broker_down_is_503_naming_the_broker(api_client, real_broker):
    real_broker(f"redis://127.0.0.1:{unused_port()}/0")

    response = api_client.get(HEALTH)

    assert response.status_code == 503
    assert response.json()["broker"] == "error"


@pytest.mark.skipif(not redis_answers(), reason="needs a Redis server (CI's second run has one)")
def test_broker_ok_with_redis(api_client, real_broker):
    real_broker(REDIS_URL)

    response = api_client.get(HEALTH)

    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


def test_answers_plain_http_probes_when_https_is_enforced(api_client, settings):
    """The container health check talks plain HTTP to the app behind the TLS proxy."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["api.example.com"]

    probe = api_client.get(HEALTH, HTTP_HOST="api.example.com")
    other = api_client.get("/api/auth/user/me/", HTTP_HOST="api.example.com")

    assert probe.status_code == 200
    assert other.status_code == 301
