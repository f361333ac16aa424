"""Secrets at rest (issue 16, "Accounts and OAuth"): one model field encrypts under
FIELD_ENCRYPTION_KEYS (newest first), refuses lookups and the admin, fails loudly on a value no key
opens; the keys rotate without downtime; production settings without a key do not pass `check`.
Push device tokens are the field's first user, so notifications.Device stands in for any model."""

import hashlib
import json
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.contrib import admin
from django.core.checks import run_checks
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import connection, models, transaction
from django.db.migrations.writer import MigrationWriter
from django.test import RequestFactory
from django.test.utils import isolate_apps

from notifications.models import Device
from sellflow.encryption import EncryptedTextField, UndecryptableValue, decrypt, models_with_encrypted_fields
from sellflow.secret_key import development_field_key
from tests.accounts.factories import UserFactory
from tests.sellflow.test_settings import PRODUCTION_ENV, run_python

pytestmark = pytest.mark.django_db

FCM_TOKEN = "f" * 40 + ":APA91b" + "x" * 100


def new_key() -> str:
    return Fernet.generate_key().decode()


def stored(device: Device) -> str:
    """What the database holds, read past the field."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {Device._meta.db_table} WHERE id = %s", [device.pk])
        return cursor.fetchone()[0]


def make_device(token: str = FCM_TOKEN, **fields) -> Device:
    return Device.objects.create(user=fields.pop("user", None) or UserFactory(), platform="android", token=token,
                                 token_hash=hashlib.sha256(token.encode()).hexdigest(), **fields)


# --- The field ------------------------------------------------------------------------------------

def test_the_database_holds_ciphertext_and_the_model_the_plaintext():
    device = make_device()

    raw = stored(device)

    assert raw != FCM_TOKEN and FCM_TOKEN not in raw and "APA91b" not in raw
    assert decrypt(raw) == FCM_TOKEN
    assert Device.objects.get(pk=device.pk).token == FCM_TOKEN
    assert Device.objects.values_list("token", flat=True).get(pk=device.pk) == FCM_TOKEN


def test_each_write_encrypts_anew_under_the_newest_key(settings):
    old, new = new_key(), new_key()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    device = make_device()
    first = stored(device)

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    device.save()

    assert stored(device) != first
    assert Fernet(new).decrypt(stored(device).encode()).decode() == FCM_TOKEN


def test_bulk_writes_and_updates_are_encrypted_too():
    device = make_device()

    Device.objects.filter(pk=device.pk).update(token="updated-token")
    assert stored(device) != "updated-token" and decrypt(stored(device)) == "updated-token"
    device.token = "bulk-token"
    Device.objects.bulk_update([device], ["token"])
    assert decrypt(stored(device)) == "bulk-token"


def test_a_value_no_key_opens_is_an_error_not_garbage(settings):
    device = make_device()

    settings.FIELD_ENCRYPTION_KEYS = [new_key()]  # the key it was written under is gone

    with pytest.raises(UndecryptableValue, match=r"notifications\.Device\.token does not decrypt under any key"):
        Device.objects.get(pk=device.pk)


def test_a_plaintext_value_in_the_column_is_an_error_too():
    device = make_device()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Device._meta.db_table} SET token = %s WHERE id = %s", [FCM_TOKEN, device.pk])

    with pytest.raises(UndecryptableValue):
        Device.objects.get(pk=device.pk)


@pytest.mark.parametrize("keys, message", [
    ([], "FIELD_ENCRYPTION_KEYS is empty"),
    (["not-a-key"], "key 1 is not a Fernet key"),
])
def test_without_a_usable_key_nothing_is_written_or_read(settings, keys, message):
    device = make_device()
    settings.FIELD_ENCRYPTION_KEYS = keys

    with pytest.raises(ImproperlyConfigured, match=message), transaction.atomic():
        make_device(token="another-token")
    with pytest.raises(ImproperlyConfigured, match=message):
        Device.objects.get(pk=device.pk)
    settings.FIELD_ENCRYPTION_KEYS = [new_key()]
    assert not Device.objects.filter(token_hash=hashlib.sha256(b"another-token").hexdigest()).exists()


@pytest.mark.parametrize("lookup", [{"token": FCM_TOKEN}, {"token__icontains": "APA91b"}, {"token__in": [FCM_TOKEN]},
                                    {"token__startswith": "f"}, {"token__lower": FCM_TOKEN}])
def test_filtering_on_an_encrypted_field_is_refused(lookup):
    with pytest.raises(FieldError, match=r"notifications\.Device\.token is encrypted: it cannot be filtered on"):
        Device.objects.filter(**lookup)


def test_isnull_is_the_one_lookup_allowed():
    make_device()

    assert Device.objects.filter(token__isnull=False).count() == 1


def test_the_field_deconstructs_for_migrations():
    field = Device._meta.get_field("token")

    name, path, args, kwargs = field.deconstruct()
    source, imports = MigrationWriter.serialize(field)

    assert (name, path) == ("token", "sellflow.encryption.EncryptedTextField")
    assert isinstance(EncryptedTextField(*args, **kwargs), EncryptedTextField)
    assert source.startswith("sellflow.encryption.EncryptedTextField(") and imports == {"import sellflow.encryption"}


@isolate_apps("notifications")
def test_an_encrypted_field_cannot_be_unique_or_indexed():
    class Vault(models.Model):
        secret = EncryptedTextField(unique=True)
        note = EncryptedTextField(db_index=True)
        plain = EncryptedTextField(blank=True)

        class Meta:
            app_label = "notifications"

        def __str__(self) -> str:
            return "vault"

    assert [error.id for error in Vault._meta.get_field("secret").check()] == ["sellflow.E005"]
    assert [error.id for error in Vault._meta.get_field("note").check()] == ["sellflow.E005"]
    assert Vault._meta.get_field("plain").check() == []


def test_no_admin_page_shows_an_encrypted_field(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    checked = 0
    for model, model_admin in admin.site._registry.items():
        names = {field.name for field in model._meta.get_fields() if isinstance(field, EncryptedTextField)}
        if not names:
            continue
        checked += 1
        shown = {*model_admin.get_list_display(request), *model_admin.get_readonly_fields(request),
                 *model_admin.get_search_fields(request), *model_admin.get_list_filter(request),
                 *model_admin.get_form(request)().fields}
        assert not names & shown, f"{model._meta.label} shows {names & shown}"
    assert checked >= 1  # notifications.Device at least


def test_the_device_admin_page_shows_neither_token_nor_ciphertext(operator_client):
    device = make_device()

    page = operator_client.get(f"/admin/notifications/device/{device.pk}/change/").content.decode()
    listing = operator_client.get("/admin/notifications/device/").content.decode()

    assert device.token_hash in page  # the page is the device's
    for text in (page, listing):
        assert FCM_TOKEN not in text and stored(device) not in text


# --- Key rotation ----------------------------------------------------------------------------------

def rotate(*args: str) -> str:
    out = StringIO()
    call_command("rotate_encryption_keys", *args, stdout=out)
    return out.getvalue()


def test_rotation_re_encrypts_under_the_new_key_so_the_old_one_can_go(settings):
    old, new = new_key(), new_key()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    devices = [make_device(token=f"fcm-token-{n}") for n in range(3)]
    written_under_old = {device.pk: stored(device) for device in devices}

    settings.FIELD_ENCRYPTION_KEYS = [new, old]  # the new key goes first; the old one still reads
    assert [device.token for device in Device.objects.order_by("pk")] == ["fcm-token-0", "fcm-token-1", "fcm-token-2"]
    output = rotate("--batch-size", "2")

    assert "notifications.Device: 3 rows re-encrypted, 0 unchanged" in output
    assert "Re-encrypted 3 rows under the newest key." in output
    for device in devices:
        assert stored(device) != written_under_old[device.pk]
        assert Fernet(new).decrypt(stored(device).encode()).decode() == device.token
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is gone
    assert sorted(Device.objects.values_list("token", flat=True)) == ["fcm-token-0", "fcm-token-1", "fcm-token-2"]


def test_rotation_run_again_writes_nothing(settings):
    settings.FIELD_ENCRYPTION_KEYS = [new_key()]
    device = make_device()
    before = stored(device)

    output = rotate()

    assert "notifications.Device: 0 rows re-encrypted, 1 unchanged" in output
    assert stored(device) == before


def test_rotation_stops_at_a_value_no_key_opens_and_keeps_the_batches_before_it(settings):
    lost, old, new = new_key(), new_key(), new_key()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    first = make_device(token="fcm-token-first")
    settings.FIELD_ENCRYPTION_KEYS = [lost]
    orphan = make_device(token="fcm-token-orphan")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]

    with pytest.raises(CommandError, match=rf"notifications\.Device {orphan.pk} token does not decrypt under any key"):
        rotate("--batch-size", "1")

    assert Fernet(new).decrypt(stored(first).encode()) == b"fcm-token-first"
    assert Fernet(lost).decrypt(stored(orphan).encode()) == b"fcm-token-orphan"


def test_rotation_without_a_usable_key_reads_nothing(settings):
    settings.FIELD_ENCRYPTION_KEYS = []

    with pytest.raises(CommandError, match="FIELD_ENCRYPTION_KEYS is empty"):
        rotate()


def test_every_model_with_an_encrypted_field_is_rotated():
    assert Device in models_with_encrypted_fields()


# --- Configuration and the system checks ----------------------------------------------------------

def encryption_errors(*, deploy: bool = False) -> list[str]:
    return [message.id for message in run_checks(include_deployment_checks=deploy)
            if message.id in {"sellflow.E002", "sellflow.E003", "sellflow.E004"}]


def test_no_key_is_a_check_error_run_by_migrate_and_check(settings):
    settings.FIELD_ENCRYPTION_KEYS = []

    assert encryption_errors() == ["sellflow.E002"]
    with pytest.raises(SystemCheckError, match="FIELD_ENCRYPTION_KEYS is not set"):
        call_command("check")
    with pytest.raises(SystemCheckError, match="FIELD_ENCRYPTION_KEYS is not set"):
        call_command("migrate", "--check", skip_checks=False)


def test_a_malformed_key_is_a_check_error_that_does_not_show_the_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [new_key(), "s3cr3t-but-not-a-fernet-key"]

    [error] = [message for message in run_checks() if message.id == "sellflow.E003"]

    assert "key 2 is not a Fernet key" in error.msg
    assert "s3cr3t" not in error.msg


def test_check_deploy_refuses_the_development_key_without_debug(settings):
    settings.DEBUG = False
    settings.FIELD_ENCRYPTION_KEYS = [development_field_key(settings.SECRET_KEY)]

    assert encryption_errors() == []  # `check`, `migrate` and the test suite run on it
    assert encryption_errors(deploy=True) == ["sellflow.E004"]
    settings.FIELD_ENCRYPTION_KEYS = [new_key(), development_field_key(settings.SECRET_KEY)]
    assert encryption_errors(deploy=True) == ["sellflow.E004"]
    settings.FIELD_ENCRYPTION_KEYS = [new_key()]
    assert encryption_errors(deploy=True) == []
    settings.DEBUG, settings.FIELD_ENCRYPTION_KEYS = True, [development_field_key(settings.SECRET_KEY)]
    assert encryption_errors(deploy=True) == []


KEYS_PROBE = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({"keys": settings.FIELD_ENCRYPTION_KEYS, "secret_key": settings.SECRET_KEY}))
"""


def probe_keys(env: dict[str, str]) -> dict:
    result = run_python(["-c", KEYS_PROBE], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_embedded_default_derives_a_development_key_of_its_own(tmp_path):
    key_file = {"DJANGO_SECRET_KEY_FILE": str(tmp_path / ".secret_key")}

    first, again = probe_keys(key_file), probe_keys(key_file)
    other = probe_keys({"DJANGO_SECRET_KEY_FILE": str(tmp_path / ".other_key")})

    assert first["keys"] == again["keys"] == [development_field_key(first["secret_key"])]
    Fernet(first["keys"][0])  # a real key
    assert other["keys"] != first["keys"]  # never a published one


def test_debug_on_a_real_database_uses_the_development_key_and_production_none():
    development = {**PRODUCTION_ENV, "DJANGO_DEBUG": "true"}
    del development["FIELD_ENCRYPTION_KEYS"]
    production = {k: v for k, v in PRODUCTION_ENV.items() if k != "FIELD_ENCRYPTION_KEYS"}

    assert probe_keys(development)["keys"] == [development_field_key(PRODUCTION_ENV["DJANGO_SECRET_KEY"])]
    assert probe_keys(production)["keys"] == []


def test_set_keys_are_used_newest_first_and_trimmed():
    newest, older = new_key(), new_key()

    keys = probe_keys({**PRODUCTION_ENV, "FIELD_ENCRYPTION_KEYS": f" {newest} , {older},"})["keys"]

    assert keys == [newest, older]


@pytest.mark.parametrize("command", [["check"], ["check", "--deploy"]])
def test_production_settings_without_a_key_fail_check_and_check_deploy(command):
    production = {k: v for k, v in PRODUCTION_ENV.items() if k != "FIELD_ENCRYPTION_KEYS"}

    result = run_python(["manage.py", *command], production)

    assert result.returncode != 0
    assert "sellflow.E002" in result.stderr and "FIELD_ENCRYPTION_KEYS is not set" in result.stderr
