"""What the customers app does when the orders app announces a change. The signals come after
commit, in the request that placed or changed the order: the work is queued (a worker matches the
customer and recomputes the figures, with the tasks' retries), so a checkout never waits for it
and a failure is retried rather than only logged."""

from django.dispatch import receiver

from customers.tasks import record_customer_orders as record_customer_orders_task
from customers.tasks import refresh_customer_figures as refresh_customer_figures_task
from orders.signals import order_placed, order_status_changed


@receiver(order_placed)
def record_customers(sender: object, ids: list[int], **kwargs: object) -> None:
    record_customer_orders_task.delay(ids)


@receiver(order_status_changed)
def refresh_figures(sender: object, ids: list[int], **kwargs: object) -> None:
    refresh_customer_figures_task.delay(ids)
