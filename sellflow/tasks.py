from celery import shared_task


@shared_task
def prune_idempotency_records() -> int:
    from sellflow.idempotency import idempotency_records_prune

    return idempotency_records_prune()
