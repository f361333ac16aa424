"""What the chat does when the apps below it announce a change."""

from django.dispatch import receiver

from chat.models import Conversation
from chat.tasks import post_order_updates as post_order_updates_task
from customers.signals import customers_merging
from orders.signals import order_status_changed


@receiver(order_status_changed)
def tell_conversations_of_orders(sender: object, ids: list[int], **kwargs: object) -> None:
    # order_status_changed is sent after commit: the task can be queued at once.
    post_order_updates_task.delay(sorted(ids))


@receiver(customers_merging)
def move_conversations_of_merged_customer(sender: object, kept, other, **kwargs: object) -> None:
    # Inside the merge's transaction: the other customer is deleted right after.
    Conversation.objects.filter(customer=other).update(customer=kept)
