from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def refresh_recommendations() -> None:
    from ai.recommendations import recommendations_refresh_all

    recommendations_refresh_all()


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def refresh_product_recommendations(product_id: int) -> None:
    from ai.recommendations import recommendations_refresh_product

    recommendations_refresh_product(product_id=product_id)
