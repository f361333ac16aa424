import os

import pytest
from cryptography.fernet import Fernet
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test import Client, override_settings
from rest_framework.test import APIClient

from accounts.services import tokens_for_user
from sellflow.celery import app as celery_app
from sellflow.counters import pending_reset
from tests.accounts.factories import UserFactory

# Keys of this test process in a shared Redis: xdist workers and concurrent CI runs never
# see (or clear) each other's throttle counters, cached keys or channel groups.
TEST_KEY_PREFIX = f"sellflow-test-{os.getpid()}"
# Connections the test process's pool may open: its largest burst of threads, and the test's own.
TEST_POOL_MAX_SIZE = 20


@pytest.fixture(scope="session", autouse=True)
def _test_infrastructure(tmp_path_factory):
    """Tasks run in-process; cache and channel layer keys are private to this process; files,
    from the migrations that create the test database on, go to folders of this run, never to
    the developer's media folder."""
    from django.conf import settings

    files = tmp_path_factory.mktemp("files")

    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True

    # A served process does its database work in one thread (sellflow/settings.py sizes its pool
    # for that); tests send bursts of real threads through this one, each with its connection.
    pool = connection.settings_dict["OPTIONS"].get("pool")
    if pool:
        pool["max_size"] = max(pool["max_size"], TEST_POOL_MAX_SIZE)  # for every pool made from now on
        if made := connection._connection_pools.get(connection.alias):
            made.resize(pool["min_size"], pool["max_size"])

    overrides = {
        # PBKDF2's real cost is for production; tests hash many passwords.
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        # Tests do not run collectstatic: static files come from the finders, as under `make run`.
        "WHITENOISE_USE_FINDERS": True,
        "WHITENOISE_AUTOREFRESH": True,
        "STORAGES": {**settings.STORAGES,
                     "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
        "CACHES": {"default": {**settings.CACHES["default"], "KEY_PREFIX": TEST_KEY_PREFIX}},
        "MEDIA_ROOT": files / "media",
        "PRIVATE_FILES_ROOT": files / "private",
        # Encrypted fields: the installation's development key on the embedded default; on PostgreSQL,
        # where a real database brings its own keys and CI sets none, a key made for this run.
        "FIELD_ENCRYPTION_KEYS": settings.FIELD_ENCRYPTION_KEYS or [Fernet.generate_key().decode()],
        # Social platforms: a closed loopback port unless a test points them at its fake server, so a
        # test that forgets to never reaches the internet.
        "META_GRAPH_URL": "http://127.0.0.1:9", "X_API_URL": "http://127.0.0.1:9",
        # ...and the real clients, not the built-in local platform, unless a test turns it on.
        "SOCIAL_LOCAL_PLATFORM": False,
        # Payments go through the test gateway in every run, PostgreSQL's included.
        "PAYMENT_TEST_GATEWAY": True,
        **{f"PAYMENT_GATEWAY_{method}": "test" for method in ("CARD", "MOBILE_MONEY", "BANK_TRANSFER", "PAYPAL")},
    }
    if "RedisChannelLayer" in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
        layer = settings.CHANNEL_LAYERS["default"]
        overrides["CHANNEL_LAYERS"] = {
            "default": {**layer, "CONFIG": {**layer["CONFIG"], "prefix": f"{TEST_KEY_PREFIX}:asgi"}}
        }
    with override_settings(**overrides):
        yield
        clear_cache()


def clear_cache() -> None:
    """Empty this process's cache. On Redis only our own keys go (FLUSHDB would take everyone's)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        client = backend._cache.get_client(None, write=True)
        keys = list(client.scan_iter(match=f"{TEST_KEY_PREFIX}:*", count=500))
        if keys:
            client.delete(*keys)
    else:
        backend.clear()
        pending_reset()  # pending counts kept beside the local-memory cache


@pytest.fixture(autouse=True)
def _fresh_state(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    clear_cache()  # throttle counters and cached keys never leak between tests
    yield


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
def operator_client(db) -> Client:
    """A staff superuser logged in to the Django admin."""
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def throttle_rates(settings):
    """Set some throttle rates for one test: throttle_rates(login_ip="2/minute")."""

    def set_rates(**rates):
        framework = dict(settings.REST_FRAMEWORK)
        framework["DEFAULT_THROTTLE_RATES"] = {**framework["DEFAULT_THROTTLE_RATES"], **rates}
        settings.REST_FRAMEWORK = framework

    return set_rates
