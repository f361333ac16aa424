"""Schemathesis hooks for outside runs (`PYTHONPATH=. SCHEMATHESIS_HOOKS=tests.schemathesis_hooks
schemathesis run ...`): strategies for what the schema names but no generic generator can make.

- `format: phone` (accounts.serializers.PhoneNumberField): a number valid in libphonenumber's
  numbering plans, which no regex states.
- image parts (`encoding.contentType` of sellflow.images.ImageUploadField): real JPEG, PNG and
  WebP files, which the uploads decode.
"""

import io

import schemathesis
from hypothesis import strategies as st
from PIL import Image

# Valid numbers, international and local to the default country (GH), as a client would type them.
PHONE_NUMBERS = ["+233501234567", "+233241234567", "0201234567", "+2348031234567", "+254712345678", "+14155552671"]

schemathesis.openapi.format("phone", st.sampled_from(PHONE_NUMBERS))


def _image(image_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 120, 40)).save(buffer, format=image_format)
    return buffer.getvalue()


for media_type, image_format in [("image/jpeg", "JPEG"), ("image/png", "PNG"), ("image/webp", "WEBP")]:
    schemathesis.openapi.media_type(media_type, st.just(_image(image_format)))
