"""CPU cost of cleaning uploaded images (sellflow/images.py) on crafted files: a few kilobytes that
describe a large canvas, the cheapest way to make the server work. Prints, per image, the CPU
seconds of one clean at the configured limits (best of five), the worst request (as many of the
costliest accepted image as the per-request pixel budget lets through), and the most CPU the
decoding budgets (UPLOAD_PIXELS_*) let one account or one client address cost at that price.

    .venv/bin/python bench/image_uploads.py
"""

import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellflow.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from sellflow.images import clean_image_upload  # noqa: E402


def crafted(image_format: str, width: int, height: int) -> bytes:
    image = Image.new("RGB", (width, height), (240, 240, 240))
    ImageDraw.Draw(image).rectangle((width // 4, height // 4, width // 2, height // 2), fill=(200, 30, 30))
    buffer = io.BytesIO()
    image.save(buffer, image_format, **({"quality": 50} if image_format == "JPEG" else {"optimize": True}))
    return buffer.getvalue()


def cpu_seconds(data: bytes, *, max_pixels: int, max_dimension: int) -> float | str:
    best = None
    for _ in range(5):
        upload = SimpleUploadedFile("upload", data)
        start = time.process_time()
        try:
            clean_image_upload(upload, max_bytes=len(data) + 1, max_pixels=max_pixels, max_dimension=max_dimension)
        except Exception as error:  # refused: report how fast
            return f"refused ({getattr(error, 'code', error)}) in {1000 * (time.process_time() - start):.1f} ms"
        elapsed = time.process_time() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def main() -> None:
    product = {"max_pixels": settings.PRODUCT_IMAGE_MAX_PIXELS, "max_dimension": settings.PRODUCT_IMAGE_MAX_DIMENSION}
    avatar = {"max_pixels": settings.AVATAR_MAX_PIXELS, "max_dimension": settings.AVATAR_SIZE}
    worst, per_pixel = 0.0, 0.0
    for image_format, width, height in [("PNG", 6300, 6300), ("JPEG", 6300, 6300), ("PNG", 4000, 4000),
                                        ("JPEG", 4000, 4000), ("PNG", 4032, 3024), ("JPEG", 4032, 3024)]:
        data = crafted(image_format, width, height)
        as_product = cpu_seconds(data, **product)
        as_avatar = cpu_seconds(data, **avatar)
        show = [f"{v:.3f} s" if isinstance(v, float) else v for v in (as_product, as_avatar)]
        print(f"{image_format:4} {width}x{height} ({width * height / 1e6:.1f} Mpx, {len(data) // 1024} KB): "
              f"product {show[0]}, avatar {show[1]}")
        if isinstance(as_product, float):
            per_request = min(settings.PRODUCT_MAX_IMAGES,
                              settings.PRODUCT_IMAGES_REQUEST_MAX_PIXELS // (width * height))
            worst = max(worst, per_request * as_product)
            per_pixel = max(per_pixel, as_product / (width * height))
    print(f"worst upload request (PRODUCT_IMAGES_REQUEST_MAX_PIXELS={settings.PRODUCT_IMAGES_REQUEST_MAX_PIXELS}): "
          f"{worst:.1f} s of CPU")
    for budget in ("UPLOAD_PIXELS_PER_MINUTE", "UPLOAD_PIXELS_PER_HOUR_UNVERIFIED", "UPLOAD_PIXELS_PER_HOUR",
                   "UPLOAD_PIXELS_PER_MINUTE_PER_IP", "UPLOAD_PIXELS_PER_HOUR_PER_IP"):
        print(f"at most {getattr(settings, budget) * per_pixel:.1f} s of CPU per {budget}={getattr(settings, budget)}")


if __name__ == "__main__":
    main()
