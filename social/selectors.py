from django.db.models import Prefetch, QuerySet

from accounts.models import User
from social.models import PostMedia, PostStatus, PostTarget, SocialAccount, SocialPost


def seller_accounts(seller: User):
    """The seller's connected accounts (revoked ones too: their posts keep their history)."""
    return SocialAccount.objects.filter(seller=seller).order_by("platform", "pk")


def seller_posts(seller: User) -> QuerySet[SocialPost]:
    """The seller's posts with their targets (and accounts) and media: what a post's body shows."""
    return SocialPost.objects.filter(seller=seller).order_by("-created_at", "-pk").prefetch_related(
        Prefetch("targets", PostTarget.objects.select_related("account").order_by("pk")),
        Prefetch("media", PostMedia.objects.select_related("product_image", "upload").order_by("position", "pk")))


def seller_scheduled_targets(seller: User) -> QuerySet[PostTarget]:
    """The seller's calendar: targets waiting for their time, soonest first."""
    return (PostTarget.objects.filter(post__seller=seller, status=PostStatus.SCHEDULED)
            .select_related("post", "account").order_by("scheduled_at", "pk"))
