"""The shared machinery's periodic Celery tasks: pruning idempotency records and quota usage."""

from celery import shared_task


@shared_task
def prune_idempotency_records() -> int:
    from sellflow.idempotency import idempotency_records_prune

    return idempotency_records_prune()


@shared_task
def prune_quota_usage() -> int:
    from sellflow.quotas import quota_usage_prune

    return quota_usage_prune()
