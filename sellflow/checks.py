from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error

from sellflow.encryption import KEY_HINT, key_problems
from sellflow.secret_key import development_field_key


def private_files_location(app_configs, **kwargs):
    """Every start (runserver, migrate, check): private files (catalog imports) inside a folder the
    proxy or WhiteNoise serves would be downloadable by anyone who guesses a name."""
    private = Path(settings.PRIVATE_FILES_ROOT).resolve()
    errors = []
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        served = getattr(settings, name, None)
        if served and private.is_relative_to(Path(served).resolve()):
            errors.append(Error(
                f"PRIVATE_FILES_ROOT ({private}) is inside {name} ({Path(served).resolve()}), which is served "
                "to anyone: sellers' catalog imports could be downloaded.",
                hint=f"Set PRIVATE_FILES_ROOT to a folder outside {name}.",
                id="sellflow.E001",
            ))
    return errors


def field_encryption_keys(app_configs, **kwargs):
    """Every start (runserver, migrate, check): without a usable key, encrypted fields (push device
    tokens, social account tokens) can be neither written nor read, so nothing is stored in clear."""
    keys = settings.FIELD_ENCRYPTION_KEYS
    if not keys:
        return [Error(
            "FIELD_ENCRYPTION_KEYS is not set: encrypted fields (push device tokens) can be neither written nor read.",
            hint=KEY_HINT,
            id="sellflow.E002",
        )]
    if problems := key_problems(keys):
        return [Error(f"FIELD_ENCRYPTION_KEYS: {'; '.join(problems)}.", hint=KEY_HINT, id="sellflow.E003")]
    return []


def field_encryption_development_key(app_configs, **kwargs):
    """`check --deploy`: a production server encrypts under keys of its own, never the development
    key derived from SECRET_KEY (which is all an unset FIELD_ENCRYPTION_KEYS gives the embedded default)."""
    if not settings.DEBUG and development_field_key(settings.SECRET_KEY) in settings.FIELD_ENCRYPTION_KEYS:
        return [Error(
            "Encrypted fields use the development key derived from SECRET_KEY: FIELD_ENCRYPTION_KEYS is not set, "
            "or lists that key.",
            hint=KEY_HINT,
            id="sellflow.E004",
        )]
    return []


# Addresses only this machine reaches: a link built on one works for nobody else.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})


def public_addresses(app_configs, **kwargs):
    """`check --deploy`: the addresses the world is sent to. Posts carry API_PUBLIC_URL/r/<code>
    links, Meta fetches post images and OAuth returns to it; payment returns, emails and the
    links' redirects go to FRONTEND_URL. Their development defaults point at this machine."""
    if settings.DEBUG:
        return []
    errors = []
    for name in ("API_PUBLIC_URL", "FRONTEND_URL"):
        address = urlsplit(getattr(settings, name))
        if address.scheme != "https" or (address.hostname or "") in LOOPBACK_HOSTS:
            errors.append(Error(
                f"{name} is {getattr(settings, name)!r}: buyers, sellers and platforms are sent there, so it must "
                "be a public https address.",
                hint=f"Set {name} to the address the world reaches (https://...).",
                id="sellflow.E005",
            ))
    return errors
