"""Background work of catalog imports. The names are those the tasks were first queued and
scheduled under (products.tasks...): queued messages and the beat schedule still find them. They
live here, beside the import's services, so the catalog's own services and tasks stay out of an
import circle with them. Registered by ProductsConfig.ready()."""

from celery import shared_task


# The old products.tasks.* names on purpose, do not rename: messages already queued under them,
# and the beat entry (CELERY_BEAT_SCHEDULE, products.tasks.prune_catalog_imports), must still find them.
@shared_task(name="products.tasks.run_catalog_import")
def run_catalog_import(job_id: int) -> None:
    from products.catalog_import.services import catalog_import_run

    # The service claims the job in one conditional UPDATE: a job deleted, finished, or taken by
    # a live worker is left alone, so a redelivery does nothing.
    catalog_import_run(job_id=job_id)


@shared_task(name="products.tasks.prune_catalog_imports")
def prune_catalog_imports() -> dict[str, int]:
    from products.catalog_import.services import catalog_imports_prune

    return catalog_imports_prune()
