import os

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.services import tokens_for_user
from sellflow.celery import app as celery_app
from tests.accounts.factories import UserFactory


def _worker_number() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker.removeprefix("gw") or 0)


@pytest.fixture(scope="session", autouse=True)
def _test_infrastructure():
    """Tasks run in-process; each xdist worker gets its own Redis cache database and channel
    prefix (when Redis is configured), so flushing one worker's cache never touches another's."""
    from django.conf import settings

    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True

    overrides = {
        # PBKDF2's real cost is for production; tests hash many passwords.
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        # Tests do not run collectstatic: static files come from the finders, as under `make run`.
        "WHITENOISE_USE_FINDERS": True,
        "WHITENOISE_AUTOREFRESH": True,
        "STORAGES": {**settings.STORAGES,
                     "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
    }
    if "RedisCache" in settings.CACHES["default"]["BACKEND"]:
        base = settings.CACHES["default"]["LOCATION"].rsplit("/", 1)[0]
        overrides["CACHES"] = {"default": {**settings.CACHES["default"], "LOCATION": f"{base}/{1 + _worker_number()}"}}
    if "RedisChannelLayer" in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
        layer = settings.CHANNEL_LAYERS["default"]
        overrides["CHANNEL_LAYERS"] = {
            "default": {**layer, "CONFIG": {**layer["CONFIG"], "prefix": f"test{_worker_number()}:asgi"}}
        }
    with override_settings(**overrides):
        yield


@pytest.fixture(autouse=True)
def _fresh_state(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # throttle counters and cached keys never leak between tests
    yield
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def seller(db):
    return UserFactory(account_type="seller")


@pytest.fixture
def buyer(db):
    return UserFactory(account_type="buyer")


def authenticated_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for_user(user)['access']}")
    return client


@pytest.fixture
def seller_client(seller) -> APIClient:
    return authenticated_client(seller)


@pytest.fixture
def buyer_client(buyer) -> APIClient:
    return authenticated_client(buyer)


@pytest.fixture
def throttle_rates(settings):
    """Set some throttle rates for one test: throttle_rates(auth_email="2/minute")."""

    def set_rates(**rates):
        framework = dict(settings.REST_FRAMEWORK)
        framework["DEFAULT_THROTTLE_RATES"] = {**framework["DEFAULT_THROTTLE_RATES"], **rates}
        settings.REST_FRAMEWORK = framework

    return set_rates
