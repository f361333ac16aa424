"""Posts, written: creating a post with one target per account (validated against every
platform's rules before anything is queued), editing it and scheduling it while nothing has
reached a platform, and deleting it: before publishing, or once published only together with its
posts at the platforms (`at_platform`). Publishing is the publishing task's."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from ai.models import ContentType
from ai.rules import POST_LIMITS
from ai.services.content import ContentRequest, content_generate
from products.models import Product, ProductImage
from products.services import product_images_prepare
from sellflow.exceptions import ApplicationError
from sellflow.images import Uploader
from social.errors import (
    AccountNeedsReconnect,
    CannotDeleteAtPlatform,
    NotConnected,
    NothingToSchedule,
    PlatformRefusedDeletion,
    PlatformRefusedLookup,
    PostGone,
    PostLocked,
    PostPublished,
    PostPublishing,
    application_error_for,
)
from social.models import (
    LOCKED_STATUSES,
    AccountStatus,
    PostImage,
    PostMedia,
    PostStatus,
    PostTarget,
    SocialAccount,
    SocialPost,
)
from social.platforms import (
    GoneUnconfirmed,
    NotConfigured,
    NotSupported,
    PermanentError,
    PlatformClient,
    PlatformError,
    TokenExpired,
)
from social.post_rules import platform_problem, post_text, target_link, target_problems
from social.services import account_lost, credentials_of, platform_client

# Targets a schedule or an edit may still change: nothing of them has reached a platform.
OPEN_STATUSES = (PostStatus.DRAFT, PostStatus.SCHEDULED)
TARGETS_REFUSED = "The post breaks the rules of a platform it goes to."


@dataclass
class PostInput:
    """A post as the seller asks for it, its ids already resolved to the seller's own rows."""

    content: str = ""
    hashtags: list[str] = field(default_factory=list)
    product: Product | None = None
    accounts: list[SocialAccount] = field(default_factory=list)
    images: list[ProductImage] = field(default_factory=list)
    uploads: list[PostImage] = field(default_factory=list)
    scheduled_at: datetime | None = None


def generate_copy(*, seller: User, post: PostInput, language: str = "en") -> PostInput:
    """The AI app writes the copy and hashtags (its switches and quota apply), for the strictest
    platform among the targets so the one text fits them all."""
    if post.product is None:
        raise ApplicationError("Choose a product for the AI to write about.", details={
            "product": ["Needed with generate: true."]})
    check_accounts(post.accounts)  # refused before the generation is paid for
    check_platforms(post.accounts)
    check_schedule(post.scheduled_at)
    platform = min((account.platform for account in post.accounts), key=lambda name: POST_LIMITS[name])
    content, _ = content_generate(user=seller, product=post.product, request=ContentRequest(
        content_type=ContentType.SOCIAL_POST, platform=platform, language=language))
    post.content, post.hashtags = content.text, list(content.hashtags)
    return post


def check_accounts(accounts: list[SocialAccount]) -> None:
    inactive = [account for account in accounts if account.status != AccountStatus.ACTIVE]
    if inactive:
        raise ApplicationError("Reconnect these accounts before posting to them.", details={"accounts": [
            f"{account.pk}: {account.get_platform_display()} account is {account.status}." for account in inactive]})


def check_platforms(accounts: list[SocialAccount]) -> None:
    """Accounts on a platform SellFlow posts nothing to (WhatsApp, TikTok): 400, said by
    `check_targets` too; here for a caller that must refuse them before anything else."""
    problems = [problem for platform in sorted({account.platform for account in accounts})
                if (problem := platform_problem(platform))]
    if problems:
        raise ApplicationError(TARGETS_REFUSED, details={"accounts": problems})


def check_targets(*, post: PostInput, codes: dict[int, str]) -> None:
    """Every platform's rules at once, so the seller fixes everything in one go: 400 with the
    reasons by field."""
    text = post_text(post.content, post.hashtags)
    details: dict[str, list[str]] = {}
    for platform in sorted({account.platform for account in post.accounts}):
        code = next(codes[account.pk] for account in post.accounts if account.platform == platform)
        link = target_link(product_id=post.product.pk if post.product else None, platform=platform, code=code)
        for name, problems in target_problems(platform=platform, text=text, link=link,
                                              image_count=len(post.images) + len(post.uploads)).items():
            details.setdefault(name, []).extend(problems)
    if details:
        raise ApplicationError(TARGETS_REFUSED, details=details)


def check_schedule(scheduled_at: datetime | None) -> None:
    if scheduled_at is not None and scheduled_at <= timezone.now():
        raise ApplicationError("A post is scheduled in the future.", details={
            "scheduled_at": ["Choose a time in the future."]})


def post_create(*, seller: User, post: PostInput) -> SocialPost:
    check_accounts(post.accounts)
    check_schedule(post.scheduled_at)
    targets = [PostTarget(account=account, platform=account.platform) for account in post.accounts]
    check_targets(post=post, codes={target.account.pk: target.code for target in targets})
    status = PostStatus.SCHEDULED if post.scheduled_at else PostStatus.DRAFT
    with transaction.atomic():
        social_post = SocialPost.objects.create(seller=seller, product=post.product, content=post.content.strip(),
                                                hashtags=post.hashtags)
        _replace_media(social_post, post.images, post.uploads)
        for target in targets:
            target.post, target.status, target.scheduled_at = social_post, status, post.scheduled_at
        PostTarget.objects.bulk_create(targets)
    return social_post


def _replace_media(social_post: SocialPost, images: list[ProductImage], uploads: list[PostImage]) -> None:
    """The product images first, then the uploaded ones, each in the order given."""
    PostMedia.objects.filter(post=social_post).delete()
    media = [{"product_image": image} for image in images] + [{"upload": upload} for upload in uploads]
    PostMedia.objects.bulk_create([PostMedia(post=social_post, position=position, **source)
                                   for position, source in enumerate(media)])


def _lock_open_post(social_post: SocialPost) -> SocialPost:
    """The post under its row lock, refused (409) once any target is publishing or published."""
    locked = SocialPost.objects.select_for_update().get(pk=social_post.pk)
    if PostTarget.objects.filter(post=locked, status__in=LOCKED_STATUSES).exists():
        raise PostLocked()
    return locked


def post_update(*, social_post: SocialPost, changes: dict) -> SocialPost:
    """The seller's edit (content, hashtags, media, schedule), checked again against every
    target's platform."""
    with transaction.atomic():
        locked = _lock_open_post(social_post)
        targets = list(locked.targets.select_related("account"))
        current = list(locked.media.select_related("product_image", "upload"))
        images = changes.get("images", [media.product_image for media in current if media.product_image])
        uploads = changes.get("uploads", [media.upload for media in current if media.upload])
        post = PostInput(content=changes.get("content", locked.content),
                         hashtags=changes.get("hashtags", locked.hashtags), product=locked.product,
                         accounts=[target.account for target in targets], images=images, uploads=uploads)
        check_targets(post=post, codes={target.account_id: target.code for target in targets})
        locked.content, locked.hashtags = post.content.strip(), post.hashtags
        locked.save(update_fields=["content", "hashtags", "updated_at"])
        if "images" in changes or "uploads" in changes:
            _replace_media(locked, images, uploads)
        if "scheduled_at" in changes:
            _schedule(targets, changes["scheduled_at"])
    return locked


def _schedule(targets: list[PostTarget], scheduled_at: datetime | None) -> int:
    check_schedule(scheduled_at)
    open_ids = [target.pk for target in targets if target.status in OPEN_STATUSES]
    status = PostStatus.SCHEDULED if scheduled_at else PostStatus.DRAFT
    return PostTarget.objects.filter(pk__in=open_ids, status__in=OPEN_STATUSES).update(
        status=status, scheduled_at=scheduled_at, updated_at=timezone.now())


def post_schedule(*, social_post: SocialPost, scheduled_at: datetime, accounts: list[SocialAccount] | None = None
                  ) -> list[PostTarget]:
    """Schedule (or move) the post's draft and scheduled targets, on every account or the ones
    named; published or publishing ones are left alone, and none left to schedule is a 409."""
    with transaction.atomic():
        targets = list(PostTarget.objects.select_for_update().filter(post=social_post).order_by("pk"))
        if accounts is not None:
            wanted = {account.pk for account in accounts}
            missing = wanted - {target.account_id for target in targets}
            if missing:
                raise ApplicationError("The post does not go to these accounts.", details={
                    "accounts": [f"{pk}: not a target of this post." for pk in sorted(missing)]})
            targets = [target for target in targets if target.account_id in wanted]
        if not _schedule(targets, scheduled_at):
            raise NothingToSchedule()
    return [target for target in targets if target.status in OPEN_STATUSES]


# --- deleting, at the platforms too ---------------------------------------------------------------

# Why a platform's API cannot delete what was published, in the seller's words.
UNDELETABLE_REASONS = {
    "instagram": ("Instagram does not let apps delete a published post: delete it in the Instagram app first, "
                  "then delete it here again."),
    "whatsapp": "WhatsApp cannot take a sent message back.",  # sent is sent: there is nothing to look up
}


def post_delete(*, social_post: SocialPost, at_platform: bool = False) -> None:
    """Delete the post. Before publishing, here only; once a target is published, only with
    `at_platform`: each published target is deleted at its platform first, one by one and outside
    any transaction, and the post is deleted here only when all of them are gone there. A failure
    stops at that target, keeps the post, and names the targets already gone at their platform
    (`removed_at_platform`, deleting them again counts as done)."""
    removed = targets_remove_at_platforms(targets_to_remove(social_post)) if at_platform else None
    with transaction.atomic():
        locked = SocialPost.objects.select_for_update().filter(pk=social_post.pk).first()
        if locked is None:
            raise PostGone()  # deleted meanwhile by another request
        # The targets' row locks hold off a publishing task's claim until the rows are gone.
        check_deletable(list(PostTarget.objects.select_for_update().filter(post=locked)), removed=removed)
        locked.delete()


def removal_progress(removed: list[int] | None) -> dict:
    return {} if removed is None else {"removed_at_platform": list(removed)}


def check_deletable(targets: list[PostTarget], *, removed: list[int] | None) -> None:
    """Nothing on its way to a platform, and nothing left live at one: every published target was
    deleted there (`removed`: by this request; None: deletion at the platforms was not asked), or
    is known to be gone (`removed_at`: by an earlier request, or the platform told us)."""
    if any(target.status == PostStatus.PUBLISHING for target in targets):
        raise PostPublishing(details=removal_progress(removed))
    live = [target.pk for target in targets if is_live(target) and target.pk not in (removed or [])]
    if live and removed is None:
        raise PostPublished(details={"published": live})
    if live:
        raise PostPublishing("A target of this post was published meanwhile: delete it again.",
                             details={"published": live, **removal_progress(removed)})


def is_live(target: PostTarget) -> bool:
    return target.status == PostStatus.PUBLISHED and target.removed_at is None


def targets_to_remove(social_post: SocialPost) -> list[tuple[PostTarget, PlatformClient]]:
    """The post's published targets with their platforms' clients, checked before any platform
    is asked to delete: a publishing target, a platform that cannot delete (the whole request is
    refused rather than leave a live post without its record) or an account without access is a
    409. Where such a platform can tell (Instagram), the post is looked up there first: one the
    seller deleted there counts as removed."""
    targets = list(PostTarget.objects.filter(post=social_post).select_related("account").order_by("pk"))
    if any(target.status == PostStatus.PUBLISHING for target in targets):
        raise PostPublishing(details=removal_progress([]))
    published = [target for target in targets if is_live(target)]
    clients = {platform: platform_client(platform) for platform in {target.platform for target in published}}
    gone = targets_found_gone([(target, clients[target.platform]) for target in published])
    published = [target for target in published if target.pk not in gone]
    undeletable = [target for target in published
                   if not (clients[target.platform].can_delete and target.platform_post_id)]
    if undeletable:
        raise CannotDeleteAtPlatform(details={"targets": [
            undeletable_reason(target, clients[target.platform]) for target in undeletable], **removal_progress([])})
    disconnected = [target for target in published if not has_access(target.account)]
    if disconnected:
        raise AccountNeedsReconnect(details={"targets": [
            f"{target.pk}: the {target.get_platform_display()} account is {target.account.status}: reconnect it."
            for target in disconnected], **removal_progress([])})
    return [(target, clients[target.platform]) for target in published]


def has_access(account: SocialAccount) -> bool:
    return account.status == AccountStatus.ACTIVE and bool(account.access_token)


def needs_lookup(target: PostTarget, client: PlatformClient) -> bool:
    """A post the platform cannot delete, but can tell when the seller deleted it there."""
    return (not client.can_delete and client.can_tell_gone and bool(target.platform_post_id)
            and has_access(target.account))


def targets_found_gone(published: list[tuple[PostTarget, PlatformClient]]) -> set[int]:
    """Ask, one by one, whether each post a platform cannot delete is still there; those gone are
    stamped `removed_at` (in one update, kept when a later lookup fails). A failed lookup stops
    here and is answered as a failed deletion is: nothing has been deleted anywhere yet."""
    gone: list[int] = []
    for target, client in published:
        if not needs_lookup(target, client):
            continue
        try:
            if client.is_gone(credentials_of(target.account), target.platform_post_id):
                gone.append(target.pk)
        except PlatformError as error:
            mark_removed(gone)
            raise lookup_failed(target, error) from None
    mark_removed(gone)
    return set(gone)


def lookup_failed(target: PostTarget, error: PlatformError) -> ApplicationError:
    """As a failed deletion (reconnect, try again later), but a refusal to answer leaves the post
    possibly live, so it is said as such."""
    if isinstance(error, PermanentError) and not isinstance(error, NotConfigured | NotSupported):
        return PlatformRefusedLookup(details={"target": target.pk, "platform": target.platform,
                                              "platform_message": str(error), **removal_progress([])})
    return removal_failed(target, error, removed=[])


def undeletable_reason(target: PostTarget, client: PlatformClient) -> str:
    platform = target.get_platform_display()
    reason = UNDELETABLE_REASONS.get(target.platform, f"{platform} cannot delete it from here: delete it there.")
    if client.can_tell_gone and not has_access(target.account):
        reason += f" SellFlow sees that it is gone only once the {platform} account is reconnected."
    return f"{target.pk}: {reason}" + (f" It is at {target.platform_url}" if target.platform_url else "")


def targets_remove_at_platforms(removals: list[tuple[PostTarget, PlatformClient]]) -> list[int]:
    """Delete each target at its platform, in order; the first failure stops here. Returns the
    ids of the targets gone at their platform, stamped `removed_at` (in one update) whether or not
    the request goes on to succeed: the next one does not ask their platform again."""
    removed: list[int] = []
    for target, client in removals:
        try:
            client.delete(credentials_of(target.account), target.platform_post_id)
        except PlatformError as error:
            mark_removed(removed)
            raise removal_failed(target, error, removed=removed) from None
        removed.append(target.pk)
    mark_removed(removed)  # kept if the post's own deletion is refused after all
    return removed


def mark_removed(target_ids: list[int]) -> None:
    if target_ids:
        PostTarget.objects.filter(pk__in=target_ids, removed_at__isnull=True).update(removed_at=timezone.now())


def removal_failed(target: PostTarget, error: PlatformError, *, removed: list[int]) -> ApplicationError:
    """What the seller is told when a platform did not delete a target: what to do next, which
    target and platform, the platform's words, and what is already gone."""
    details = {"target": target.pk, "platform": target.platform, "platform_message": str(error),
               **removal_progress(removed)}
    if isinstance(error, NotSupported):
        return CannotDeleteAtPlatform(details=details)
    if isinstance(error, TokenExpired):
        account_lost(target.account, AccountStatus.EXPIRED, str(error))
        return AccountNeedsReconnect(details=details)
    if isinstance(error, GoneUnconfirmed):  # not refused: the platform would not say whether it is still there
        return PlatformRefusedLookup(details=details)
    if isinstance(error, PermanentError) and not isinstance(error, NotConfigured):
        return PlatformRefusedDeletion(details=details)
    answer = application_error_for(error)  # 502, with Retry-After when limited; 503 when not configured
    answer.details |= details
    return answer


def accounts_for_platform(*, seller: User, platform: str) -> list[SocialAccount]:
    """The document's product post names a platform, not accounts: every active account of it."""
    accounts = list(SocialAccount.objects.filter(seller=seller, platform=platform, status=AccountStatus.ACTIVE))
    if not accounts:
        raise NotConnected(details={"platform": platform})
    return accounts


def post_images_upload(*, seller: User, uploads: list, uploader: Uploader) -> list[PostImage]:
    """Images for posts, checked, paid for (pixels and the daily image count) and cleaned exactly
    as product images are, before any transaction."""
    prepared = product_images_prepare(uploader=uploader, uploads=uploads)
    with transaction.atomic():
        stored = []
        for clean in prepared:
            image = PostImage(seller=seller, width=clean.width, height=clean.height)
            image.image.save(f"image.{clean.extension}", clean.content, save=False)
            image.save()
            stored.append(image)
    return stored
