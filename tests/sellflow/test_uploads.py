"""What every view that takes files shares: the upload throttles, and the private storage for
files that must never be served."""

import os
import stat

import pytest
from django.core.checks import run_checks
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import get_resolver
from rest_framework.parsers import FileUploadParser, MultiPartParser

from sellflow.storage import private_storage
from sellflow.throttling import UPLOAD_THROTTLES
from tests.sellflow.test_parsers import api_view_classes

pytestmark = pytest.mark.django_db


def test_every_view_that_accepts_files_carries_the_upload_throttles():
    """Taking files is opt-in per view (no file parser by default), and a view that opts in is
    counted per account and per client address like every other upload."""
    accepting, offenders = [], []
    for view_class in api_view_classes(get_resolver().url_patterns):
        if any(issubclass(parser, (MultiPartParser, FileUploadParser)) for parser in view_class.parser_classes):
            accepting.append(view_class.__name__)
            throttles = view_class.throttle_classes
            if not all(any(issubclass(throttle, upload) for throttle in throttles) for upload in UPLOAD_THROTTLES):
                offenders.append(f"{view_class.__module__}.{view_class.__name__}")
    assert offenders == []
    assert {"ProductListCreateView", "ProductImagesUploadView", "CatalogImportView", "AvatarView"} <= set(accepting)
    assert "LoginView" not in accepting


def test_a_view_that_names_no_parsers_takes_no_files(seller_client):
    response = seller_client.patch("/api/auth/profile/", {"city": "Kumasi", "file": SimpleUploadedFile("a.txt", b"x")},
                                   format="multipart")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize("body", [b"garbage", b"--xyz\r\nContent-Disposition: form-data\r\n\r\n\r\n--xyz"])
def test_a_malformed_multipart_body_to_a_view_that_takes_files_is_a_400(seller_client, body):
    response = seller_client.post("/api/auth/avatar/", data=body, content_type="multipart/form-data; boundary=xyz")

    assert response.status_code == 400
    assert set(response.json()) == {"error", "code", "details"}


class TestPrivateStorage:
    def test_folders_and_files_are_the_owners_only(self, settings):
        name = private_storage().save("imports/7/catalog.csv", ContentFile(b"name,price\n"))

        root = settings.PRIVATE_FILES_ROOT
        for folder in (root, root / "imports", root / "imports" / "7"):
            assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700, folder
        assert stat.S_IMODE(os.stat(root / name).st_mode) == 0o600

    @pytest.mark.parametrize("inside", ["MEDIA_ROOT", "STATIC_ROOT"])
    @pytest.mark.parametrize("where", ["equal", "below"])
    def test_a_private_folder_in_a_served_one_stops_the_server_from_starting(self, settings, tmp_path, inside, where):
        setattr(settings, inside, tmp_path / "served")
        settings.PRIVATE_FILES_ROOT = tmp_path / "served" if where == "equal" else tmp_path / "served" / "private"

        assert [message.id for message in run_checks() if message.id.startswith("sellflow.")] == ["sellflow.E001"]
        with pytest.raises(SystemCheckError, match=f"PRIVATE_FILES_ROOT .* is inside {inside}"):
            call_command("check")

    def test_a_private_folder_beside_the_served_ones_passes(self, settings, tmp_path):
        settings.MEDIA_ROOT, settings.STATIC_ROOT = tmp_path / "media", tmp_path / "static"
        settings.PRIVATE_FILES_ROOT = tmp_path / "private"

        assert [message.id for message in run_checks() if message.id.startswith("sellflow.")] == []
