"""What every client shares: the registry by the project's platform words, configuration from
settings, Retry-After in both forms, and telling "never sent" from "sent, answer lost"."""

import email.utils
import socket
import threading

import pytest
import requests

from social.platforms import (
    CLIENT_CLASSES,
    Credentials,
    PostRequest,
    TransientError,
    Uncertain,
    UnknownPlatform,
    client_for,
)
from social.platforms.base import request_was_sent, retry_after_seconds
from social.platforms.facebook import FacebookClient
from social.platforms.instagram import InstagramClient
from social.platforms.whatsapp import WhatsAppClient
from social.platforms.x import XClient
from tests.social.conftest import answered_too_late

CREDENTIALS = Credentials(access_token="token", platform_user_id="1")


@pytest.mark.parametrize("name, cls", [
    ("facebook", FacebookClient), ("instagram", InstagramClient), ("twitter", XClient), ("x", XClient),
    ("X", XClient), ("whatsapp", WhatsAppClient)])
def test_a_client_for_each_platform_word_and_alias(name, cls):
    client = client_for(name)

    assert type(client) is cls
    assert client.platform in CLIENT_CLASSES


@pytest.mark.parametrize("name", ["tiktok", "website", "myspace", ""])
def test_a_platform_without_a_client_is_refused(name):
    with pytest.raises(UnknownPlatform):
        client_for(name)


def test_clients_take_their_urls_versions_credentials_and_timeout_from_settings(settings):
    settings.META_GRAPH_URL = "https://graph.example/"
    settings.META_GRAPH_VERSION = "v99.0"
    settings.META_APP_ID = "app-1"
    settings.META_APP_SECRET = "app-secret"
    settings.META_DIALOG_URL = "https://login.example"
    settings.X_API_URL = "https://x-api.example/"
    settings.X_CLIENT_ID = "x-1"
    settings.SOCIAL_HTTP_TIMEOUT_SECONDS = 7.5

    facebook, x = client_for("facebook"), client_for("x")

    assert (facebook.api_url, facebook.app_id, facebook.timeout) == ("https://graph.example/v99.0", "app-1", 7.5)
    assert facebook.authorization_url(state="s", redirect_uri="r").startswith("https://login.example/v99.0/dialog/oauth?")
    assert (x.api_url, x.client_id, x.timeout) == ("https://x-api.example", "x-1", 7.5)


def test_each_client_has_its_own_session():
    assert client_for("facebook").session is not client_for("facebook").session


def test_retry_after_is_read_as_seconds_or_as_a_date():
    now = 1_765_000_000.0

    assert retry_after_seconds("120", now=now) == 120
    assert retry_after_seconds(email.utils.formatdate(now + 90, usegmt=True), now=now) == 90
    assert retry_after_seconds(email.utils.formatdate(now - 90, usegmt=True), now=now) == 0
    assert retry_after_seconds("", now=now) is None
    assert retry_after_seconds("soon", now=now) is None


# --- never sent, or sent and lost -------------------------------------------------------------

class DroppingServer:
    """Reads a request, then closes the connection without a word: what a crashed proxy does."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def serve(self):
        connection, _ = self.sock.accept()
        connection.recv(65536)
        connection.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.thread.join(3)
        self.sock.close()


def failure(url: str, timeout: float = 1.0) -> requests.RequestException:
    try:
        requests.post(url, data=b"x", timeout=timeout)
    except requests.RequestException as exc:
        return exc
    raise AssertionError("no failure")


def test_a_refused_connection_was_never_sent():
    assert not request_was_sent(failure("http://127.0.0.1:9/"))


def test_a_dropped_connection_may_have_been_received():
    with DroppingServer() as server:
        assert request_was_sent(failure(server.url + "/"))


def test_a_read_timeout_may_have_been_received(platform):
    with answered_too_late(platform, "/slow", (200, {})):
        assert request_was_sent(failure(platform.url + "/slow", timeout=0.2))


def test_a_dropped_connection_is_uncertain_for_a_publish_and_transient_for_a_read():
    with DroppingServer() as server:
        with pytest.raises(Uncertain):
            FacebookClient(graph_url=server.url, timeout=1).publish(CREDENTIALS, PostRequest(text="hello"))
    with DroppingServer() as server:
        with pytest.raises(TransientError):
            FacebookClient(graph_url=server.url, timeout=1).verify_token("token")
