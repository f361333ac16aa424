import io

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image

from products.cache import catalog_changed
from products.models import ProductImage


@shared_task
def make_product_thumbnail(image_id: int) -> None:
    product_image = ProductImage.objects.filter(pk=image_id).first()
    if product_image is None or product_image.thumbnail:
        return  # deleted meanwhile, or already done by an earlier delivery
    with product_image.image.open("rb") as source, Image.open(source) as image:
        image.thumbnail((settings.PRODUCT_THUMBNAIL_SIZE, settings.PRODUCT_THUMBNAIL_SIZE))
        output = io.BytesIO()
        image.convert("RGB").save(output, "WEBP", quality=80)
    product_image.thumbnail.save("thumb.webp", ContentFile(output.getvalue()), save=False)
    ProductImage.objects.filter(pk=image_id, thumbnail="").update(thumbnail=product_image.thumbnail.name)
    catalog_changed(product_image.product_id)


@shared_task
def run_catalog_import(job_id: int) -> None:
    from products.catalog_csv import catalog_import_run

    catalog_import_run(job_id=job_id)


@shared_task
def prune_catalog_imports() -> dict:
    from products.catalog_csv import catalog_imports_prune

    return catalog_imports_prune()
