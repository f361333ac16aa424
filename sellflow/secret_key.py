"""Signing keys: the embedded default's, made once per installation and kept in a private file, so
that no install signs tokens, reset links or webhook secrets with a key published in the source;
and the rule every key must pass without DEBUG (settings apply it: daphne never runs the system
checks, so Django's security.W009 would never be seen)."""

import base64
import os
import secrets
import tempfile
import time
import warnings
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac

MIN_LENGTH = 50
MIN_UNIQUE_CHARACTERS = 5  # Django's security.W009 asks the same
# .env.example's placeholder, and the key the embedded default once shipped in the source.
PUBLISHED_KEYS = {
    "change-me-to-50-or-more-random-characters",
    "django-insecure-embedded-default-only-for-local-development-and-tests",
}
# How long a reader waits for a key file another process is still writing (see _create).
WRITE_WAIT_SECONDS = 5.0


def guessable(key: str) -> str | None:
    """Why `key` is one anyone could know or guess; None for a key that will do."""
    if key in PUBLISHED_KEYS:
        return "it is published (the .env.example placeholder or the old embedded default)"
    if key.startswith("django-insecure"):
        return 'it starts with "django-insecure", the mark of a key made for development'
    if len(key) < MIN_LENGTH:
        return f"it has fewer than {MIN_LENGTH} characters"
    if len(set(key)) < MIN_UNIQUE_CHARACTERS:
        return f"it has fewer than {MIN_UNIQUE_CHARACTERS} different characters"
    return None


def refuse_guessable_key(key: str, *, name: str) -> None:
    """ImproperlyConfigured when the key in setting `name` is guessable."""
    if reason := guessable(key):
        raise ImproperlyConfigured(
            f"{name} is not a secret: {reason}. Set it to 50 or more random characters, e.g. the output of "
            "python -c 'import secrets; print(secrets.token_urlsafe(64))'."
        )


def development_field_key(secret_key: str) -> str:
    """The Fernet key of encrypted fields when FIELD_ENCRYPTION_KEYS is not set, for DEBUG and the
    embedded default only: derived from the signing key, so this installation's own and never
    published (as the test gateway's webhook secret). Changing SECRET_KEY changes it, and values
    written under it no longer decrypt; `check --deploy` refuses it without DEBUG."""
    digest = salted_hmac("sellflow.encryption.development-key", "field-encryption", secret=secret_key,
                         algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode()


def installation_secret_key(path: Path, *, debug: bool) -> str:
    """The key kept in `path`, made there on first run. With DEBUG on and nowhere to keep one,
    a key for this process only (sessions and tokens die with it); with DEBUG off, no start."""
    try:
        if not path.exists():
            _create(path)
        key = _read(path)
    except OSError as error:
        if not debug:
            raise ImproperlyConfigured(
                f"Set DJANGO_SECRET_KEY: without it the key is kept in {path}, which cannot be made or read "
                f"({error})."
            ) from error
        warnings.warn(f"No signing key could be kept in {path} ({error}): using one for this process only.",
                      stacklevel=2)
        return secrets.token_urlsafe(64)
    if reason := guessable(key):
        raise ImproperlyConfigured(f"{path} holds no usable key ({reason}): "
                                   "delete it to have a new one made, or set DJANGO_SECRET_KEY.")
    return key


def _create(path: Path) -> None:
    """Makes the key file so that processes starting at once (pytest-xdist workers, a server and a
    shell) all sign with one key, and none reads half of it.

    The key is written whole to a private temporary file, then linked into place: the link
    appears with the whole key in it, and only the first link succeeds. Where the filesystem has
    no hard links (FAT, some network and FUSE mounts), the file is created exclusively instead
    (O_EXCL, mode 0600: still only the first wins) and the key written into it with its final
    newline in one write; a reader that finds it without that newline waits for the rest (_read).
    Renaming a temporary file into place would never show half a key, but it is not exclusive:
    two processes would each rename their own key over the other's, and the first would sign
    with a key nobody keeps."""
    text = secrets.token_urlsafe(64) + "\n"
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.")  # mode 0600
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: its key is the installation's
        except OSError:
            _create_exclusively(path, text)
    finally:
        os.unlink(temporary)


def _create_exclusively(path: Path, text: str) -> None:
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first
    try:
        os.write(descriptor, text.encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _read(path: Path) -> str:
    """The key in `path`. A file that does not end with its newline yet is still being written
    (see _create): read it again until it does, or until WRITE_WAIT_SECONDS have passed (a writer
    that died leaves a file the caller refuses; a key written by hand without a newline is used)."""
    deadline = time.monotonic() + WRITE_WAIT_SECONDS
    text = path.read_text()
    while not text.endswith("\n") and time.monotonic() < deadline:
        time.sleep(0.05)
        text = path.read_text()
    return text.strip()
