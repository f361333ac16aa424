"""What the chat does when the apps below it announce a change."""

from django.dispatch import receiver

from chat.models import Conversation
from chat.services.conversations import UPDATED, conversation_announce
from chat.tasks import post_order_updates as post_order_updates_task
from customers.signals import customers_merging
from orders.signals import order_status_changed
from sellflow.platforms import Platform
from sellflow.transactions import after_commit


@receiver(order_status_changed)
def tell_conversations_of_orders(sender: object, ids: list[int], **kwargs: object) -> None:
    # order_status_changed is sent after commit: the task can be queued at once.
    post_order_updates_task.delay(sorted(ids))


@receiver(customers_merging)
def move_conversations_of_merged_customer(sender: object, kept, other, **kwargs: object) -> None:
    # Inside the merge's transaction: the other customer is deleted right after.
    moved = list(Conversation.objects.filter(customer=other).values_list("pk", flat=True))
    Conversation.objects.filter(pk__in=moved).update(customer=kept)
    joined = []
    if kept.buyer_id:  # the kept customer's account becomes the other member where there was none
        without_buyer = Conversation.objects.filter(customer=kept, buyer__isnull=True).exclude(
            source=Platform.ASSISTANT)
        joined = list(without_buyer.values_list("pk", flat=True))
        without_buyer.update(buyer_id=kept.buyer_id)
    for conversation_id in sorted(set(moved) | set(joined)):  # inboxes show the kept customer's card
        after_commit(conversation_announce, conversation_id, UPDATED)
