"""Push delivery: Web Push (VAPID) and FCM HTTP v1, through their real HTTP clients against local
fake push services that check what a real one checks (the VAPID signature, the payload's
encryption, the OAuth2 bearer token), quiet hours, and tokens the provider reports gone."""

import base64
import json
import os
from datetime import UTC, datetime, time

import http_ece
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from notifications import tasks
from notifications.models import Device
from notifications.push import PushMessage
from notifications.services import notify, preferences_for, push_deliver
from sellflow.celery import TransientError
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.fake_servers import FakeJSONServer

pytestmark = pytest.mark.django_db

DEVICES = "/api/notifications/devices/"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@pytest.fixture
def user():
    return UserFactory(timezone="Africa/Accra")


@pytest.fixture
def client(user):
    return authenticated_client(user)


def tell(user, **extra):
    fields = {"type": "order", "title": "New order SF12345678", "body": "Kente stole x 2",
              "data": {"order_id": 7, "path": "/orders/7"}}
    return notify(user=user, **{**fields, **extra})


# --- Web Push ---------------------------------------------------------------------------------

class Browser:
    """A browser's push subscription: its own P-256 key and auth secret, as the push service
    hands the encrypted message to it."""

    def __init__(self, endpoint: str):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.endpoint = endpoint

    @property
    def subscription(self) -> str:
        public = self.key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return json.dumps({"endpoint": self.endpoint, "expirationTime": None,
                           "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}})

    def decrypt(self, body: bytes) -> dict:
        return json.loads(http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"))


@pytest.fixture
def vapid(settings):
    key = ec.generate_private_key(ec.SECP256R1())
    settings.WEBPUSH_VAPID_PRIVATE_KEY = b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    settings.WEBPUSH_VAPID_SUBJECT = "mailto:ops@sellflow.test"
    settings.WEBPUSH_ENDPOINT_HOSTS = ["127.0.0.1"]
    settings.WEBPUSH_ALLOW_HTTP = True
    return key.public_key()


@pytest.fixture
def push_service(vapid):
    """A Web Push service: it accepts a message only with a valid VAPID signature for its origin."""
    with FakeJSONServer() as server:
        def accept(received):
            scheme, _, params = received.headers["authorization"].partition(" ")
            fields = dict(part.strip().split("=", 1) for part in params.split(","))
            assert scheme == "vapid"
            claims = jwt.decode(fields["t"], vapid, algorithms=["ES256"], audience=server.url)
            assert claims["sub"] == "mailto:ops@sellflow.test"
            return 201, b""

        server.accept = accept
        yield server


def register(client, platform, token):
    response = client.post(DEVICES, {"platform": platform, "token": token}, format="json")
    assert response.status_code == 201, response.json()
    return Device.objects.get(pk=response.json()["id"])


def test_a_notification_is_pushed_encrypted_and_signed_to_the_browser(user, client, push_service,
                                                                      django_capture_on_commit_callbacks):
    browser = Browser(f"{push_service.url}/wpush/v2/abc")
    push_service.routes["/wpush/v2/abc"] = push_service.accept
    register(client, "web", browser.subscription)

    with django_capture_on_commit_callbacks(execute=True):
        notification = tell(user)

    (received,) = push_service.received
    assert received.method == "POST"
    assert received.headers["content-encoding"] == "aes128gcm"
    assert received.headers["ttl"] == "86400"
    assert received.headers["urgency"] == "high"  # an order: the seller acts now
    assert browser.decrypt(received.body) == {
        "id": notification.pk, "type": "order", "title": "New order SF12345678", "body": "Kente stole x 2",
        "data": {"order_id": 7, "path": "/orders/7"},
    }


def test_product_news_is_pushed_with_normal_urgency(user, client, push_service):
    browser = Browser(f"{push_service.url}/wpush/v2/abc")
    push_service.routes["/wpush/v2/abc"] = push_service.accept
    device = register(client, "web", browser.subscription)

    assert push_deliver(device=device, message=PushMessage(None, "product", "Low stock", "2 left")) == "sent"
    assert push_service.received[0].headers["urgency"] == "normal"


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_browser_subscription_deletes_the_device(user, client, push_service, status,
                                                        django_capture_on_commit_callbacks):
    push_service.routes["/wpush/v2/expired"] = (status, {"reason": "subscription gone"})
    register(client, "web", Browser(f"{push_service.url}/wpush/v2/expired").subscription)

    with django_capture_on_commit_callbacks(execute=True):
        tell(user)

    assert len(push_service.received) == 1
    assert not Device.objects.exists()


def test_a_busy_push_service_is_retried_and_a_refusal_is_not(user, client, push_service):
    push_service.routes["/wpush/v2/busy"] = (503, {"reason": "overloaded"})
    push_service.routes["/wpush/v2/refused"] = (400, {"reason": "bad request"})
    push_service.routes["/wpush/v2/moved"] = (307, b"", {"Location": "http://127.0.0.1:6379/"})
    message = PushMessage(1, "order", "New order", "")
    busy = register(client, "web", Browser(f"{push_service.url}/wpush/v2/busy").subscription)
    refused = register(client, "web", Browser(f"{push_service.url}/wpush/v2/refused").subscription)
    moved = register(client, "web", Browser(f"{push_service.url}/wpush/v2/moved").subscription)

    with pytest.raises(TransientError):
        push_deliver(device=busy, message=message)
    assert push_deliver(device=refused, message=message) == "failed"
    assert push_deliver(device=moved, message=message) == "failed"  # a redirect is not followed
    assert Device.objects.count() == 3
    assert [r.path for r in push_service.received] == ["/wpush/v2/busy", "/wpush/v2/refused", "/wpush/v2/moved"]


def test_one_malformed_device_fails_alone_and_the_others_still_get_the_push(user, client, push_service,
                                                                          django_capture_on_commit_callbacks):
    browser = Browser(f"{push_service.url}/wpush/v2/abc")
    push_service.routes["/wpush/v2/abc"] = push_service.accept
    register(client, "web", browser.subscription)
    # Stored before registration checked the key was a point on the curve; seen last, sent to first.
    malformed = Device.objects.create(user=user, platform="web", token_hash="malformed", token=json.dumps({
        "endpoint": f"{push_service.url}/wpush/v2/old",
        "keys": {"p256dh": b64url(b"\x04" + b"\x01" * 64), "auth": b64url(b"a" * 16)},
    }))

    with django_capture_on_commit_callbacks(execute=True):
        tell(user)

    assert [r.path for r in push_service.received] == ["/wpush/v2/abc"]
    assert tasks.deliver_push.delay(malformed.pk, PushMessage(1, "order", "New order", "").as_dict()).get() == "failed"
    assert Device.objects.count() == 2  # refused, not gone


def test_a_bad_vapid_subject_fails_the_push_not_the_task(user, client, push_service, settings):
    device = register(client, "web", Browser(f"{push_service.url}/wpush/v2/abc").subscription)
    settings.WEBPUSH_VAPID_SUBJECT = "ops@sellflow.test"  # VAPID wants a mailto: or https: URL

    assert push_deliver(device=device, message=PushMessage(1, "order", "New order", "")) == "failed"
    assert push_service.received == []


def test_a_long_body_is_cut_to_fit_the_push_services_limit(user, client, push_service,
                                                           django_capture_on_commit_callbacks):
    browser = Browser(f"{push_service.url}/wpush/v2/abc")
    push_service.routes["/wpush/v2/abc"] = push_service.accept
    register(client, "web", browser.subscription)
    body = ("Ɔdɔ ✓ ₵ " * 250)[:2000]  # 2000 characters, 3500 bytes in UTF-8

    with django_capture_on_commit_callbacks(execute=True):
        tell(user, body=body)

    (received,) = push_service.received
    payload = http_ece.decrypt(received.body, private_key=browser.key, auth_secret=browser.auth, version="aes128gcm")
    assert len(payload) < 3500
    pushed = json.loads(payload)["body"]
    assert pushed.endswith("…") and body.startswith(pushed[:-1]) and len(pushed) > 500


def test_the_browser_learns_the_vapid_key_it_subscribes_with(client, settings, vapid):
    expected = b64url(vapid.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))
    settings.FCM_CREDENTIALS_FILE = ""

    response = client.get(f"{DEVICES}config/")

    assert response.status_code == 200
    assert response.json() == {"web_push": {"enabled": True, "vapid_public_key": expected}, "fcm": {"enabled": False}}


def test_without_push_configured_nothing_is_sent(user, client, settings, django_capture_on_commit_callbacks):
    settings.WEBPUSH_ENDPOINT_HOSTS = ["fcm.googleapis.com"]
    browser = Browser("https://fcm.googleapis.com/fcm/send/abc")
    device = register(client, "web", browser.subscription)
    register(client, "android", "f" * 40 + ":APA91b" + "x" * 100)

    assert client.get(f"{DEVICES}config/").json() == {
        "web_push": {"enabled": False, "vapid_public_key": None}, "fcm": {"enabled": False},
    }
    assert push_deliver(device=device, message=PushMessage(1, "order", "New order", "")) == "skipped"
    with django_capture_on_commit_callbacks(execute=True):
        tell(user)
    assert Device.objects.count() == 2


# --- Registration -----------------------------------------------------------------------------

@pytest.mark.parametrize("token, message", [
    ("not json", "PushSubscription as JSON"),
    ("[" * 2000 + "]" * 2000, "PushSubscription as JSON"),  # once a RecursionError, a 500
    ('{"endpoint": "https://fcm.googleapis.com/fcm/send/x"}', "endpoint and keys"),
    ('{"endpoint": "http://169.254.169.254/latest", "keys": {"p256dh": "a", "auth": "b"}}', "https URL"),
    ('{"endpoint": "https://internal.example.com/x", "keys": {"p256dh": "a", "auth": "b"}}',
     "not a known push service"),
    ('{"endpoint": "https://fcm.googleapis.com.evil.test/x", "keys": {"p256dh": "a", "auth": "b"}}', "not a known"),
    ('{"endpoint": "https://fcm.googleapis.com/fcm/send/x", "keys": {"p256dh": "AAAA", "auth": "AAAA"}}', "P-256"),
    # The right length and prefix, but not a point on the curve: it could never be encrypted to.
    (json.dumps({"endpoint": "https://fcm.googleapis.com/fcm/send/x",
                 "keys": {"p256dh": b64url(b"\x04" + b"\x01" * 64), "auth": b64url(b"a" * 16)}}), "P-256"),
])
def test_a_web_subscription_is_checked_before_it_is_stored(client, token, message):
    response = client.post(DEVICES, {"platform": "web", "token": token}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert message in response.json()["details"]["token"][0]
    assert not Device.objects.exists()


@pytest.mark.parametrize("endpoint, message", [
    # urlsplit reads the push service as the host; requests connects to 10.0.0.5.
    ("https://10.0.0.5\\@fcm.googleapis.com/fcm/send/x", "plain URL"),
    ("https://fcm.googleapis.com@10.0.0.5/fcm/send/x", "plain URL"),
    ("https://user:secret@fcm.googleapis.com/fcm/send/x", "plain URL"),
    ("https://fcm.googleapis.com:8443/fcm/send/x", "plain URL"),
    ("https://fcm.googleapis.com/fcm/send/x y", "plain URL"),
    ("https://fcm.googleapis.com/fcm/send/x\n", "plain URL"),
    ("https://fcm.googleapis.com\t/fcm/send/x", "plain URL"),
    ("https://10.0.0.5/fcm/send/x", "not a known push service"),
    ("https://167772165/fcm/send/x", "not a known push service"),  # 10.0.0.5 to a resolver
    ("https://[::ffff:a00:5]/fcm/send/x", "not a known push service"),
    ("https://fcm.googleapis.com./fcm/send/x", "not a known push service"),
])
def test_a_web_subscription_endpoint_must_name_its_push_service_plainly(client, endpoint, message):
    token = json.dumps({"endpoint": endpoint, "keys": json.loads(Browser(endpoint).subscription)["keys"]})

    response = client.post(DEVICES, {"platform": "web", "token": token}, format="json")

    assert response.status_code == 400
    assert message in response.json()["details"]["token"][0]
    assert not Device.objects.exists()


def test_an_endpoint_is_stored_as_it_will_be_posted_to(client):
    upper = register(client, "web", Browser("https://FCM.GoogleAPIs.com/fcm/send/abc").subscription)
    lower = register(client, "web", Browser("https://fcm.googleapis.com/fcm/send/abc").subscription)

    assert upper.pk == lower.pk  # one endpoint, one device
    assert json.loads(Device.objects.get().token)["endpoint"] == "https://fcm.googleapis.com/fcm/send/abc"


def test_an_fcm_token_is_checked_before_it_is_stored(client):
    response = client.post(DEVICES, {"platform": "ios", "token": "not a token"}, format="json")

    assert response.status_code == 400
    assert response.json()["details"]["token"] == ["This is not an FCM registration token."]


def test_one_subscription_is_one_device_and_old_devices_make_room(client, settings):
    settings.PUSH_MAX_DEVICES_PER_USER = 2
    browser = Browser("https://fcm.googleapis.com/fcm/send/abc")
    subscription = json.loads(browser.subscription)
    reordered = json.dumps({"keys": subscription["keys"], "endpoint": subscription["endpoint"]})

    first = register(client, "web", browser.subscription)
    assert register(client, "web", reordered).pk == first.pk
    register(client, "android", "a" * 64)
    register(client, "android", "b" * 64)

    assert set(Device.objects.values_list("token", flat=True)) == {"a" * 64, "b" * 64}


# --- Firebase Cloud Messaging -----------------------------------------------------------------

@pytest.fixture
def fcm(settings, tmp_path):
    """Google's token endpoint and FCM, faked: the token endpoint checks the service account's
    signed assertion, FCM checks the access token it handed out."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with FakeJSONServer() as server:
        credentials = {
            "type": "service_account", "project_id": "sellflow-test", "private_key_id": "key-1",
            "private_key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()).decode(),
            "client_email": "push@sellflow-test.iam.gserviceaccount.com", "token_uri": f"{server.url}/token",
        }
        path = tmp_path / "fcm.json"
        path.write_text(json.dumps(credentials))
        settings.FCM_CREDENTIALS_FILE = str(path)
        settings.FCM_PROJECT_ID = ""
        settings.FCM_API_URL = server.url
        server.tokens_issued = []

        def issue_token(received):
            form = dict(part.split("=", 1) for part in received.body.decode().split("&"))
            assert form["grant_type"] == "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
            claims = jwt.decode(form["assertion"], key.public_key(), algorithms=["RS256"],
                                audience=f"{server.url}/token")
            assert claims["iss"] == credentials["client_email"]
            assert claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
            token = f"ya29.token-{len(server.tokens_issued) + 1}"
            server.tokens_issued.append(token)
            return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

        def send(received):
            if received.headers["authorization"] != f"Bearer {server.tokens_issued[-1]}":
                return 401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}}
            token = received.json()["message"]["token"]
            if token.startswith("gone"):
                return 404, {"error": {"code": 404, "status": "NOT_FOUND",
                                       "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                                                    "errorCode": "UNREGISTERED"}]}}
            if token.startswith("lost"):  # FCM's own NOT_FOUND, without its word on the token
                return 404, {"error": {"code": 404, "status": "NOT_FOUND"}}
            if token.startswith("busy"):
                return 503, {"error": {"code": 503, "status": "UNAVAILABLE"}}
            return 200, {"name": "projects/sellflow-test/messages/0:1"}

        server.routes["/token"] = issue_token
        server.routes["/v1/projects/sellflow-test/messages:send"] = send
        yield server


def sent_messages(server):
    return [r.json()["message"] for r in server.received if r.path.endswith("messages:send")]


def test_a_notification_is_sent_to_android_and_ios_through_fcm(user, client, fcm, django_capture_on_commit_callbacks):
    register(client, "android", "android-" + "a" * 60)
    register(client, "ios", "ios-" + "b" * 60)

    with django_capture_on_commit_callbacks(execute=True):
        notification = tell(user)
    with django_capture_on_commit_callbacks(execute=True):
        tell(user, title="Payment received", type="payment")

    messages = sent_messages(fcm)
    assert len(messages) == 4
    assert {m["token"] for m in messages} == {"android-" + "a" * 60, "ios-" + "b" * 60}
    first = next(m for m in messages if m["notification"]["title"] == "New order SF12345678")
    assert first["notification"] == {"title": "New order SF12345678", "body": "Kente stole x 2"}
    # FCM data values are strings.
    assert first["data"] == {"order_id": "7", "path": "/orders/7", "type": "order",
                             "notification_id": str(notification.pk)}
    assert first["android"] == {"priority": "high", "ttl": "86400s"}
    assert fcm.tokens_issued == ["ya29.token-1"]  # one access token, cached for the next sends


def test_an_unregistered_fcm_token_deletes_the_device(user, client, fcm, django_capture_on_commit_callbacks):
    register(client, "android", "gone-" + "a" * 60)
    kept = register(client, "android", "live-" + "a" * 60)

    with django_capture_on_commit_callbacks(execute=True):
        tell(user)

    assert list(Device.objects.all()) == [kept]


def test_a_bare_fcm_404_keeps_the_device(user, client, fcm, django_capture_on_commit_callbacks):
    lost = register(client, "android", "lost-" + "a" * 60)

    with django_capture_on_commit_callbacks(execute=True):
        tell(user)

    assert len(sent_messages(fcm)) == 1
    assert push_deliver(device=lost, message=PushMessage(1, "order", "New order", "")) == "failed"
    assert list(Device.objects.all()) == [lost]


def test_a_wrong_fcm_project_forgets_no_phone(user, client, fcm, settings, django_capture_on_commit_callbacks):
    phones = [register(client, "android", "live-" + "a" * 60), register(client, "ios", "live-" + "b" * 60)]
    settings.FCM_PROJECT_ID = "not-our-project"  # the fake answers 404 {"error": "not found"} there

    with django_capture_on_commit_callbacks(execute=True):
        tell(user)

    assert len([r for r in fcm.received if "not-our-project" in r.path]) == 2
    assert set(Device.objects.all()) == set(phones)


@pytest.mark.parametrize("route, reply", [
    ("/token", (200, {"token_type": "Bearer"})),
    ("/token", (200, b"<html>Sign in</html>")),
    ("/token", (200, {"access_token": "ya29.x", "expires_in": "soon"})),
    ("/v1/projects/sellflow-test/messages:send", (400, [])),
    ("/v1/projects/sellflow-test/messages:send", (400, {"error": ["INVALID_ARGUMENT"]})),
])
def test_a_malformed_fcm_reply_fails_the_push_not_the_task(user, client, fcm, route, reply):
    device = register(client, "android", "live-" + "a" * 60)
    fcm.routes[route] = reply

    message = PushMessage(1, "order", "New order", "").as_dict()
    assert tasks.deliver_push.delay(device.pk, message).get() == "failed"
    assert Device.objects.filter(pk=device.pk).exists()


def test_a_long_body_is_cut_to_fit_fcms_limit(user, client, fcm, django_capture_on_commit_callbacks):
    register(client, "android", "live-" + "a" * 60)
    body = ("Ɔdɔ ✓ ₵ " * 250)[:2000]

    with django_capture_on_commit_callbacks(execute=True):
        tell(user, body=body)

    (received,) = [r for r in fcm.received if r.path.endswith("messages:send")]
    pushed = received.json()["message"]["notification"]["body"]
    assert pushed.endswith("…") and body.startswith(pushed[:-1])
    assert len(json.dumps(received.json()["message"], ensure_ascii=False).encode()) < 4000


def test_a_revoked_access_token_is_replaced_once(user, client, fcm):
    device = register(client, "android", "live-" + "a" * 60)
    message = PushMessage(1, "order", "New order", "")
    assert push_deliver(device=device, message=message) == "sent"
    fcm.tokens_issued.append("ya29.rotated-by-google")  # the cached token no longer works

    assert push_deliver(device=device, message=message) == "sent"
    assert fcm.tokens_issued[-1] == "ya29.token-3"
    assert len(sent_messages(fcm)) == 3  # the refused send, then its retry with a new token


def test_an_unavailable_fcm_is_retried_later(user, client, fcm):
    device = register(client, "android", "busy-" + "a" * 60)

    with pytest.raises(TransientError):
        push_deliver(device=device, message=PushMessage(1, "order", "New order", ""))
    assert Device.objects.filter(pk=device.pk).exists()


def test_unreachable_fcm_is_retried_later(user, client, fcm, settings):
    device = register(client, "android", "live-" + "a" * 60)
    settings.FCM_API_URL = "http://127.0.0.1:9"  # nothing listens on the discard port

    with pytest.raises(TransientError):
        push_deliver(device=device, message=PushMessage(1, "order", "New order", ""))


# --- Preferences and quiet hours --------------------------------------------------------------

def at_utc(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 21, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize("tz, now, pushed", [
    ("Africa/Accra", at_utc(23, 30), False),   # 23:30 local, inside 22:00-07:00
    ("Africa/Accra", at_utc(6, 59), False),
    ("Africa/Accra", at_utc(7, 0), True),       # the window has ended
    ("Africa/Accra", at_utc(12), True),
    ("Asia/Tokyo", at_utc(14), False),          # 23:00 in Tokyo: the user's own clock decides
])
def test_quiet_hours_hold_push_in_the_users_time_zone(fcm, monkeypatch, django_capture_on_commit_callbacks,
                                                      tz, now, pushed):
    user = UserFactory(timezone=tz)
    register(authenticated_client(user), "android", "live-" + "a" * 60)
    preference = preferences_for(user)
    preference.quiet_hours_start, preference.quiet_hours_end = time(22), time(7)
    preference.save()
    monkeypatch.setattr("notifications.services.timezone.now", lambda: now)

    with django_capture_on_commit_callbacks(execute=True):
        notification = tell(user)

    assert notification is not None  # quiet hours silence the phone, not the inbox
    assert len(sent_messages(fcm)) == (1 if pushed else 0)


@pytest.mark.parametrize("switch", ["push_enabled", "order_notifications"])
def test_preferences_switch_push_off(user, client, fcm, switch, django_capture_on_commit_callbacks):
    register(client, "android", "live-" + "a" * 60)
    preference = preferences_for(user)
    setattr(preference, switch, False)
    preference.save()

    with django_capture_on_commit_callbacks(execute=True):
        tell(user)

    assert sent_messages(fcm) == []


def test_push_goes_out_even_with_in_app_delivery_off(user, client, fcm, django_capture_on_commit_callbacks):
    register(client, "android", "live-" + "a" * 60)
    preference = preferences_for(user)
    preference.in_app_enabled = False
    preference.save()

    with django_capture_on_commit_callbacks(execute=True):
        assert tell(user) is None

    (message,) = sent_messages(fcm)
    assert message["data"]["notification_id"] == ""
