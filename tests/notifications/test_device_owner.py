"""Issue 11, Low: a push token registered by another account does not silently move the device.
A browser subscription moves only with its keys (the proof of holding the browser); an FCM
token moves, and its previous owner is told."""

import json

import pytest
from django.core import mail

from notifications.models import Device, Notification
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.notifications.test_push import Browser

pytestmark = pytest.mark.django_db

DEVICES = "/api/notifications/devices/"
FCM_TOKEN = "f" * 40 + ":APA91b" + "x" * 100


@pytest.fixture
def owner():
    return UserFactory(first_name="Ama")


@pytest.fixture
def other():
    return UserFactory()


def register(user, platform, token):
    return authenticated_client(user).post(DEVICES, {"platform": platform, "token": token}, format="json")


def told_of_a_move(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, title="A device of yours was registered to another account"))


def test_a_browser_subscription_does_not_move_without_its_keys(owner, other, django_capture_on_commit_callbacks):
    browser = Browser("https://fcm.googleapis.com/fcm/send/ama-laptop")
    assert register(owner, "web", browser.subscription).status_code == 201
    forged = Browser(browser.endpoint)  # the endpoint alone, with keys of its own

    with django_capture_on_commit_callbacks(execute=True):
        response = register(other, "web", forged.subscription)

    assert response.status_code == 409
    assert response.json()["code"] == "device_registered_elsewhere"
    assert set(response.json()) == {"error", "code", "details"}
    device = Device.objects.get()
    assert device.user == owner
    assert json.loads(device.token)["keys"] == json.loads(browser.subscription)["keys"]
    assert told_of_a_move(owner) == [] and mail.outbox == []


def test_the_same_browsers_full_subscription_moves_it_and_tells_the_owner(owner, other,
                                                                          django_capture_on_commit_callbacks):
    browser = Browser("https://fcm.googleapis.com/fcm/send/shared-computer")
    first = register(owner, "web", browser.subscription).json()

    with django_capture_on_commit_callbacks(execute=True):
        moved = register(other, "web", browser.subscription)

    assert moved.status_code == 201 and moved.json()["id"] == first["id"]
    assert Device.objects.get().user == other
    [notice] = told_of_a_move(owner)
    assert notice.type == "system" and "Web device" in notice.body
    assert [message.to for message in mail.outbox] == [[owner.email]]
    assert told_of_a_move(other) == []


def test_an_fcm_token_moves_and_its_previous_owner_is_told(owner, other, django_capture_on_commit_callbacks):
    first = register(owner, "android", FCM_TOKEN).json()

    with django_capture_on_commit_callbacks(execute=True):
        moved = register(other, "android", FCM_TOKEN)

    assert moved.status_code == 201 and moved.json()["id"] == first["id"]
    assert Device.objects.get().user == other
    [notice] = told_of_a_move(owner)
    assert "Android device" in notice.body and notice.data == {"platform": "android"}
    assert authenticated_client(owner).get("/api/notifications/").json()[0]["title"] == notice.title


def test_re_registering_ones_own_devices_tells_nobody(owner, django_capture_on_commit_callbacks):
    browser = Browser("https://fcm.googleapis.com/fcm/send/ama-laptop")
    register(owner, "web", browser.subscription)
    renewed = Browser(browser.endpoint)  # the browser renewed its keys for the same endpoint

    with django_capture_on_commit_callbacks(execute=True):
        assert register(owner, "web", renewed.subscription).status_code == 201
        assert register(owner, "android", FCM_TOKEN).status_code == 201
        assert register(owner, "android", FCM_TOKEN).status_code == 201

    assert Device.objects.filter(user=owner).count() == 2
    web = Device.objects.get(platform="web")
    assert json.loads(web.token)["keys"] == json.loads(renewed.subscription)["keys"]
    assert told_of_a_move(owner) == []
