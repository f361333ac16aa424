"""Importing a seller's catalog from CSV. Rows are matched by SKU: a known SKU updates that
product, a new one creates it. Every row is applied whole or not at all, and the report says for
each what happened and why. A seller runs one import at a time, a daily number of them; a large
file runs in the background, kept in the private storage until its job ends."""

import logging
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework import serializers

from accounts.models import User
from notifications.realtime import send_to_user
from products.catalog_csv import CatalogFileError, read_rows, row_data
from products.catalog_import.tasks import run_catalog_import as run_catalog_import_task
from products.errors import ImportInProgress
from products.models import CatalogImport, Category, HistoryEvent, ImportStatus, Product
from products.serializers import ProductWriteSerializer
from products.services import product_create, product_update
from sellflow.quotas import quota_refusal, utc_day_start
from sellflow.storage import private_storage
from sellflow.transactions import after_commit, batched_announcements

logger = logging.getLogger(__name__)

# A pending or running import not finished after this long was lost with its worker (a task
# is killed after CELERY_TASK_TIME_LIMIT, 5 minutes): a redelivery may take it over, and it no
# longer holds the seller's one import slot.
IMPORT_LEASE = timedelta(minutes=15)
ACTIVE = [ImportStatus.PENDING, ImportStatus.RUNNING]
UNEXPECTED_FAILURE = "The import failed unexpectedly; nothing more was saved."
ABANDONED = "The import stopped before the end (its worker was lost); please start it again."
REPEATED_SKU = "Repeated earlier in this file."


def catalog_import_submit(*, seller: User, upload: IO[bytes], dry_run: bool,
                          background: bool) -> tuple[CatalogImport, bool]:
    """Import now, or queue the import: when the client asks, and for any file of more rows than
    one request should take (CATALOG_IMPORT_SYNC_MAX_ROWS). Returns the job and whether it was
    queued. A file imported now that cannot be read raises CatalogFileError before anything."""
    if not background:
        rows = read_rows(upload)
        if len(rows) <= settings.CATALOG_IMPORT_SYNC_MAX_ROWS:
            return catalog_import_now(seller=seller, rows=rows, dry_run=dry_run), False
    return catalog_import_start(seller=seller, upload=upload, dry_run=dry_run), True


def catalog_import_now(*, seller: User, rows: list[dict[str, str]], dry_run: bool) -> CatalogImport:
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


def catalog_import_start(*, seller: User, upload: IO[bytes], dry_run: bool) -> CatalogImport:
    """Keep the file (in the private storage, until the job ends) and queue the import; the job
    reports when it is done."""
    upload.seek(0)
    job = CatalogImport(seller=seller, dry_run=dry_run)
    job.file.save("catalog.csv", upload, save=False)  # before the transaction: disk work holds no lock
    try:
        job = _open_job(seller=seller, dry_run=dry_run, file=job.file.name)
    except BaseException:
        job.file.delete(save=False)
        raise
    after_commit(run_catalog_import_task.delay, job.pk)
    return job


def _open_job(*, seller: User, dry_run: bool, **fields: Any) -> CatalogImport:
    """Take the seller's one import slot, within today's quota. The count and the insert run under
    the seller's row lock, so parallel requests cannot all pass the quota; the unique constraint
    on active jobs refuses a second import whatever the timing."""
    catalog_imports_fail_abandoned(seller_id=seller.pk)  # a job lost with its worker frees the slot
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=seller.pk).first()
        quota = settings.CATALOG_IMPORTS_DAILY_QUOTA
        if quota:
            used = CatalogImport.objects.filter(seller=seller, created_at__gte=utc_day_start()).count()
            if used >= quota:
                raise quota_refusal(kind="catalog_imports", quota=quota, used=used,
                                    message="You have run today's catalog imports.")
        try:
            with transaction.atomic():
                return CatalogImport.objects.create(seller=seller, dry_run=dry_run, **fields)
        except IntegrityError as exc:
            running = CatalogImport.objects.filter(seller=seller, status__in=ACTIVE).first()
            details = {"id": running.pk, "url": job_url(running.pk)} if running else {}
            raise ImportInProgress(details=details) from exc


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


def _finish(job_id: int, *, only_if: Q | None = None, notify: bool = True, **fields: Any) -> bool:
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


def import_catalog(*, seller: User, upload: IO[bytes], dry_run: bool = False) -> dict[str, Any]:
    return import_rows(seller=seller, rows=read_rows(upload), dry_run=dry_run)


# Each row commits on its own; the rows announce their changes to the apps above once.
@batched_announcements()
def import_rows(*, seller: User, rows: list[dict[str, str]], dry_run: bool = False) -> dict[str, Any]:
    categories = {slug.lower(): pk for pk, slug in Category.objects.filter(is_active=True).values_list("pk", "slug")}
    existing = {p.sku: p for p in Product.objects.alive().filter(seller=seller).exclude(sku="")}
    report = {"dry_run": dry_run, "created": 0, "updated": 0, "rejected": 0, "rows": []}
    seen_skus: set[str] = set()

    for number, row in enumerate(rows, start=2):  # row 1 is the header
        sku = row.get("sku", "")
        entry = {"row": number, "sku": sku, "name": row.get("name", "")}
        if sku and sku in seen_skus:
            report["rows"].append({**entry, "action": "rejected", "errors": {"sku": [REPEATED_SKU]}})
            report["rejected"] += 1
            continue
        seen_skus.add(sku)
        product = existing.get(sku) if sku else None
        try:
            # Cells are read inside the row's try: one that cannot be read rejects its row, not the file.
            data = row_data(row, categories)
            serializer = ProductWriteSerializer(instance=product, data=data, partial=product is not None)
            serializer.is_valid(raise_exception=True)
            with transaction.atomic():
                if product is None:
                    created = product_create(seller=seller, data=serializer.validated_data,
                                             event=HistoryEvent.IMPORTED)
                    if sku:
                        existing[sku] = created
                    action = "created"
                else:
                    product_update(product=product, actor=seller, data=serializer.validated_data)
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


def _plain(detail: dict | list) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(key): [str(message) for message in (value if isinstance(value, list) else [value])]
                for key, value in detail.items()}
    return {"non_field_errors": [str(message) for message in detail]}
