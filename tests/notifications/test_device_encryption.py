"""Push device tokens are encrypted at rest (issue 16): what the API registers is stored as
ciphertext and still pushes and proves the device; the migration encrypts the tokens stored before
it, and decrypts them when it is reversed."""

import hashlib
import json

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from notifications.models import Device
from sellflow.encryption import UndecryptableValue, decrypt
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.notifications.test_push import Browser

DEVICES = "/api/notifications/devices/"
FCM_TOKEN = "f" * 40 + ":APA91b" + "x" * 100
BEFORE = ("notifications", "0002_digest")
ENCRYPTED = ("notifications", "0003_device_token_encrypted")


def stored_tokens() -> dict[int, str]:
    """The token column as the database holds it, read past the field."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, token FROM {Device._meta.db_table}")
        return dict(cursor.fetchall())


@pytest.mark.django_db
def test_a_registered_subscription_is_stored_encrypted_and_never_answered():
    user = UserFactory()
    browser = Browser("https://fcm.googleapis.com/fcm/send/ama-laptop")
    keys = json.loads(browser.subscription)["keys"]
    client = authenticated_client(user)

    created = client.post(DEVICES, {"platform": "web", "token": browser.subscription}, format="json")

    assert created.status_code == 201
    [raw] = stored_tokens().values()
    assert keys["p256dh"] not in raw and keys["auth"] not in raw and browser.endpoint not in raw
    assert json.loads(decrypt(raw))["keys"] == keys
    assert json.loads(Device.objects.get().token)["keys"] == keys
    assert "token" not in created.json() and keys["auth"] not in created.content.decode()


def migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([target])


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_the_stored_tokens_and_back(settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    user = UserFactory()
    subscription = Browser("https://fcm.googleapis.com/fcm/send/ama-laptop").subscription
    plaintexts = {"web": subscription, "android": FCM_TOKEN}
    migrate(BEFORE)
    try:
        old_device = MigrationExecutor(connection).loader.project_state(BEFORE).apps.get_model("notifications",
                                                                                              "Device")
        ids = {platform: old_device.objects.create(user_id=user.pk, platform=platform, token=token,
                                                   token_hash=hashlib.sha256(token.encode()).hexdigest()).pk
               for platform, token in plaintexts.items()}
        assert stored_tokens() == {ids[platform]: token for platform, token in plaintexts.items()}

        migrate(ENCRYPTED)

        raw = stored_tokens()
        for platform, token in plaintexts.items():
            assert raw[ids[platform]] != token and decrypt(raw[ids[platform]]) == token
            assert Device.objects.get(pk=ids[platform]).token == token

        migrate(BEFORE)

        assert stored_tokens() == {ids[platform]: token for platform, token in plaintexts.items()}
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("notifications")[0])


@pytest.mark.django_db(transaction=True)
def test_reversing_the_migration_without_the_key_fails_rather_than_keep_ciphertext(settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    device = Device.objects.create(user=UserFactory(), platform="android", token=FCM_TOKEN, token_hash="a" * 64)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the key it was written under is gone

    try:
        with pytest.raises(UndecryptableValue, match="A push device token does not decrypt"):
            migrate(BEFORE)
        assert stored_tokens()[device.pk] != FCM_TOKEN  # rolled back whole: still the ciphertext
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("notifications")[0])
