"""The catalog's CSV format: the columns, a seller's catalog written out as rows, and a file read
back into rows and each row into a product's fields. No writes: importing the rows is
products.catalog_import.services."""

import csv
import io
from collections.abc import Iterator
from typing import IO, Any

from django.core.exceptions import ValidationError as DjangoValidationError

from accounts.models import User
from products.models import Product

COLUMNS = [
    "sku", "name", "description", "price", "compare_at_price", "currency", "category", "tags", "status",
    "stock_quantity", "low_stock_threshold", "weight",
]
OPTIONAL_BLANK = {"compare_at_price", "weight", "category"}
MAX_ROWS = 5000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class CatalogFileError(Exception):
    """The file as a whole cannot be read (not CSV, wrong columns, too many rows)."""


def _cell(value: str) -> str:
    """Spreadsheets run cells that start like a formula: export them as text."""
    return f"'{value}" if value[:1] in FORMULA_PREFIXES else value


def export_rows(seller: User) -> Iterator[list[str]]:
    yield COLUMNS
    products = Product.objects.alive().filter(seller=seller).select_related("category").order_by("id")
    for product in products.iterator(chunk_size=500):
        yield [
            _cell(product.sku), _cell(product.name), _cell(product.description), f"{product.price:.2f}",
            f"{product.compare_at_price:.2f}" if product.compare_at_price is not None else "",
            product.currency, product.category.slug if product.category else "", _cell(product.tags_text),
            product.status, str(product.stock_quantity), str(product.low_stock_threshold),
            f"{product.weight}" if product.weight is not None else "",
        ]


def read_rows(upload: IO[bytes]) -> list[dict[str, str]]:
    """The file's rows as {column: cell}, or CatalogFileError when the file as a whole is unreadable."""
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogFileError("The file is not UTF-8 text.") from exc
    if "\x00" in text:  # no text holds one, and PostgreSQL could not store a report quoting it
        raise CatalogFileError("The file holds NUL characters: it is not CSV text.")
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
    except csv.Error as error:
        raise CatalogFileError(f"The file is not valid CSV: {error}.") from error
    if "name" not in header or "price" not in header:
        raise CatalogFileError("The header must name at least the `name` and `price` columns.")
    unknown = set(header) - set(COLUMNS)
    if unknown:
        raise CatalogFileError(f"Unknown columns: {', '.join(sorted(unknown))}. Known: {', '.join(COLUMNS)}.")
    reader.fieldnames = header
    rows = []
    try:
        for row in reader:
            if len(rows) == MAX_ROWS:
                raise CatalogFileError(f"At most {MAX_ROWS} rows per file.")
            rows.append({key: (value or "").strip() for key, value in row.items() if key is not None})
    except csv.Error as error:
        raise CatalogFileError(f"The file is not valid CSV: {error}.") from error
    return rows


def _uncell(value: str) -> str:
    """Undo the export's formula guard ("'=..." back to "=...")."""
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_PREFIXES else value


def row_data(row: dict[str, str], categories: dict[str, int]) -> dict[str, Any]:
    """A row's cells as the product serializer's input; `categories` maps lower-case slugs to ids."""
    data: dict[str, Any] = {key: _uncell(value) for key, value in row.items() if key in COLUMNS and key != "currency"}
    for key in OPTIONAL_BLANK:
        if key in data and data[key] == "":
            data[key] = None
    if data.get("category"):
        data["category"] = _category_id(data["category"], categories)
    for key in ("stock_quantity", "low_stock_threshold", "status", "description", "tags", "sku"):
        if data.get(key) == "":
            data.pop(key)
    return data


def _category_id(cell: str, categories: dict[str, int]) -> int:
    """The id of the category a cell names by slug or by id."""
    if cell.lower() in categories:
        return categories[cell.lower()]
    # ASCII digits only ("²".isdigit() is true, and int("²") fails), no longer than an id can be
    # (int() refuses thousands of digits).
    if cell.isascii() and cell.isdigit() and len(cell) < 19:
        return int(cell)
    raise DjangoValidationError({"category": "No category has this slug or id."})
