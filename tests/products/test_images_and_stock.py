import io
import os
import threading
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from PIL import Image, ImageFile

from products.models import HistoryEvent, Product, ProductHistory, ProductImage
from products.services import product_adjust_stock
from sellflow.images import CleanImage
from tests.conftest import authenticated_client, clear_cache
from tests.images import exif_with, image_upload
from tests.products.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def upload(client, product, *files, path="upload_images/", address="127.0.0.1"):
    return client.post(f"/api/products/{product.pk}/{path}", {"images": list(files)}, format="multipart",
                       REMOTE_ADDR=address)


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

    def test_the_thumbnail_task_skips_an_image_deleted_or_done(self, seller_client, seller,
                                                                django_capture_on_commit_callbacks):
        from products.tasks import make_product_thumbnail

        product = ProductFactory(seller=seller)
        with django_capture_on_commit_callbacks(execute=True):
            (image,) = upload(seller_client, product, image_upload()).json()
        thumbnail = ProductImage.objects.get(pk=image["id"]).thumbnail.name
        assert thumbnail

        make_product_thumbnail.delay(image["id"])  # a redelivery: the thumbnail stays the one made
        assert ProductImage.objects.get(pk=image["id"]).thumbnail.name == thumbnail
        make_product_thumbnail.delay(987654)  # an image deleted meanwhile: nothing to do, no error


def png_canvas(side: int) -> SimpleUploadedFile:
    """A few kilobytes of PNG that describe side x side pixels: cheap to send, costly to decode."""
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), (240, 240, 240)).save(buffer, "PNG", optimize=True)
    return SimpleUploadedFile("canvas.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def decodes(monkeypatch):
    """Every image decode of the test, as whether a transaction was open at that moment."""
    seen = []
    load = ImageFile.ImageFile.load

    def watched_load(image):
        seen.append(connection.in_atomic_block)
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", watched_load)
    return seen


class TestUploadCost:
    def test_a_small_file_with_a_huge_canvas_is_refused_from_its_header(self, seller_client, seller, decodes):
        product = ProductFactory(seller=seller)
        canvas = png_canvas(4500)  # 20 Mpx in about 60 KB
        assert canvas.size < 100_000

        response = upload(seller_client, product, canvas)

        assert response.status_code == 400
        assert response.json()["code"] == "image_too_large"
        assert response.json()["details"]["max_pixels"] == 16_000_000
        assert decodes == []

    def test_a_request_has_a_pixel_budget_checked_before_any_decoding(self, seller_client, seller, settings, decodes):
        settings.PRODUCT_IMAGES_REQUEST_MAX_PIXELS = 100 * 100
        product = ProductFactory(seller=seller)

        response = upload(seller_client, product, image_upload(size=(80, 80)), image_upload(size=(80, 80)))

        assert response.status_code == 400
        assert response.json() == {
            "error": "These images have more than 10000 pixels together: send fewer at a time.",
            "code": "images_too_large", "details": {"max_total_pixels": 10_000, "total_pixels": 12_800},
        }
        assert decodes == []
        assert not ProductImage.objects.exists()

    def test_a_big_jpeg_is_decoded_reduced(self, seller_client, seller, settings, monkeypatch):
        settings.PRODUCT_IMAGE_MAX_DIMENSION = 100
        product = ProductFactory(seller=seller)
        decoded_sizes = []
        load = ImageFile.ImageFile.load

        def watched_load(image):
            decoded_sizes.append(image.size)  # after draft(): the size the decoder produces
            return load(image)

        monkeypatch.setattr(ImageFile.ImageFile, "load", watched_load)

        response = upload(seller_client, product, image_upload(size=(1600, 1200)))

        assert response.status_code == 201
        assert (response.json()[0]["width"], response.json()[0]["height"]) == (100, 75)
        assert decoded_sizes[0] == (200, 150)  # 1/8 scale: the 1.9 million pixels are never decoded
        assert max(width * height for width, height in decoded_sizes) == 200 * 150


@pytest.mark.django_db(transaction=True)
class TestNoTransactionWhileDecoding:
    """Decoding takes long; on SQLite an open transaction holds the whole database's write lock."""

    def test_upload_images(self, seller_client, seller, decodes):
        product = ProductFactory(seller=seller)

        response = upload(seller_client, product, image_upload(), image_upload("b.png", image_format="PNG"))

        assert response.status_code == 201
        assert decodes and not any(decodes)  # the thumbnail task decodes again, after the commit

    def test_create_with_images(self, seller_client, decodes):
        response = seller_client.post("/api/products/", {"name": "Stole", "price": "10.00", "images": [image_upload()]},
                                      format="multipart")

        assert response.status_code == 201
        assert len(response.json()["images"]) == 1
        assert decodes and not any(decodes)


class TestUploadLimits:
    def test_daily_quota_of_images_per_seller(self, seller_client, seller, settings, monkeypatch):
        settings.PRODUCT_IMAGES_DAILY_QUOTA = 3
        product = ProductFactory(seller=seller)
        assert upload(seller_client, product, image_upload(), image_upload()).status_code == 201

        refused = upload(seller_client, product, image_upload(), image_upload())

        assert refused.status_code == 429
        body = refused.json()
        assert (body["code"], body["details"]["quota"], body["details"]["used"]) == ("quota_exceeded", 3, 2)
        assert 0 < int(refused["Retry-After"]) <= 24 * 3600
        assert product.images.count() == 2

        first = product.images.first()
        assert upload(seller_client, product, image_upload()).status_code == 201  # the last one left
        seller_client.delete(f"/api/products/{product.pk}/images/{first.pk}/")
        assert upload(seller_client, product, image_upload()).status_code == 429  # deleting gives none back

        tomorrow = timezone.now() + timedelta(days=1)
        monkeypatch.setattr(timezone, "now", lambda: tomorrow)
        assert upload(seller_client, product, image_upload()).status_code == 201

    def test_the_daily_quota_survives_the_cache_forgetting(self, seller_client, seller, settings):
        """A cache drops entries when it is full (the embedded default's holds 10,000, shared with
        the public listings) or restarts: the day's count must not go with them."""
        settings.PRODUCT_IMAGES_DAILY_QUOTA = 2
        product = ProductFactory(seller=seller)
        assert upload(seller_client, product, image_upload(), image_upload()).status_code == 201
        assert upload(seller_client, product, image_upload()).status_code == 429

        clear_cache()

        refused = upload(seller_client, product, image_upload())
        assert refused.status_code == 429
        assert refused.json()["details"]["used"] == 2

    def test_quota_is_per_seller(self, seller_client, seller, settings):
        settings.PRODUCT_IMAGES_DAILY_QUOTA = 1
        mine, theirs = ProductFactory(seller=seller), ProductFactory()
        assert upload(seller_client, mine, image_upload()).status_code == 201

        assert upload(authenticated_client(theirs.seller), theirs, image_upload()).status_code == 201
        assert upload(seller_client, mine, image_upload()).status_code == 429

    def test_creating_with_images_counts_against_the_quota(self, seller_client, settings):
        settings.PRODUCT_IMAGES_DAILY_QUOTA = 1
        body = {"name": "Stole", "price": "10.00", "images": [image_upload(), image_upload()]}

        response = seller_client.post("/api/products/", body, format="multipart")

        assert response.status_code == 429
        assert response.json()["code"] == "quota_exceeded"
        assert not Product.objects.exists()

    def test_uploads_are_rate_limited_per_seller(self, seller_client, seller, throttle_rates):
        throttle_rates(upload="2/minute")
        product = ProductFactory(seller=seller)
        assert upload(seller_client, product, image_upload()).status_code == 201
        assert upload(seller_client, product, image_upload(), path="upload-images/").status_code == 201

        refused = upload(seller_client, product, image_upload())

        assert refused.status_code == 429
        assert refused.json()["code"] == "throttled"
        assert "Retry-After" in refused
        # Requests without files are not uploads.
        plain = seller_client.post("/api/products/", {"name": "Plain", "price": "5.00"}, format="json")
        assert plain.status_code == 201
        assert seller_client.patch(f"/api/products/{product.pk}/", {"name": "Renamed"}).status_code == 200
        # ...but a creation that carries images is.
        with_images = seller_client.post("/api/products/", {"name": "Stole", "price": "10.00",
                                                            "images": [image_upload()]}, format="multipart")
        assert with_images.status_code == 429
        theirs = ProductFactory()
        assert upload(authenticated_client(theirs.seller), theirs, image_upload()).status_code == 201  # per seller


PHOTO_PIXELS = 64 * 48  # image_upload()'s


def later(monkeypatch, **delta):
    moment = timezone.now() + timedelta(**delta)
    monkeypatch.setattr(timezone, "now", lambda: moment)


class TestDecodingBudgets:
    """Pixels cost CPU to decode: each account, and each client address, has a budget of them per
    minute and per hour, paid from the headers before anything is decoded."""

    @pytest.fixture(autouse=True)
    def _clock(self, monkeypatch):
        """Half a minute into an hour: no test's requests fall into two periods."""
        moment = timezone.now().replace(minute=0, second=30, microsecond=0)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    def test_a_new_unverified_account_has_a_small_hourly_budget(self, seller_client, seller, settings, decodes,
                                                                monkeypatch):
        settings.UPLOAD_PIXELS_PER_HOUR_UNVERIFIED = 3 * PHOTO_PIXELS
        product = ProductFactory(seller=seller)
        assert upload(seller_client, product, image_upload(), image_upload()).status_code == 201
        decodes.clear()

        refused = upload(seller_client, product, image_upload(), image_upload())

        assert refused.status_code == 429
        assert refused.json() == {
            "error": "You have uploaded this hour's share of image pixels; confirm your email address to upload more.",
            "code": "throttled",
            "details": {"kind": "upload_pixels", "period_seconds": 3600, "quota": 3 * PHOTO_PIXELS,
                        "used": 2 * PHOTO_PIXELS, "requested": 2 * PHOTO_PIXELS,
                        "retry_after": int(refused["Retry-After"])},
        }
        assert 0 < int(refused["Retry-After"]) <= 3600
        assert decodes == []  # refused from the headers
        assert product.images.count() == 2
        # Nothing was counted for the refused request: the last image of the hour still fits.
        assert upload(seller_client, product, image_upload()).status_code == 201
        assert upload(seller_client, product, image_upload()).status_code == 429

        later(monkeypatch, hours=1)
        assert upload(seller_client, product, image_upload()).status_code == 201

    def test_a_verified_account_has_the_larger_budget(self, seller_client, seller, settings):
        settings.UPLOAD_PIXELS_PER_HOUR_UNVERIFIED = PHOTO_PIXELS
        settings.UPLOAD_PIXELS_PER_HOUR = 4 * PHOTO_PIXELS
        seller.is_verified = True
        seller.save(update_fields=["is_verified"])
        product = ProductFactory(seller=seller)

        assert upload(seller_client, product, image_upload(), image_upload(), image_upload()).status_code == 201
        refused = upload(seller_client, product, image_upload(), image_upload())

        assert refused.status_code == 429
        assert refused.json()["error"] == "You have uploaded this hour's share of image pixels; try again later."
        assert refused.json()["details"]["quota"] == 4 * PHOTO_PIXELS

    def test_a_minute_budget_bounds_bursts(self, seller_client, seller, settings, monkeypatch):
        settings.UPLOAD_PIXELS_PER_MINUTE = 2 * PHOTO_PIXELS
        product = ProductFactory(seller=seller)
        assert upload(seller_client, product, image_upload(), image_upload()).status_code == 201

        refused = upload(seller_client, product, image_upload())

        assert refused.status_code == 429
        details = refused.json()["details"]
        assert (details["kind"], details["period_seconds"]) == ("upload_pixels", 60)
        assert 0 < int(refused["Retry-After"]) <= 60
        later(monkeypatch, minutes=1)
        assert upload(seller_client, product, image_upload()).status_code == 201

    def test_many_accounts_from_one_address_share_its_budget(self, settings, decodes):
        settings.UPLOAD_PIXELS_PER_HOUR_PER_IP = 3 * PHOTO_PIXELS
        products = [ProductFactory() for _ in range(4)]
        clients = [authenticated_client(product.seller) for product in products]
        for client, product in zip(clients[:3], products[:3], strict=True):
            assert upload(client, product, image_upload(), address="203.0.113.7").status_code == 201
        decodes.clear()

        refused = upload(clients[3], products[3], image_upload(), address="203.0.113.7")

        assert refused.status_code == 429
        assert refused.json()["code"] == "throttled"
        details = refused.json()["details"]
        assert (details["kind"], details["period_seconds"]) == ("upload_pixels_address", 3600)
        assert refused.json()["error"] == "Too many image pixels were uploaded from your network; try again later."
        assert decodes == []
        assert upload(clients[3], products[3], image_upload(), address="198.51.100.4").status_code == 201

    def test_a_refusal_for_the_address_counts_nothing_for_the_account(self, settings):
        settings.UPLOAD_PIXELS_PER_MINUTE_PER_IP = 2 * PHOTO_PIXELS
        settings.UPLOAD_PIXELS_PER_MINUTE = 2 * PHOTO_PIXELS
        mine, theirs = ProductFactory(), ProductFactory()
        mine_client = authenticated_client(mine.seller)
        assert upload(authenticated_client(theirs.seller), theirs, image_upload(), image_upload(),
                      address="203.0.113.7").status_code == 201

        assert upload(mine_client, mine, image_upload(), address="203.0.113.7").status_code == 429
        # The account's minute still holds two images' pixels.
        assert upload(mine_client, mine, image_upload(), image_upload(), address="198.51.100.4").status_code == 201

    def test_uploads_are_rate_limited_per_address_whatever_the_account(self, throttle_rates):
        throttle_rates(upload_ip="2/minute")
        products = [ProductFactory() for _ in range(3)]
        clients = [authenticated_client(product.seller) for product in products]
        assert upload(clients[0], products[0], image_upload(), address="203.0.113.7").status_code == 201
        assert upload(clients[1], products[1], image_upload(), address="203.0.113.7").status_code == 201

        refused = upload(clients[2], products[2], image_upload(), address="203.0.113.7")

        assert refused.status_code == 429
        assert refused.json()["code"] == "throttled"
        assert "Retry-After" in refused
        assert upload(clients[2], products[2], image_upload(), address="198.51.100.4").status_code == 201

    def test_ten_phone_photos_at_once_pass_for_a_new_account(self, seller_client, seller, monkeypatch):
        """The defaults let a new seller send ten 12 MP photos for a product, and another ten for
        the next one in the same minute (decoding is stubbed: this is about the budgets)."""
        buffer = io.BytesIO()
        Image.new("RGB", (4000, 3000), (120, 90, 60)).save(buffer, "JPEG")
        photo = buffer.getvalue()
        small = CleanImage(ContentFile(image_upload().read()), "jpg", 64, 48)
        monkeypatch.setattr("products.services.clean_image_upload", lambda upload, **limits: small)
        assert not seller.is_verified

        for product in ProductFactory.create_batch(2, seller=seller):
            photos = [SimpleUploadedFile(f"IMG_{n}.jpg", photo, content_type="image/jpeg") for n in range(10)]
            response = upload(seller_client, product, *photos)

            assert response.status_code == 201, response.json()
            assert product.images.count() == 10


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
