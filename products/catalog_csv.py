"""CSV import and export of a seller's catalog. Rows are matched by SKU: a known SKU updates
that product, a new one creates it. Every row is applied whole or not at all, and the report
says for each what happened and why."""

import csv
import io
import logging
from datetime import timedelta
from collections.abc import Iterator

from functools import partial

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework import serializers

from notifications.realtime import send_to_user
from products import services
from products.models import CatalogImport, Category, HistoryEvent, ImportStatus, Product
from products.serializers import ProductWriteSerializer

COLUMNS = [
    "sku", "name", "description", "price", "compare_at_price", "currency", "category", "tags", "status",
    "stock_quantity", "low_stock_threshold", "weight",
]
logger = logging.getLogger(__name__)

OPTIONAL_BLANK = {"compare_at_price", "weight", "category"}
MAX_ROWS = 5000
# A claimed background import not finished after this long is taken as abandoned.
IMPORT_LEASE = timedelta(minutes=30)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class CatalogFileError(Exception):
    """The file as a whole cannot be read (not CSV, wrong columns, too many rows)."""


def _cell(value: str) -> str:
    """Spreadsheets run cells that start like a formula: export them as text."""
    return f"'{value}" if value[:1] in FORMULA_PREFIXES else value


def export_rows(seller) -> Iterator[list[str]]:
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


def _read(upload) -> list[dict[str, str]]:
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CatalogFileError("The file is not UTF-8 text.")
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
    except csv.Error as error:
        raise CatalogFileError(f"The file is not valid CSV: {error}.")
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
        raise CatalogFileError(f"The file is not valid CSV: {error}.")
    return rows


def _uncell(value: str) -> str:
    """Undo the export's formula guard ("'=..." back to "=...")."""
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_PREFIXES else value


def _row_data(row: dict[str, str], categories: dict[str, int]) -> dict:
    data = {key: _uncell(value) for key, value in row.items() if key in COLUMNS and key != "currency"}
    for key in OPTIONAL_BLANK:
        if key in data and data[key] == "":
            data[key] = None
    if data.get("category"):
        category = data["category"]
        data["category"] = categories.get(category.lower()) or (int(category) if category.isdigit() else -1)
    for key in ("stock_quantity", "low_stock_threshold", "status", "description", "tags", "sku"):
        if data.get(key) == "":
            data.pop(key)
    return data


def catalog_import_start(*, seller, upload, dry_run: bool) -> "CatalogImport":
    """Keep the file and queue the import; the job reports when it is done."""
    from products import tasks

    job = CatalogImport(seller=seller, dry_run=dry_run)
    job.file.save("catalog.csv", upload, save=False)
    job.save()
    transaction.on_commit(partial(tasks.run_catalog_import.delay, job.pk))
    return job


def catalog_import_run(*, job_id: int) -> None:
    # Claim the job in one conditional UPDATE: a redelivered task finds it taken and stops,
    # unless its claim has outlived any real run (the worker that took it died).
    stale = timezone.now() - IMPORT_LEASE
    claimed = CatalogImport.objects.filter(
        Q(status=ImportStatus.PENDING) | Q(status=ImportStatus.RUNNING, started_at__lt=stale), pk=job_id
    ).update(status=ImportStatus.RUNNING, started_at=timezone.now())
    if not claimed:
        return
    job = CatalogImport.objects.select_related("seller").get(pk=job_id)
    try:
        with job.file.open("rb") as upload:
            report = import_catalog(seller=job.seller, upload=upload, dry_run=job.dry_run)
    except CatalogFileError as error:
        _finish(job_id, status=ImportStatus.FAILED, error=str(error))
    except Exception:
        logger.exception("catalog import %s failed", job_id)
        _finish(job_id, status=ImportStatus.FAILED, error="The import failed unexpectedly; nothing more was saved.")
    else:
        _finish(job_id, status=ImportStatus.DONE, report=report)


def _finish(job_id: int, **fields) -> None:
    CatalogImport.objects.filter(pk=job_id).update(finished_at=timezone.now(), **fields)
    job = CatalogImport.objects.get(pk=job_id)
    report = job.report or {}
    # The seller's open pages learn at once that the import is over.
    send_to_user(job.seller_id, {
        "type": "job", "kind": "catalog_import", "id": job.pk, "status": job.status,
        "url": f"/api/products/import/{job.pk}/", "created": report.get("created"),
        "updated": report.get("updated"), "rejected": report.get("rejected"), "error": job.error,
    })


def import_catalog(*, seller, upload, dry_run: bool = False) -> dict:
    rows = _read(upload)
    categories = {slug.lower(): pk for pk, slug in Category.objects.filter(is_active=True).values_list("pk", "slug")}
    existing = {p.sku: p for p in Product.objects.alive().filter(seller=seller).exclude(sku="")}
    report = {"dry_run": dry_run, "created": 0, "updated": 0, "rejected": 0, "rows": []}
    seen_skus: set[str] = set()

    for number, row in enumerate(rows, start=2):  # row 1 is the header
        sku = row.get("sku", "")
        entry = {"row": number, "sku": sku, "name": row.get("name", "")}
        if sku and sku in seen_skus:
            report["rows"].append({**entry, "action": "rejected", "errors": {"sku": ["Repeated earlier in this file."]}})
            report["rejected"] += 1
            continue
        seen_skus.add(sku)
        product = existing.get(sku) if sku else None
        serializer = ProductWriteSerializer(instance=product, data=_row_data(row, categories), partial=product is not None)
        try:
            serializer.is_valid(raise_exception=True)
            with transaction.atomic():
                if product is None:
                    created = services.product_create(seller=seller, data=serializer.validated_data,
                                                      event=HistoryEvent.IMPORTED)
                    if sku:
                        existing[sku] = created
                    action = "created"
                else:
                    services.product_update(product=product, actor=seller, data=serializer.validated_data)
                    action = "updated"
                if dry_run:
                    transaction.set_rollback(True)
        except serializers.ValidationError as error:
            report["rows"].append({**entry, "action": "rejected", "errors": _plain(error.detail)})
            report["rejected"] += 1
            continue
        except DjangoValidationError as error:
            report["rows"].append({**entry, "action": "rejected", "errors": _plain(error.message_dict)})
            report["rejected"] += 1
            continue
        report["rows"].append({**entry, "action": action, "errors": {}})
        report[action] += 1
    return report


def _plain(detail) -> dict:
    if isinstance(detail, dict):
        return {str(key): [str(message) for message in (value if isinstance(value, list) else [value])]
                for key, value in detail.items()}
    return {"non_field_errors": [str(message) for message in detail]}
