"""Verification and clean-up of uploaded images, shared by avatars and product photos.

An upload is accepted only if Pillow decodes it as JPEG, PNG or WebP within the byte and pixel
limits (a decompression bomb is refused before it is decoded). The stored copy is re-encoded:
EXIF orientation applied, metadata (GPS position, camera serial...) stripped.
"""

import io
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from sellflow.exceptions import ApplicationError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


class InvalidImage(ApplicationError):
    code = "invalid_image"
    message = "Upload a valid JPEG, PNG or WebP image."


@dataclass(frozen=True)
class CleanImage:
    content: ContentFile
    extension: str
    width: int
    height: int


def clean_image_upload(upload, *, max_bytes: int, max_pixels: int, max_dimension: int | None = None) -> CleanImage:
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
            upload.seek(0)
            image = Image.open(upload)
            image.load()
    except ApplicationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
            SyntaxError, ValueError):
        raise InvalidImage()

    image = ImageOps.exif_transpose(image)
    if max_dimension:
        image.thumbnail((max_dimension, max_dimension))

    output = io.BytesIO()
    if image_format == "JPEG":
        image.convert("RGB").save(output, "JPEG", quality=88, optimize=True)
    elif image_format == "PNG":
        image.save(output, "PNG", optimize=True)
    else:
        image.save(output, "WEBP", quality=88)
    extension = ALLOWED_FORMATS[image_format]
    return CleanImage(ContentFile(output.getvalue()), extension, image.width, image.height)
