"""The chat app's Celery tasks: each takes ids, re-fetches, and calls a service imported in its
body. Retries follow the one policy of the base task (sellflow/celery.py)."""

from celery import shared_task


@shared_task
def post_order_updates(order_ids: list[int]) -> None:
    # Orders gone, or with no card in any conversation, post nothing; a status already told is not told twice.
    from chat.services.orders import order_updates_post

    order_updates_post(order_ids=order_ids)
