"""What the chat does when the apps below it announce a change."""

from django.dispatch import receiver

from chat.tasks import post_order_updates as post_order_updates_task
from orders.signals import order_status_changed


@receiver(order_status_changed)
def tell_conversations_of_orders(sender: object, ids: list[int], **kwargs: object) -> None:
    # order_status_changed is sent after commit: the task can be queued at once.
    post_order_updates_task.delay(sorted(ids))
