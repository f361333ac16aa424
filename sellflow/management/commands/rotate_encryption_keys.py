"""`manage.py rotate_encryption_keys`: re-encrypt every encrypted field of every model under the
newest key of FIELD_ENCRYPTION_KEYS. Rotation: put a new key first in the list and restart, run this,
then drop the old key. Safe to run again (rows already under the newest key are not written) and
while the app serves (each batch of rows is locked while it changes)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from sellflow.encryption import UndecryptableValue, keyring, models_with_encrypted_fields, reencrypt_rows


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field under the newest key of FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (500).")

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            keyring()  # missing or malformed keys stop the run before any row is read
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        total = 0
        for model in models_with_encrypted_fields():
            try:
                count = reencrypt_rows(model, batch_size=batch_size)
            except UndecryptableValue as exc:
                raise CommandError(f"{exc} Rows of the batches before it are re-encrypted; put the key it was "
                                   "written under back in the list (or clear the value) and run again.") from exc
            total += count.reencrypted
            self.stdout.write(f"{model._meta.label}: {count.reencrypted} rows re-encrypted, "
                              f"{count.unchanged} unchanged (already under the newest key, or empty).")
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {total} rows under the newest key."))
