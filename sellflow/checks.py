from pathlib import Path

from django.conf import settings
from django.core.checks import Error


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
