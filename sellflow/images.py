"""Verification and clean-up of uploaded images, shared by avatars and product photos.

An upload is accepted only if Pillow decodes it as JPEG, PNG or WebP within the byte and pixel
limits (a decompression bomb is refused from its header, before it is decoded). The stored copy
is re-encoded: EXIF orientation applied, metadata (GPS position, camera serial...) stripped.

Decoding is the costly part (a small PNG can describe a huge canvas), so callers clean images
before they open a transaction or take a lock, check all the images of a request from their
headers, against a total pixel budget, and pay for their pixels from the uploader's budgets
(decoding_take) before the first one is decoded.
"""

import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError
from rest_framework import serializers

from sellflow.exceptions import ApplicationError
from sellflow.quotas import HOUR, MINUTE, Charge, quota_refusal, quotas_take
from sellflow.throttling import client_address, clock_windows_take

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
ALLOWED_MEDIA_TYPES = "image/jpeg, image/png, image/webp"


class ImageUploadField(serializers.FileField):
    """An uploaded image file; the view cleans it (clean_image_upload). The schema names the
    media types of its multipart part (sellflow.schema)."""

    openapi_content_type = ALLOWED_MEDIA_TYPES
_UNREADABLE = (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
               SyntaxError, ValueError)


class InvalidImage(ApplicationError):
    code = "invalid_image"
    message = "Upload a valid JPEG, PNG or WebP image."


@dataclass(frozen=True)
class CleanImage:
    content: ContentFile
    extension: str
    width: int
    height: int


def probe_image(upload, *, max_bytes: int, max_pixels: int) -> tuple[int, int]:
    """The image's width and height, read from its header only: size, format and pixel limits
    are checked here, at almost no cost."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ApplicationError(
            f"The image is larger than {max_bytes // 1024} KB.",
            code="too_large",
            status_code=413,
            details={"max_bytes": max_bytes},
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:
                image_format = probe.format
                width, height = probe.size
                if image_format not in ALLOWED_FORMATS:
                    raise InvalidImage(details={"format": image_format})
                if width * height > max_pixels:
                    raise InvalidImage(
                        f"The image has more than {max_pixels} pixels.",
                        code="image_too_large",
                        details={"max_pixels": max_pixels, "width": width, "height": height},
                    )
                probe.verify()
    except ApplicationError:
        raise
    except _UNREADABLE as error:
        raise InvalidImage() from error
    return width, height


def clean_image_upload(upload, *, max_bytes: int, max_pixels: int, max_dimension: int) -> CleanImage:
    probe_image(upload, max_bytes=max_bytes, max_pixels=max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            image = Image.open(upload)
            image_format = image.format
            # A JPEG decodes straight at 1/2, 1/4 or 1/8 scale when that still covers the stored
            # size: most of a big photo's decoding is never done.
            image.draft(None, (max_dimension, max_dimension))
            image.load()
    except _UNREADABLE as error:
        raise InvalidImage() from error

    # Fitted first, turned upright after: the turn then copies the small image, not the big one.
    image.thumbnail((max_dimension, max_dimension))
    image = ImageOps.exif_transpose(image)

    output = io.BytesIO()
    if image_format == "JPEG":
        image.convert("RGB").save(output, "JPEG", quality=88, optimize=True)
    elif image_format == "PNG":
        image.save(output, "PNG", optimize=True)
    else:
        image.save(output, "WEBP", quality=88)
    extension = ALLOWED_FORMATS[image_format]
    return CleanImage(ContentFile(output.getvalue()), extension, image.width, image.height)


def check_image_uploads(uploads: list, *, max_bytes: int, max_pixels: int, max_total_pixels: int) -> int:
    """Check every image of one request from its header, and their pixels together against
    `max_total_pixels`, before the first is decoded: a request's work is bounded whatever the
    number of files. Returns the pixels to decode."""
    sizes = [probe_image(upload, max_bytes=max_bytes, max_pixels=max_pixels) for upload in uploads]
    total = sum(width * height for width, height in sizes)
    if total > max_total_pixels:
        raise InvalidImage(
            f"These images have more than {max_total_pixels} pixels together: send fewer at a time.",
            code="images_too_large",
            details={"max_total_pixels": max_total_pixels, "total_pixels": total},
        )
    return total


@dataclass(frozen=True)
class Uploader:
    """Who pays for decoding an upload: the account, and the client address the request came
    from (None for the platform's own work, such as the demo catalog)."""

    user: Any
    address: str | None

    @classmethod
    def of(cls, request) -> "Uploader":
        return cls(user=request.user, address=client_address(request))


def decoding_take(*, uploader: Uploader, pixels: int, charges: Iterable[Charge] = ()) -> None:
    """Pay for decoding `pixels` (read from the headers) before any is decoded, together with the
    request's other quotas (`charges`), all or none. Pixels are counted per account, per minute and
    per hour (less per hour until the account's email is confirmed), and per client address, so
    that accounts opened from one address do not multiply the work. Refused: 429 `throttled` with
    Retry-After, nothing counted. What is paid stays paid, even if an image then fails to decode."""
    with transaction.atomic():
        quotas_take(user_id=uploader.user.pk, charges=[*_account_pixel_charges(uploader.user, pixels), *charges])
        if uploader.address is not None:
            # Counted last: a refusal here rolls the account's counts back.
            _address_pixels_take(uploader.address, pixels)


def _account_pixel_charges(user, pixels: int) -> list[Charge]:
    if user.is_verified:
        hourly, spent = settings.UPLOAD_PIXELS_PER_HOUR, "try again later."
    else:
        hourly, spent = settings.UPLOAD_PIXELS_PER_HOUR_UNVERIFIED, "confirm your email address to upload more."
    return [
        Charge(scope="upload_pixels", amount=pixels, quota=settings.UPLOAD_PIXELS_PER_MINUTE, seconds=MINUTE,
               message="You are uploading too many image pixels at once; wait a minute.", code="throttled"),
        Charge(scope="upload_pixels", amount=pixels, quota=hourly, seconds=HOUR,
               message=f"You have uploaded this hour's share of image pixels; {spent}", code="throttled"),
    ]


def _address_pixels_take(address: str, pixels: int) -> None:
    refused = clock_windows_take(f"upload-pixels:{address}", amount=pixels, limits=[
        (MINUTE, settings.UPLOAD_PIXELS_PER_MINUTE_PER_IP), (HOUR, settings.UPLOAD_PIXELS_PER_HOUR_PER_IP)])
    if refused is not None:
        seconds, limit, used = refused
        raise quota_refusal(kind="upload_pixels_address", quota=limit, used=used, requested=pixels, seconds=seconds,
                            code="throttled", message="Too many image pixels were uploaded from your network; "
                                                      "try again later.")
