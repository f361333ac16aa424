from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def refresh_recommendations() -> None:
    from ai.recommendations import recommendations_refresh_all

    recommendations_refresh_all()


@shared_task(acks_late=True)
def run_ai_job(job_id: int) -> None:
    # Not retried: job_run records every failure on the job, and a redelivery finds it claimed.
    from ai.jobs import job_run

    job_run(job_id=job_id)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def fail_stale_jobs() -> None:
    from ai.jobs import jobs_fail_stale

    jobs_fail_stale()


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def refresh_products_recommendations(product_ids: list[int]) -> None:
    from ai.recommendations import recommendations_refresh_products

    recommendations_refresh_products(product_ids=product_ids)
