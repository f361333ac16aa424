"""The catalog's Celery tasks: each takes ids, re-fetches, and calls a service imported in its body."""

from celery import shared_task

from products.models import ProductImage


@shared_task
def make_product_thumbnail(image_id: int) -> None:
    from products.services import product_image_make_thumbnail

    product_image = ProductImage.objects.filter(pk=image_id).first()
    if product_image is None or product_image.thumbnail:
        return  # deleted meanwhile, or already done by an earlier delivery
    product_image_make_thumbnail(image=product_image)


@shared_task
def flush_product_views() -> dict[str, int]:
    """Each minute (the beat): the views counted in the cache, added to the products' view_count."""
    from products.services import product_views_flush

    return product_views_flush()
