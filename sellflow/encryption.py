"""Secrets kept encrypted at rest: `EncryptedTextField`, and the re-encryption that lets its keys
rotate. Values are Fernet tokens (AES-128-CBC with HMAC-SHA256) under FIELD_ENCRYPTION_KEYS, newest
first: written under the first key, read under any of them. A new key goes in front, `manage.py
rotate_encryption_keys` re-encrypts every row under it, and then the old key can leave the list."""

from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models, transaction
from django.db.models import ExpressionWrapper, F, TextField, Value

KEY_HINT = ("Make a key with python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' "
            "and list the keys comma-separated, newest first.")


class UndecryptableValue(Exception):
    """A stored value that no key of FIELD_ENCRYPTION_KEYS opens: written under a key since removed
    from the list, or not ciphertext at all. Never answered with garbage."""


def key_problems(keys: list[str]) -> list[str]:
    """What is wrong with each key of the list, by position: the keys themselves are never shown."""
    problems = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            problems.append(f"key {position} is not a Fernet key (32 url-safe base64-encoded bytes)")
    return problems


@dataclass(frozen=True)
class Keyring:
    any_key: MultiFernet  # decrypts under any key, encrypts under the newest
    newest: Fernet


@lru_cache(maxsize=8)
def keyring_of(keys: tuple[str, ...]) -> Keyring:
    if not keys:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS is empty: encrypted fields can be neither written nor read. "
                                   f"{KEY_HINT}")
    if problems := key_problems(list(keys)):
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS: {'; '.join(problems)}. {KEY_HINT}")
    fernets = [Fernet(key) for key in keys]
    return Keyring(any_key=MultiFernet(fernets), newest=fernets[0])


def keyring() -> Keyring:
    """The keys of the settings in force (ImproperlyConfigured when there are none or one is malformed)."""
    return keyring_of(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return keyring().any_key.encrypt(plaintext.encode()).decode("ascii")


def decrypt(ciphertext: str, *, where: str = "A stored value") -> str:
    try:
        return keyring().any_key.decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise undecryptable(where) from None


def reencrypted(ciphertext: str, *, where: str = "A stored value") -> str | None:
    """The value under the newest key, or None when it is under the newest key already."""
    ring = keyring()
    try:
        ring.newest.decrypt(ciphertext.encode())
        return None
    except InvalidToken:
        pass
    try:
        return ring.any_key.rotate(ciphertext.encode()).decode("ascii")
    except InvalidToken:
        raise undecryptable(where) from None


def undecryptable(where: str) -> UndecryptableValue:
    return UndecryptableValue(f"{where} does not decrypt under any key of FIELD_ENCRYPTION_KEYS: it was written "
                              "under a key since removed from the list, or it is not one of their ciphertexts.")


class EncryptedTextField(models.TextField):
    """Text encrypted at rest: ciphertext in a text column, plaintext on the model. NULL and "" are
    kept as they are. The ciphertext of one value differs at every write, so the field cannot be
    filtered on, unique or indexed: keep a hash beside it for lookups (as notifications.Device keeps
    token_hash). No form shows it, so neither does the admin."""

    description = "Text encrypted at rest (Fernet)"
    allowed_lookups = frozenset({"isnull"})

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt(value, where=f"A value of {self.model._meta.label}.{self.name}")

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name in self.allowed_lookups:
            return super().get_lookup(lookup_name)
        raise FieldError(self.refusal(lookup_name))

    def get_transform(self, lookup_name):
        raise FieldError(self.refusal(lookup_name))

    def refusal(self, lookup_name: str) -> str:
        return (f"{self.model._meta.label}.{self.name} is encrypted: it cannot be filtered on (__{lookup_name}), "
                "its ciphertext differs at every write. Filter on a hash kept beside it.")

    def formfield(self, **kwargs):
        return None  # never in a form, so never on an admin page

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if self.unique or self.db_index or self.primary_key:
            errors.append(checks.Error(
                "An encrypted field cannot be unique, indexed or a primary key: its ciphertext differs at every write.",
                hint="Keep a hash of the value beside it, and make that unique or indexed.",
                obj=self,
                id="sellflow.E005",
            ))
        return errors


# --- Key rotation --------------------------------------------------------------------------------

@dataclass
class RotationCount:
    reencrypted: int = 0  # rows written under the newest key
    unchanged: int = 0  # rows already under it, or with no value


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    return [field for field in model._meta.local_concrete_fields if isinstance(field, EncryptedTextField)]


def models_with_encrypted_fields() -> list[type[models.Model]]:
    return [model for model in apps.get_models()
            if model._meta.managed and not model._meta.proxy and encrypted_fields(model)]


def reencrypt_rows(model: type[models.Model], *, batch_size: int = 500) -> RotationCount:
    """Re-encrypt every encrypted value of `model` under the newest key: a batch of rows per
    transaction, the rows locked while they change. A value already under the newest key is left as
    it is, so a second run writes nothing. An undecryptable value stops the run with
    UndecryptableValue; the batches before it stay committed."""
    fields = encrypted_fields(model)
    # The stored ciphertext, as plain text: the field itself would decrypt it.
    raw = {f"raw_{field.attname}": ExpressionWrapper(F(field.attname), output_field=TextField()) for field in fields}
    count, last_pk = RotationCount(), None
    while True:
        with transaction.atomic():
            rows = model._meta.base_manager.select_for_update().annotate(**raw).order_by("pk")
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            batch = list(rows.values_list("pk", *raw)[:batch_size])
            for pk, *values in batch:
                changes = reencrypted_values(model, pk, fields, values)
                if changes:
                    model._meta.base_manager.filter(pk=pk).update(**changes)
                    count.reencrypted += 1
                else:
                    count.unchanged += 1
        if len(batch) < batch_size:
            return count
        last_pk = batch[-1][0]


def reencrypted_values(model, pk, fields: list[EncryptedTextField], values: list[str | None]) -> dict[str, Value]:
    """The row's values that need re-encrypting, as raw text to write (the field would encrypt again)."""
    changes = {}
    for field, value in zip(fields, values, strict=True):
        if value and (new := reencrypted(value, where=f"{model._meta.label} {pk} {field.name}")):
            changes[field.attname] = Value(new, output_field=TextField())
    return changes
