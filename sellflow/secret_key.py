"""The embedded default's signing key: made once per installation and kept in a private file, so
that no install signs tokens, reset links or webhook secrets with a key published in the source."""

import os
import secrets
import tempfile
import warnings
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

MIN_LENGTH = 50


def installation_secret_key(path: Path, *, debug: bool) -> str:
    """The key kept in `path`, made there on first run. With DEBUG on and nowhere to keep one,
    a key for this process only (sessions and tokens die with it); with DEBUG off, no start."""
    try:
        if not path.exists():
            _create(path)
        key = path.read_text().strip()
    except OSError as error:
        if not debug:
            raise ImproperlyConfigured(
                f"Set DJANGO_SECRET_KEY: without it the key is kept in {path}, which cannot be made or read "
                f"({error})."
            ) from error
        warnings.warn(f"No signing key could be kept in {path} ({error}): using one for this process only.",
                      stacklevel=2)
        return secrets.token_urlsafe(64)
    if len(key) < MIN_LENGTH:
        raise ImproperlyConfigured(f"{path} holds no usable key (fewer than {MIN_LENGTH} characters): "
                                   "delete it to have a new one made, or set DJANGO_SECRET_KEY.")
    return key


def _create(path: Path) -> None:
    """Written whole to a private temporary file, then linked into place: processes starting at
    once (pytest-xdist workers, a server and a shell) never read half a key, and the first link
    wins, so all of them sign with the same one."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.")  # mode 0600
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(64) + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: its key is the installation's
    finally:
        os.unlink(temporary)
