"""Posts at rest: one target per account, unique attribution codes, history kept with the
account, and the operators' read-only view of posts with their targets inline."""

import re
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError
from django.db.models import RestrictedError

from social.models import PostImage, PostStatus, PostTarget, SocialPost
from tests.social.factories import PostTargetFactory

pytestmark = pytest.mark.django_db


def test_a_post_goes_to_an_account_once():
    target = PostTargetFactory()

    with pytest.raises(IntegrityError):
        PostTarget.objects.create(post=target.post, account=target.account, platform=target.platform)


def test_each_target_gets_its_own_short_code():
    codes = {PostTargetFactory().code for _ in range(20)}

    assert len(codes) == 20
    assert all(len(code) == 10 and code.isalnum() for code in codes)


def test_an_account_with_posts_keeps_them_and_deleting_the_seller_deletes_both():
    target = PostTargetFactory(status=PostStatus.PUBLISHED)

    with pytest.raises(RestrictedError):
        target.account.delete()
    target.post.seller.delete()

    assert SocialPost.objects.count() == PostTarget.objects.count() == 0


def test_the_admin_shows_posts_with_their_targets_read_only(operator_client):
    target = PostTargetFactory(platform_post_id="1015_777", status=PostStatus.PUBLISHED,
                               removed_at=datetime(2026, 12, 6, 9, 30, tzinfo=UTC))

    listing = operator_client.get("/admin/social/socialpost/", {"targets__status": "published"})
    searched = operator_client.get("/admin/social/socialpost/", {"q": target.code})
    detail = operator_client.get(f"/admin/social/socialpost/{target.post_id}/change/")

    assert listing.status_code == searched.status_code == detail.status_code == 200
    assert "Fresh kente scarves" in listing.content.decode() and "Fresh kente" in searched.content.decode()
    assert "1015_777" in detail.content.decode() and target.code in detail.content.decode()
    assert 'name="content"' not in detail.content.decode()
    assert "Removed at" in detail.content.decode() and "Dec. 6, 2026, 9:30 a.m." in detail.content.decode()
    assert not re.search(r'name="[^"]*removed_at"', detail.content.decode())  # shown, not editable
    assert operator_client.get("/admin/social/socialpost/add/").status_code == 403


def test_the_admin_lists_uploaded_post_images_read_only(operator_client, seller):
    image = PostImage.objects.create(seller=seller, image=f"social/{seller.pk}/a.jpg", width=40, height=30)

    listing = operator_client.get("/admin/social/postimage/")
    detail = operator_client.get(f"/admin/social/postimage/{image.pk}/change/")

    assert listing.status_code == detail.status_code == 200
    assert f"social/{seller.pk}/a.jpg" in detail.content.decode()
    assert operator_client.get("/admin/social/postimage/add/").status_code == 403
