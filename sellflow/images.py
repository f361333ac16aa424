"""Verification and clean-up of uploaded images, shared by avatars and product photos.

An upload is accepted only if Pillow decodes it as JPEG, PNG or WebP within the byte and pixel
limits (a decompression bomb is refused from its header, before it is decoded). The stored copy
is re-encoded: EXIF orientation applied, metadata (GPS position, camera serial...) stripped.

Decoding is the costly part (a small PNG can describe a huge canvas), so callers clean images
before they open a transaction or take a lock, and check all the images of a request from their
headers, against a total pixel budget, before the first one is decoded.
"""

import io
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from sellflow.exceptions import ApplicationError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
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
    except _UNREADABLE:
        raise InvalidImage()
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
    except _UNREADABLE:
        raise InvalidImage()

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


def check_image_uploads(uploads: list, *, max_bytes: int, max_pixels: int, max_total_pixels: int) -> None:
    """Check every image of one request from its header, and their pixels together against
    `max_total_pixels`, before the first is decoded: a request's work is bounded whatever the
    number of files."""
    sizes = [probe_image(upload, max_bytes=max_bytes, max_pixels=max_pixels) for upload in uploads]
    total = sum(width * height for width, height in sizes)
    if total > max_total_pixels:
        raise InvalidImage(
            f"These images have more than {max_total_pixels} pixels together: send fewer at a time.",
            code="images_too_large",
            details={"max_total_pixels": max_total_pixels, "total_pixels": total},
        )
