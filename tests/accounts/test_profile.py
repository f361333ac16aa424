import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.models import User
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.images import exif_with, image_upload

pytestmark = pytest.mark.django_db

ME = "/api/auth/user/me/"
PROFILE = "/api/auth/profile/"
AVATAR = "/api/auth/avatar/"
ONBOARDING = "/api/auth/onboarding/"


class TestReadProfile:
    def test_me_has_the_documented_fields(self, seller_client, seller):
        body = seller_client.get(ME).json()

        for field in ("id", "email", "first_name", "last_name", "phone", "is_verified", "onboarding_completed",
                      "ai_description_enabled", "ai_hashtags_enabled", "ai_replies_enabled"):
            assert field in body
        assert body["id"] == seller.id
        assert body["currency"] == "GHS"
        assert body["theme"] == "system"
        assert body["dark_mode"] is False

    def test_profile_get_is_the_same_as_me(self, seller_client):
        assert seller_client.get(PROFILE).json() == seller_client.get(ME).json()

    def test_sellers_get_metrics_buyers_do_not(self, seller_client, buyer_client):
        metrics = seller_client.get(PROFILE).json()["metrics"]

        assert 0 <= metrics["profile_completion"] <= 100
        assert metrics["days_on_sellflow"] == 0
        assert buyer_client.get(PROFILE).json()["metrics"] is None


class TestUpdateProfile:
    def test_put_with_the_documented_body(self, seller_client, seller):
        body = {
            "first_name": "John",
            "last_name": "Doe",
            "bio": "Seller of premium electronics",
            "company_name": "TechGear Hub",
            "business_type": "business",
            "country": "Ghana",
            "city": "Accra",
            "currency": "GHS",
            "dark_mode": True,
        }

        response = seller_client.put(PROFILE, body, format="json")

        assert response.status_code == 200
        data = response.json()
        assert data["company_name"] == "TechGear Hub"
        assert data["business_type"] == "business"
        assert data["dark_mode"] is True
        assert data["theme"] == "dark"
        seller.refresh_from_db()
        assert seller.theme == "dark"
        assert seller.bio == "Seller of premium electronics"

    def test_patch_changes_only_what_is_sent(self, seller_client, seller):
        response = seller_client.patch(PROFILE, {"city": "Kumasi", "ai_replies_enabled": False}, format="json")

        assert response.status_code == 200
        seller.refresh_from_db()
        assert seller.city == "Kumasi"
        assert seller.ai_replies_enabled is False
        assert seller.country == "Ghana"

    def test_dark_mode_false_means_light(self, seller_client):
        assert seller_client.patch(PROFILE, {"dark_mode": False}, format="json").json()["theme"] == "light"

    @pytest.mark.parametrize(
        "body, field",
        [
            ({"currency": "XYZ"}, "currency"),
            ({"currency": "GHANA"}, "currency"),
            ({"timezone": "Mars/Olympus"}, "timezone"),
            ({"theme": "neon"}, "theme"),
            ({"whatsapp_number": "call me"}, "whatsapp_number"),
            ({"business_type": "empire"}, "business_type"),
            ({"dark_mode": "maybe"}, "dark_mode"),
        ],
    )
    def test_invalid_values_are_refused_and_nothing_changes(self, seller_client, seller, body, field):
        response = seller_client.patch(PROFILE, {"city": "Tamale", **body}, format="json")

        assert response.status_code == 400
        assert field in response.json()["details"]
        seller.refresh_from_db()
        assert seller.city == "Accra"

    def test_lower_case_currency_is_accepted(self, seller_client):
        assert seller_client.patch(PROFILE, {"currency": "ngn"}, format="json").json()["currency"] == "NGN"

    def test_email_cannot_be_changed_here(self, seller_client, seller):
        seller_client.patch(PROFILE, {"email": "new@example.com"}, format="json")

        seller.refresh_from_db()
        assert seller.email != "new@example.com"

    def test_buyer_can_become_a_seller_but_not_back(self, buyer_client, buyer):
        assert buyer_client.patch(PROFILE, {"account_type": "seller"}, format="json").json()["account_type"] == "seller"

        response = buyer_client.patch(PROFILE, {"account_type": "buyer"}, format="json")

        assert response.status_code == 400
        assert "account_type" in response.json()["details"]

    def test_needs_authentication(self, api_client):
        assert api_client.patch(PROFILE, {"city": "x"}, format="json").status_code == 401


class TestAvatar:
    def test_upload_strips_metadata_applies_orientation_and_resizes(self, seller_client, seller, settings):
        settings.AVATAR_SIZE = 32
        # 6 = "rotate 90° clockwise to display": a 64x48 sensor image shows as 48x64.
        upload = image_upload(size=(64, 48), exif=exif_with(orientation=6, gps=True, camera="Phone X"))

        response = seller_client.post(AVATAR, {"avatar": upload}, format="multipart")

        assert response.status_code == 200
        assert response.json()["avatar"].startswith("http://testserver/media/avatars/")
        seller.refresh_from_db()
        with Image.open(seller.avatar.path) as stored:
            assert stored.format == "JPEG"
            assert stored.size == (24, 32)
            assert not stored.getexif()

    def test_png_stays_png(self, seller_client, seller):
        response = seller_client.post(AVATAR, {"avatar": image_upload("a.png", image_format="PNG")}, format="multipart")

        assert response.status_code == 200
        seller.refresh_from_db()
        assert seller.avatar.name.endswith(".png")

    def test_replacing_deletes_the_old_file(self, seller_client, seller, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            seller_client.post(AVATAR, {"avatar": image_upload()}, format="multipart")
        seller.refresh_from_db()
        old = seller.avatar.path

        with django_capture_on_commit_callbacks(execute=True):
            seller_client.post(AVATAR, {"avatar": image_upload()}, format="multipart")

        seller.refresh_from_db()
        assert seller.avatar.path != old
        assert not os.path.exists(old)

    def test_not_an_image(self, seller_client, seller):
        fake = SimpleUploadedFile("evil.jpg", b"#!/bin/sh\necho hi\n", content_type="image/jpeg")

        response = seller_client.post(AVATAR, {"avatar": fake}, format="multipart")

        assert response.status_code == 400
        assert response.json()["code"] == "invalid_image"
        seller.refresh_from_db()
        assert not seller.avatar

    def test_gif_is_not_an_allowed_format(self, seller_client):
        response = seller_client.post(AVATAR, {"avatar": image_upload("a.gif", image_format="GIF")}, format="multipart")

        assert response.status_code == 400
        assert response.json()["code"] == "invalid_image"

    def test_too_many_bytes_is_413(self, seller_client, settings):
        settings.AVATAR_MAX_BYTES = 100

        response = seller_client.post(AVATAR, {"avatar": image_upload(size=(200, 200))}, format="multipart")

        assert response.status_code == 413
        assert response.json()["code"] == "too_large"

    def test_decompression_bomb_is_refused_before_decoding(self, seller_client, settings):
        settings.AVATAR_MAX_PIXELS = 10_000
        # A tiny file that claims a huge canvas.
        buffer = io.BytesIO()
        Image.new("1", (4000, 4000)).save(buffer, "PNG")
        bomb = SimpleUploadedFile("bomb.png", buffer.getvalue(), content_type="image/png")

        response = seller_client.post(AVATAR, {"avatar": bomb}, format="multipart")

        assert response.status_code == 400
        assert response.json()["code"] == "image_too_large"

    def test_default_pixel_limit_refuses_a_huge_canvas(self, seller_client):
        buffer = io.BytesIO()
        Image.new("RGB", (4500, 4500)).save(buffer, "PNG")  # 20 Mpx in a few kilobytes

        response = seller_client.post(AVATAR, {"avatar": SimpleUploadedFile("big.png", buffer.getvalue())},
                                      format="multipart")

        assert response.status_code == 400
        assert response.json()["details"]["max_pixels"] == 16_000_000

    def test_uploads_are_rate_limited(self, seller_client, seller, throttle_rates):
        throttle_rates(upload="1/minute")
        assert seller_client.post(AVATAR, {"avatar": image_upload()}, format="multipart").status_code == 200

        refused = seller_client.post(AVATAR, {"avatar": image_upload()}, format="multipart")

        assert refused.status_code == 429
        assert refused.json()["code"] == "throttled"
        assert seller_client.delete(AVATAR).status_code == 200  # removing carries no file

    def test_avatars_are_paid_from_the_same_budget_of_pixels(self, seller_client, seller, settings, monkeypatch):
        settings.UPLOAD_PIXELS_PER_HOUR_UNVERIFIED = 64 * 48
        moment = timezone.now().replace(minute=30)  # both requests in one hour
        monkeypatch.setattr(timezone, "now", lambda: moment)
        assert seller_client.post(AVATAR, {"avatar": image_upload()}, format="multipart").status_code == 200
        decoded = []
        monkeypatch.setattr("accounts.services.clean_image_upload", lambda *args, **kwargs: decoded.append(args))

        refused = seller_client.post(AVATAR, {"avatar": image_upload()}, format="multipart")

        assert refused.status_code == 429
        body = refused.json()
        assert (body["code"], body["details"]["kind"], body["details"]["period_seconds"]) == ("throttled",
                                                                                              "upload_pixels", 3600)
        assert body["details"]["used"] == 64 * 48
        assert int(refused["Retry-After"]) <= 3600
        assert decoded == []  # refused before decoding

    def test_missing_file(self, seller_client):
        response = seller_client.post(AVATAR, {}, format="multipart")

        assert response.status_code == 400
        assert "avatar" in response.json()["details"]

    def test_json_is_unsupported_media_type(self, seller_client):
        assert seller_client.post(AVATAR, {"avatar": "x"}, format="json").status_code == 415

    def test_delete_removes_the_picture(self, seller_client, seller):
        seller_client.post(AVATAR, {"avatar": image_upload()}, format="multipart")

        response = seller_client.delete(AVATAR)

        assert response.status_code == 200
        assert response.json()["avatar"] is None
        assert not User.objects.get(pk=seller.pk).avatar


class TestOnboarding:
    def test_moves_through_steps_and_completes(self, seller_client, seller):
        assert seller_client.patch(ONBOARDING, {"onboarding_step": 2}, format="json").json()["onboarding_step"] == 2

        response = seller_client.patch(ONBOARDING, {"onboarding_completed": True}, format="json")

        assert response.status_code == 200
        assert response.json()["onboarding_completed"] is True
        assert response.json()["onboarding_step"] == 5

    @pytest.mark.parametrize("body", [{"onboarding_step": 6}, {"onboarding_step": -1}, {"onboarding_step": "two"}, {}])
    def test_invalid_steps(self, seller_client, body):
        response = seller_client.patch(ONBOARDING, body, format="json")

        assert response.status_code == 400
        assert response.json()["code"] == "invalid"

    def test_only_patch(self, seller_client):
        assert seller_client.post(ONBOARDING, {"onboarding_step": 1}, format="json").status_code == 405


def test_another_users_token_reaches_only_their_own_profile():
    owner, other = UserFactory(city="Accra"), UserFactory(city="Tema")

    authenticated_client(other).patch(PROFILE, {"city": "Ho"}, format="json")

    owner.refresh_from_db()
    assert owner.city == "Accra"


@pytest.mark.django_db(transaction=True)
def test_the_avatar_is_decoded_before_any_transaction_opens(seller_client, seller, monkeypatch):
    from django.db import connection
    from PIL import ImageFile

    decodes = []
    load = ImageFile.ImageFile.load

    def watched_load(image):
        decodes.append(connection.in_atomic_block)
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", watched_load)

    response = seller_client.post(AVATAR, {"avatar": image_upload()}, format="multipart")

    assert response.status_code == 200
    assert decodes and not any(decodes)
    seller.refresh_from_db()
    assert seller.avatar.name.startswith(f"avatars/{seller.pk}/")
