import io
import os
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from products.models import HistoryEvent, Product, ProductHistory, ProductImage
from products.services import product_adjust_stock
from tests.images import exif_with, image_upload
from tests.products.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def upload(client, product, *files, path="upload_images/"):
    return client.post(f"/api/products/{product.pk}/{path}", {"images": list(files)}, format="multipart")


class TestImages:
    def test_upload_cleans_and_orders_images(self, seller_client, seller, settings):
        settings.PRODUCT_IMAGE_MAX_DIMENSION = 40
        product = ProductFactory(seller=seller)

        response = upload(seller_client, product, image_upload(size=(80, 60), exif=exif_with(orientation=6, gps=True)),
                          image_upload("b.webp", image_format="WEBP"))

        assert response.status_code == 201
        first, second = response.json()
        assert (first["is_primary"], second["is_primary"]) == (True, False)
        assert (first["position"], second["position"]) == (0, 1)
        stored = ProductImage.objects.get(pk=first["id"])
        with Image.open(stored.image.path) as image:
            assert image.size == (30, 40)  # rotated upright, then fitted into 40 px
            assert not image.getexif()

    def test_alias_path_works(self, seller_client, seller):
        product = ProductFactory(seller=seller)

        assert upload(seller_client, product, image_upload(), path="upload-images/").status_code == 201

    def test_images_bracket_field_name(self, seller_client, seller):
        product = ProductFactory(seller=seller)

        response = seller_client.post(f"/api/products/{product.pk}/upload_images/", {"images[]": [image_upload()]},
                                      format="multipart")

        assert response.status_code == 201

    def test_not_an_image(self, seller_client, seller):
        product = ProductFactory(seller=seller)
        fake = SimpleUploadedFile("x.jpg", b"GIF89a not really", content_type="image/jpeg")

        response = upload(seller_client, product, image_upload(), fake)

        assert response.status_code == 400
        assert response.json()["code"] == "invalid_image"
        assert not ProductImage.objects.exists()  # nothing half-written

    def test_too_large(self, seller_client, seller, settings):
        settings.PRODUCT_IMAGE_MAX_BYTES = 200
        product = ProductFactory(seller=seller)

        response = upload(seller_client, product, image_upload(size=(300, 300)))

        assert response.status_code == 413
        assert response.json()["code"] == "too_large"

    def test_decompression_bomb(self, seller_client, seller, settings):
        settings.PRODUCT_IMAGE_MAX_PIXELS = 10_000
        product = ProductFactory(seller=seller)
        buffer = io.BytesIO()
        Image.new("1", (5000, 5000)).save(buffer, "PNG")

        response = upload(seller_client, product, SimpleUploadedFile("bomb.png", buffer.getvalue()))

        assert response.status_code == 400
        assert response.json()["code"] == "image_too_large"

    def test_too_many(self, seller_client, seller, settings):
        settings.PRODUCT_MAX_IMAGES = 2
        product = ProductFactory(seller=seller)
        upload(seller_client, product, image_upload())

        response = upload(seller_client, product, image_upload(), image_upload())

        assert response.status_code == 400
        assert response.json()["code"] == "too_many_images"
        assert response.json()["details"] == {"max_images": 2, "current": 1, "uploaded": 2}
        assert product.images.count() == 1

    def test_no_files(self, seller_client, seller):
        product = ProductFactory(seller=seller)

        response = seller_client.post(f"/api/products/{product.pk}/upload_images/", {}, format="multipart")

        assert response.status_code == 400
        assert "images" in response.json()["details"]

    def test_patch_makes_another_image_primary(self, seller_client, seller):
        product = ProductFactory(seller=seller)
        first, second = upload(seller_client, product, image_upload(), image_upload()).json()

        response = seller_client.patch(f"/api/products/{product.pk}/images/{second['id']}/",
                                       {"is_primary": True, "alt_text": "Front view"}, format="json")

        assert response.status_code == 200
        assert response.json()["alt_text"] == "Front view"
        assert list(product.images.filter(is_primary=True).values_list("pk", flat=True)) == [second["id"]]

    def test_deleting_the_primary_promotes_the_next(self, seller_client, seller, django_capture_on_commit_callbacks):
        product = ProductFactory(seller=seller)
        first, second = upload(seller_client, product, image_upload(), image_upload()).json()
        path = ProductImage.objects.get(pk=first["id"]).image.path

        with django_capture_on_commit_callbacks(execute=True):
            response = seller_client.delete(f"/api/products/{product.pk}/images/{first['id']}/")

        assert response.status_code == 204
        assert ProductImage.objects.get().is_primary
        assert not os.path.exists(path)


class TestAdjustStock:
    def adjust(self, client, product, delta, **extra):
        return client.post(f"/api/products/{product.pk}/adjust_stock/", {"delta": delta, "reason": "count", **extra},
                           format="json")

    def test_adds_and_removes_with_history(self, seller_client, seller):
        product = ProductFactory(seller=seller, stock_quantity=10)

        assert self.adjust(seller_client, product, 5).json()["stock_quantity"] == 15
        response = self.adjust(seller_client, product, -15)

        assert response.status_code == 200
        assert response.json()["stock_quantity"] == 0
        entries = ProductHistory.objects.filter(product=product, event=HistoryEvent.STOCK_ADJUSTED)
        assert [e.changes["stock_quantity"] for e in entries] == [{"old": 15, "new": 0}, {"old": 10, "new": 15}]
        assert entries[0].reason == "count"

    def test_never_below_zero(self, seller_client, seller):
        product = ProductFactory(seller=seller, stock_quantity=3)

        response = self.adjust(seller_client, product, -4)

        assert response.status_code == 409
        assert response.json() == {"error": "Not enough stock for this change.", "code": "insufficient_stock",
                                   "details": {"available": 3}}
        product.refresh_from_db()
        assert product.stock_quantity == 3

    def test_variant_products_adjust_a_variant(self, seller_client, seller):
        product = ProductFactory(seller=seller, stock_quantity=5)
        variant = VariantFactory(product=product, stock_quantity=5)

        assert self.adjust(seller_client, product, 1).json()["code"] == "variant_required"
        response = self.adjust(seller_client, product, -2, variant_id=variant.pk)

        assert response.status_code == 200
        assert response.json()["stock_quantity"] == 3
        assert response.json()["variants"][0]["stock_quantity"] == 3
        assert self.adjust(seller_client, product, -4, variant_id=variant.pk).status_code == 409

    @pytest.mark.parametrize("body", [{"delta": 0, "reason": "x"}, {"delta": "many", "reason": "x"}, {"delta": 1}])
    def test_invalid(self, seller_client, seller, body):
        product = ProductFactory(seller=seller)

        assert seller_client.post(f"/api/products/{product.pk}/adjust_stock/", body, format="json").status_code == 400


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level concurrency needs PostgreSQL")
def test_concurrent_adjustments_all_apply_and_never_oversell():
    product = ProductFactory(stock_quantity=10)
    errors = []

    def remove_one():
        try:
            product_adjust_stock(product=Product.objects.get(pk=product.pk), actor=None, delta=-1, reason="race")
        except Exception as error:  # the insufficient-stock refusals are expected
            errors.append(error.__class__.__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=remove_one) for _ in range(15)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    product.refresh_from_db()
    assert product.stock_quantity == 0
    assert errors == ["InsufficientStock"] * 5


def test_crossing_the_low_stock_threshold_notifies_the_seller_once(seller_client, seller):
    from notifications.models import Notification

    product = ProductFactory(seller=seller, stock_quantity=8, low_stock_threshold=5, name="Kente stole")

    seller_client.post(f"/api/products/{product.pk}/adjust_stock/", {"delta": -2, "reason": "sale"}, format="json")
    assert not Notification.objects.exists()  # 6 left: still above the alert
    seller_client.post(f"/api/products/{product.pk}/adjust_stock/", {"delta": -2, "reason": "sale"}, format="json")
    seller_client.post(f"/api/products/{product.pk}/adjust_stock/", {"delta": -1, "reason": "sale"}, format="json")

    notification = Notification.objects.get(user=seller)
    assert notification.type == "product"
    assert notification.title == "Low stock: Kente stole"
    assert notification.data == {"product_id": product.pk, "stock_quantity": 4, "path": f"/products/{product.pk}"}
