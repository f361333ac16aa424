"""The domain errors of the catalog, each with its code."""

from enum import StrEnum

from sellflow.exceptions import ApplicationError, Conflict


class CatalogErrorCode(StrEnum):
    INSUFFICIENT_STOCK = "insufficient_stock"
    TOO_MANY_IMAGES = "too_many_images"
    VARIANT_REQUIRED = "variant_required"
    IMPORT_IN_PROGRESS = "import_in_progress"


class InsufficientStock(Conflict):
    code = CatalogErrorCode.INSUFFICIENT_STOCK
    message = "Not enough stock for this change."


class TooManyImages(ApplicationError):
    code = CatalogErrorCode.TOO_MANY_IMAGES
    message = "This product has reached its image limit."


class VariantRequired(ApplicationError):
    code = CatalogErrorCode.VARIANT_REQUIRED
    message = "This product sells by variant: say which variant's stock changes."


class ImportInProgress(Conflict):
    code = CatalogErrorCode.IMPORT_IN_PROGRESS
    message = "Another import of your catalog is still running: wait for it to finish."
