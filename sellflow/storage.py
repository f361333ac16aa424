"""File storage for what must never be served: uploads kept only while work reads them (catalog
imports). It lives under PRIVATE_FILES_ROOT, outside MEDIA_ROOT (which the proxy serves; a system
check refuses to start otherwise), has no URL, and its folders and files are its owner's only."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.utils.functional import cached_property


class PrivateFileStorage(FileSystemStorage):
    def __init__(self, location=None, base_url=None, file_permissions_mode=0o600, directory_permissions_mode=0o700,
                 **kwargs):
        # Readable by the app's own user only, whatever the umask: other accounts of the host
        # have no business in sellers' catalogs.
        super().__init__(location, base_url, file_permissions_mode=file_permissions_mode,
                         directory_permissions_mode=directory_permissions_mode, **kwargs)

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_FILES_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_FILES_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        raise ValueError("Private files have no URL.")


def private_storage():
    """The `private` storage of STORAGES (a callable, so that migrations do not freeze it)."""
    return storages["private"]
