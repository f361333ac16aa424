"""What every view that takes files shares: the upload throttles."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver
from rest_framework.parsers import FileUploadParser, MultiPartParser

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
