"""Push device tokens (FCM registration tokens, Web Push subscriptions with their p256dh and auth
keys) encrypted at rest. Forwards, the rows are encrypted while the field is still plain text, then
the field becomes an EncryptedTextField (the column stays text). Backwards, the field is plain text
again, then the rows are decrypted. Both need FIELD_ENCRYPTION_KEYS (the check before `migrate`
refuses to run without it)."""

from django.db import migrations

import sellflow.encryption
from sellflow.encryption import decrypt, encrypt

BATCH_SIZE = 500


def rewrite_tokens(Device, change) -> None:
    last_pk = 0
    while batch := list(Device.objects.filter(pk__gt=last_pk).order_by("pk").only("token")[:BATCH_SIZE]):
        for device in batch:
            device.token = change(device.token) if device.token else device.token
        Device.objects.bulk_update(batch, ["token"])
        last_pk = batch[-1].pk


def encrypt_tokens(apps, schema_editor):
    rewrite_tokens(apps.get_model("notifications", "Device"), encrypt)


def decrypt_tokens(apps, schema_editor):
    rewrite_tokens(apps.get_model("notifications", "Device"),
                   lambda token: decrypt(token, where="A push device token"))


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0002_digest'),
    ]

    operations = [
        migrations.RunPython(encrypt_tokens, decrypt_tokens),
        migrations.AlterField(
            model_name='device',
            name='token',
            field=sellflow.encryption.EncryptedTextField(help_text='FCM registration token, or the Web Push subscription as JSON.'),
        ),
    ]
