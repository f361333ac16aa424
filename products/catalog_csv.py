"""CSV import and export of a seller's catalog. Rows are matched by SKU: a known SKU updates
that product, a new one creates it. Every row is applied whole or not at all, and the report
says for each what happened and why. A seller runs one import at a time, a daily number of
them; a large file runs in the background, kept in the private storage until its job ends."""

import csv
import io
import logging
from collections.abc import Iterator
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework import serializers

from notifications.realtime import send_to_user
from products import services
from products.errors import ImportInProgress
from products.models import CatalogImport, Category, HistoryEvent, ImportStatus, Product
from products.serializers import ProductWriteSerializer
from sellflow.quotas import quota_refusal, utc_day_start
from sellflow.storage import private_storage

COLUMNS = [
    "sku", "name", "description", "price", "compare_at_price", "currency", "category", "tags", "status",
    "stock_quantity", "low_stock_threshold", "weight",
]
logger = logging.getLogger(__name__)

OPTIONAL_BLANK = {"compare_at_price", "weight", "category"}
MAX_ROWS = 5000
# A pending or running import not finished after this long was lost with its worker (a task
# is killed after CELERY_TASK_TIME_LIMIT, 5 minutes): a redelivery may take it over, and it no
# longer holds the seller's one import slot.
IMPORT_LEASE = timedelta(minutes=15)
ACTIVE = [ImportStatus.PENDING, ImportStatus.RUNNING]
UNEXPECTED_FAILURE = "The import failed unexpectedly; nothing more was saved."
ABANDONED = "The import stopped before the end (its worker was lost); please start it again."
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
    if "\x00" in text:  # no text holds one, and PostgreSQL could not store a report quoting it
        raise CatalogFileError("The file holds NUL characters: it is not CSV text.")
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


def catalog_import_submit(*, seller, upload, dry_run: bool, background: bool) -> tuple[CatalogImport, bool]:
    """Import now, or queue the import: when the client asks, and for any file of more rows than
    one request should take (CATALOG_IMPORT_SYNC_MAX_ROWS). Returns the job and whether it was
    queued. A file imported now that cannot be read raises CatalogFileError before anything."""
    if not background:
        rows = _read(upload)
        if len(rows) <= settings.CATALOG_IMPORT_SYNC_MAX_ROWS:
            return catalog_import_now(seller=seller, rows=rows, dry_run=dry_run), False
    return catalog_import_start(seller=seller, upload=upload, dry_run=dry_run), True


def catalog_import_now(*, seller, rows: list[dict[str, str]], dry_run: bool) -> CatalogImport:
    """Import rows already read, in this request; its file is never stored."""
    job = _open_job(seller=seller, dry_run=dry_run, status=ImportStatus.RUNNING, started_at=timezone.now())
    try:
        report = import_rows(seller=seller, rows=rows, dry_run=dry_run)
    except Exception:
        _finish(job.pk, notify=False, status=ImportStatus.FAILED, error=UNEXPECTED_FAILURE)  # frees the slot
        raise
    _finish(job.pk, notify=False, status=ImportStatus.DONE, report=report)
    job.refresh_from_db()
    return job


def catalog_import_start(*, seller, upload, dry_run: bool) -> CatalogImport:
    """Keep the file (in the private storage, until the job ends) and queue the import; the job
    reports when it is done."""
    from products import tasks

    upload.seek(0)
    job = CatalogImport(seller=seller, dry_run=dry_run)
    job.file.save("catalog.csv", upload, save=False)  # before the transaction: disk work holds no lock
    try:
        job = _open_job(seller=seller, dry_run=dry_run, file=job.file.name)
    except BaseException:
        job.file.delete(save=False)
        raise
    transaction.on_commit(partial(tasks.run_catalog_import.delay, job.pk))
    return job


def _open_job(*, seller, dry_run: bool, **fields) -> CatalogImport:
    """Take the seller's one import slot, within today's quota. The count and the insert run under
    the seller's row lock, so parallel requests cannot all pass the quota; the unique constraint
    on active jobs refuses a second import whatever the timing."""
    catalog_imports_fail_abandoned(seller_id=seller.pk)  # a job lost with its worker frees the slot
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=seller.pk).first()
        quota = settings.CATALOG_IMPORTS_DAILY_QUOTA
        if quota:
            used = CatalogImport.objects.filter(seller=seller, created_at__gte=utc_day_start()).count()
            if used >= quota:
                raise quota_refusal(kind="catalog_imports", quota=quota, used=used,
                                    message="You have run today's catalog imports.")
        try:
            with transaction.atomic():
                return CatalogImport.objects.create(seller=seller, dry_run=dry_run, **fields)
        except IntegrityError:
            running = CatalogImport.objects.filter(seller=seller, status__in=ACTIVE).first()
            raise ImportInProgress(details={"id": running.pk, "url": job_url(running.pk)} if running else {})


def job_url(job_id: int) -> str:
    return f"/api/products/import/{job_id}/"


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
        _finish(job_id, status=ImportStatus.FAILED, error=UNEXPECTED_FAILURE)
    else:
        _finish(job_id, status=ImportStatus.DONE, report=report)


def _abandoned() -> Q:
    stale = timezone.now() - IMPORT_LEASE
    return Q(status__in=ACTIVE) & (Q(started_at__lt=stale) | Q(started_at__isnull=True, created_at__lt=stale))


def catalog_imports_fail_abandoned(*, seller_id: int | None = None) -> int:
    """Fail the imports still pending or running past the lease: their worker died (or their task
    was lost), and they must not hold the seller's slot for ever."""
    jobs = CatalogImport.objects.filter(_abandoned())
    if seller_id is not None:
        jobs = jobs.filter(seller_id=seller_id)
    return sum(_finish(job_id, only_if=_abandoned(), status=ImportStatus.FAILED, error=ABANDONED)
               for job_id in jobs.values_list("pk", flat=True))


def catalog_imports_prune() -> dict[str, int]:
    """The beat's clean-up: abandoned jobs failed, finished ones past their retention deleted,
    and import files that no running job needs removed (left by a crash between saving a file
    and finishing its job)."""
    failed = catalog_imports_fail_abandoned()
    retention = timedelta(days=max(settings.CATALOG_IMPORT_RETENTION_DAYS, 1))  # today's rows count for the quota
    deleted, _ = CatalogImport.objects.exclude(status__in=ACTIVE).filter(
        finished_at__lt=timezone.now() - retention).delete()
    return {"failed": failed, "deleted": deleted, "files_deleted": _delete_stray_files()}


def _delete_stray_files() -> int:
    storage = private_storage()
    needed = set(CatalogImport.objects.filter(status__in=ACTIVE).values_list("file", flat=True))
    # A file is saved just before its job's row: a young one may be about to be claimed.
    settled = timezone.now() - IMPORT_LEASE
    try:
        folders = storage.listdir("imports")[0]
    except FileNotFoundError:
        return 0
    deleted = 0
    for folder in folders:
        for filename in storage.listdir(f"imports/{folder}")[1]:
            name = f"imports/{folder}/{filename}"
            if name not in needed and storage.get_modified_time(name) < settled:
                storage.delete(name)
                deleted += 1
    return deleted


def _finish(job_id: int, *, only_if: Q | None = None, notify: bool = True, **fields) -> bool:
    jobs = CatalogImport.objects.filter(pk=job_id)
    if only_if is not None:
        jobs = jobs.filter(only_if)
    if not jobs.update(finished_at=timezone.now(), **fields):
        return False
    job = CatalogImport.objects.get(pk=job_id)
    if job.file:
        # Read for the last time: the seller's data leaves the disk when the job ends, however it ends.
        job.file.delete(save=False)
        CatalogImport.objects.filter(pk=job_id).update(file="")
    if notify:
        report = job.report or {}
        # The seller's open pages learn at once that the import is over.
        send_to_user(job.seller_id, {
            "type": "job", "kind": "catalog_import", "id": job.pk, "status": job.status,
            "url": job_url(job.pk), "created": report.get("created"),
            "updated": report.get("updated"), "rejected": report.get("rejected"), "error": job.error,
        })
    return True


def import_catalog(*, seller, upload, dry_run: bool = False) -> dict:
    return import_rows(seller=seller, rows=_read(upload), dry_run=dry_run)


def import_rows(*, seller, rows: list[dict[str, str]], dry_run: bool = False) -> dict:
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
        try:
            # Cells are read inside the row's try: one that cannot be read rejects its row, not the file.
            data = _row_data(row, categories)
            serializer = ProductWriteSerializer(instance=product, data=data, partial=product is not None)
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
