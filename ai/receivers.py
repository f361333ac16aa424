"""What the AI app does when the apps below it announce a change."""

from django.dispatch import receiver

from ai.tasks import refresh_products_recommendations
from products.signals import catalog_changed


@receiver(catalog_changed)
def refresh_recommendations(sender, ids, **kwargs) -> None:
    refresh_products_recommendations.delay(ids)
