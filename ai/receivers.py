"""What the AI app does when the apps below it announce a change."""

from django.dispatch import receiver

from ai.tasks import refresh_products_recommendations as refresh_products_recommendations_task
from products.signals import catalog_changed


@receiver(catalog_changed)
def refresh_recommendations(sender: object, ids: list[int], **kwargs: object) -> None:
    # catalog_changed is sent after commit: the task can be queued at once.
    refresh_products_recommendations_task.delay(ids)
