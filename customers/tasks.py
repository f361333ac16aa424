"""The customers app's Celery tasks: each takes ids, re-fetches, and calls a service imported in
its body (an order gone meanwhile is simply skipped). Retries follow the one policy of the base
task (sellflow/celery.py); both are idempotent, the figures being recomputed, never added to."""

from celery import shared_task


@shared_task
def record_customer_orders(order_ids: list[int]) -> None:
    from customers.services import customers_record_orders

    customers_record_orders(order_ids=order_ids)


@shared_task
def refresh_customer_figures(order_ids: list[int]) -> None:
    from customers.services import customers_refresh_orders

    customers_refresh_orders(order_ids=order_ids)
