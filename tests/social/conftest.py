"""Fake platforms on loopback for the social clients, and the helpers every client test uses."""

import hashlib
import hmac
import threading
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from tests.fake_servers import FakeJSONServer
from tests.social.accounts_helpers import X_CLIENT_ID, X_CLIENT_SECRET

APP_ID = "1234567890"
APP_SECRET = "meta-app-secret-for-tests"
VERIFY_TOKEN = "meta-verify-word"
PAGE_TOKEN = "EAAPageToken-secret-value"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def clock():
    return NOW.timestamp()


@pytest.fixture
def fake_platform(settings):
    """One fake server standing in for both the Graph API and X's API, wired through settings."""
    with FakeJSONServer() as server:
        settings.META_APP_ID, settings.META_APP_SECRET = APP_ID, APP_SECRET
        settings.META_GRAPH_URL, settings.META_GRAPH_VERSION = server.url, "v24.0"
        settings.META_DIALOG_URL = "https://www.facebook.test"
        settings.X_CLIENT_ID, settings.X_CLIENT_SECRET = X_CLIENT_ID, X_CLIENT_SECRET
        settings.X_API_URL, settings.X_AUTHORIZE_URL = server.url, "https://x.test/i/oauth2/authorize"
        settings.SOCIAL_HTTP_TIMEOUT_SECONDS = 2
        settings.API_PUBLIC_URL = "https://api.sellflow.test"
        settings.SOCIAL_OAUTH_RETURN_URL = "https://app.sellflow.test/social/accounts"
        yield server


@pytest.fixture
def platform():
    with FakeJSONServer() as server:
        yield server


def appsecret_proof(token: str) -> str:
    return hmac.new(APP_SECRET.encode(), token.encode(), hashlib.sha256).hexdigest()


def graph_error(code: int, message: str = "Graph says no", status: int = 400, **fields) -> tuple[int, dict]:
    return status, {"error": {"message": message, "type": "OAuthException", "code": code,
                              "fbtrace_id": "AbC", **fields}}


@contextmanager
def answered_too_late(server, path: str, answer: tuple):
    """The platform takes the request and answers only after the client has given up."""
    release, handlers = threading.Event(), []

    def slow(received):
        handlers.append(threading.current_thread())
        release.wait(3)
        return answer

    server.routes[path] = slow
    try:
        yield
    finally:
        release.set()
        for handler in handlers:
            handler.join(3)  # its late answer hits a closed connection while the test still captures output


def sent_to(server, path: str):
    """The requests the fake received for `path` (query string aside)."""
    return [received for received in server.received if received.path.partition("?")[0] == path]
