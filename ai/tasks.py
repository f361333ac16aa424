"""The AI app's Celery tasks: each takes ids, re-fetches, and calls a service imported in its
body. Retries follow the one policy of the base task (sellflow/celery.py)."""

from celery import shared_task


@shared_task
def refresh_recommendations() -> None:
    from ai.recommendations import recommendations_refresh_all

    recommendations_refresh_all()


@shared_task
def run_ai_job(job_id: int) -> None:
    # job_run records every failure on the job (nothing is left for a retry), and a redelivery
    # finds the job claimed and stops.
    from ai.services.jobs import job_run

    job_run(job_id=job_id)


@shared_task
def fail_stale_jobs() -> None:
    from ai.services.jobs import jobs_fail_stale

    jobs_fail_stale()


@shared_task
def refresh_products_recommendations(product_ids: list[int]) -> None:
    # A product gone from the shop is handled there: its lists are deleted.
    from ai.recommendations import recommendations_refresh_products

    recommendations_refresh_products(product_ids=product_ids)
