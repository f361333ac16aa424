"""What the catalog's views share in their OpenAPI description."""

from drf_spectacular.utils import OpenApiParameter

from sellflow.schema import error_responses

TAGS = ["products"]
IMAGE_UPLOAD_429 = error_responses(429, s429="Too many uploads or image pixels, from this account or this address "
                                             "(`throttled`), or today's product images are spent "
                                             "(`quota_exceeded`); see `Retry-After`.")
IN_STOCK_PARAMETER = OpenApiParameter("in_stock", bool,
                                      description="Only products in stock (true) or sold out (false).")
