"""Publishing: each target of a post reaches its platform once. A target is claimed by a
conditional UPDATE before its platform is called, and the platform's id is stored by the same
UPDATE that marks it published; an attempt whose answer was lost (Uncertain, or a worker that died
in `publishing`) is looked up at the platform before anything is sent again. Targets are queued by
the beat (due ones), by the API (publish now, retry) and, with no worker, by reading the posts."""

import logging
import mimetypes
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from sellflow.exceptions import Conflict
from sellflow.transactions import after_commit
from social import notifications
from social.models import AccountStatus, PostStatus, PostTarget, SocialPost
from social.platforms import (
    MediaFile,
    PermanentError,
    PlatformClient,
    PlatformError,
    PostRequest,
    Published,
    TokenExpired,
    TransientError,
    Uncertain,
)
from social.post_rules import post_text, target_link
from social.services import account_lost, credentials_of, platform_client
from social.tasks import publish_target as publish_target_task

logger = logging.getLogger(__name__)

# A lookup covers a little before the attempt began: the platform's clock is not ours.
LOOKUP_SLACK = timedelta(minutes=5)
RETRY_BACKOFF_MAX = timedelta(hours=1)


class NothingToPublish(Conflict):
    code = "invalid_transition"
    message = "None of this post's targets is a draft or scheduled: nothing to publish."


class NothingToRetry(Conflict):
    code = "invalid_transition"
    message = "None of this post's targets failed: nothing to retry."


def max_attempts() -> int:
    return max(settings.SOCIAL_PUBLISH_MAX_ATTEMPTS, 1)


def stale_before(now: datetime) -> datetime:
    """A target `publishing` since before this was left by an attempt that died."""
    return now - timedelta(seconds=settings.SOCIAL_PUBLISH_STALE_SECONDS)


# --- one target ---------------------------------------------------------------------------------

def target_publish(*, target_id: int) -> str:
    """Publish one target, at most once; returns the outcome. A due `scheduled` target is claimed
    and sent; a `publishing` one left stale by a dead attempt is looked up, then sent again only if
    the platform can tell it is not there; anything else is left alone."""
    target = PostTarget.objects.select_related("post__seller", "account").filter(pk=target_id).first()
    if target is None:
        return "gone"
    if target.status == PostStatus.PUBLISHING:
        return target_recover(target)
    if not target_claim(target):
        return "not due" if target.status == PostStatus.SCHEDULED else target.status
    if target.account.status != AccountStatus.ACTIVE:
        return target_fail(target, f"The {target.get_platform_display()} account is {target.account.status}: "
                                   f"reconnect it, then retry.")
    return target_send(target, platform_client(target.platform))


def target_claim(target: PostTarget) -> bool:
    """scheduled (and due) → publishing, one attempt more: of two runs only one wins."""
    now = timezone.now()
    claimed = PostTarget.objects.filter(pk=target.pk, status=PostStatus.SCHEDULED).filter(
        Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=now)).update(
        status=PostStatus.PUBLISHING, attempts=F("attempts") + 1, updated_at=now)
    if claimed:
        target.refresh_from_db(fields=["status", "attempts", "updated_at", "scheduled_at"])
    return bool(claimed)


def target_send(target: PostTarget, client: PlatformClient) -> str:
    try:
        published = client.publish(credentials_of(target.account), post_request(target))
    except Uncertain as error:
        outcome = target_look_up(target, client, reason=str(error))
        # Not there yet is no proof it will not appear: looked up again once the attempt is stale.
        return "uncertain" if outcome == "not found" else outcome
    except TransientError as error:
        return target_retry_later(target, str(error), wait=getattr(error, "retry_after", 0.0))
    except TokenExpired as error:
        return target_token_lost(target, error)
    except PlatformError as error:  # PermanentError and whatever else the platform refuses for good
        return target_fail(target, str(error))
    return target_mark_published(target, published)


def target_recover(target: PostTarget) -> str:
    """A target found `publishing`: another run's (left alone) unless stale, then taken over by a
    conditional UPDATE of its timestamp and looked up at the platform before any new send."""
    began = target.updated_at
    now = timezone.now()
    if began >= stale_before(now):
        return "in progress"
    taken = PostTarget.objects.filter(pk=target.pk, status=PostStatus.PUBLISHING, updated_at=began).update(
        attempts=F("attempts") + 1, updated_at=now)
    if not taken:
        return "in progress"
    target.refresh_from_db(fields=["status", "attempts", "updated_at"])
    client = platform_client(target.platform)
    outcome = target_look_up(target, client, reason="An earlier attempt stopped without an answer.")
    if outcome == "uncertain" and target.attempts > max_attempts():
        return target_fail(target, f"{target.get_platform_display()} could not be asked whether it arrived after "
                                   f"{max_attempts()} attempts: check, then retry if it is missing.")
    if outcome != "not found":
        return outcome
    if target.attempts > max_attempts():
        return target_fail(target, f"Not published after {max_attempts()} attempts.")
    if target.account.status != AccountStatus.ACTIVE:
        return target_fail(target, f"The {target.get_platform_display()} account is {target.account.status}: "
                                   f"reconnect it, then retry.")
    return target_send(target, client)


def target_look_up(target: PostTarget, client: PlatformClient, *, reason: str) -> str:
    """After an attempt that may have published: found → published; a platform that cannot tell
    fails the target rather than risk a duplicate. No answer to the lookup leaves it `publishing`:
    it is looked up again once stale. Returns "not found" for the caller to decide."""
    if not client.can_find_published:
        return target_fail(target, f"{reason} {target.get_platform_display()} offers no way to check whether it "
                                   f"arrived, so it is not sent again (it could arrive twice): check, then retry "
                                   f"if it is missing.")
    if target.post.product_id is None:
        # The code travels in the product's link: a post without one cannot be told apart.
        return target_fail(target, f"{reason} A post without a product link cannot be found again at "
                                   f"{target.get_platform_display()}, so it is not sent again (it could arrive "
                                   f"twice): check, then retry if it is missing.")
    try:
        # From the post's creation, which no attempt moves: nothing of it can be older.
        found = client.find_published(credentials_of(target.account), marker=target.code,
                                      since=target.post.created_at - LOOKUP_SLACK)
    except TokenExpired as error:
        return target_token_lost(target, error)
    except TransientError as error:  # asked again once the attempt is stale, up to the attempts cap
        logger.warning("social publish lookup failed: target=%s error=%s", target.pk, error)
        return "uncertain"
    except PlatformError as error:  # the platform will not tell (permission, plan): never resent blindly
        return target_fail(target, f"{reason} {target.get_platform_display()} refused to say whether it arrived "
                                   f"({error}), so it is not sent again: check, then retry if it is missing.")
    if found is not None:
        return target_mark_published(target, found)
    return "not found"


def this_attempt(target: PostTarget) -> QuerySet[PostTarget]:
    """The target while this run still holds it: `publishing` at the attempt it claimed or took
    over. A takeover counts one attempt more, so a slow run's late answer changes nothing."""
    return PostTarget.objects.filter(pk=target.pk, status=PostStatus.PUBLISHING, attempts=target.attempts)


def target_mark_published(target: PostTarget, published: Published) -> str:
    now = timezone.now()
    # One UPDATE records the platform's id and the status together.
    updated = this_attempt(target).update(
        status=PostStatus.PUBLISHED, platform_post_id=published.platform_post_id[:200],
        platform_url=published.url[:1000], published_at=now, last_error="", updated_at=now)
    if not updated:
        return "already done"
    target.refresh_from_db()
    tell_seller(notifications.post_published, target)
    return "published"


def target_fail(target: PostTarget, reason: str) -> str:
    updated = this_attempt(target).update(status=PostStatus.FAILED, last_error=reason[:500],
                                          updated_at=timezone.now())
    if not updated:
        return "already done"
    target.refresh_from_db()
    tell_seller(notifications.post_failed, target)
    return "failed"


def tell_seller(notify, target: PostTarget) -> None:
    """After the target's state is written: a notification that fails loses itself, never the state."""
    try:
        notify(target)
    except Exception:
        logger.exception("social publish notification failed: target=%s", target.pk)


def target_token_lost(target: PostTarget, error: TokenExpired) -> str:
    account_lost(target.account, AccountStatus.EXPIRED, str(error))
    return target_fail(target, f"The {target.get_platform_display()} account's access has expired: reconnect it, "
                               f"then retry. ({error})")


def target_retry_later(target: PostTarget, reason: str, *, wait: float = 0.0) -> str:
    """Nothing was published: back to `scheduled` after a backoff (at least the platform's
    Retry-After), or failed for good once the attempts are spent."""
    if target.attempts >= max_attempts():
        return target_fail(target, f"{reason} (gave up after {target.attempts} attempts)")
    backoff = timedelta(seconds=settings.SOCIAL_PUBLISH_RETRY_SECONDS * 2 ** (target.attempts - 1))
    delay = min(max(backoff, timedelta(seconds=wait)), max(RETRY_BACKOFF_MAX, timedelta(seconds=wait)))
    now = timezone.now()
    updated = this_attempt(target).update(
        status=PostStatus.SCHEDULED, scheduled_at=now + delay, last_error=reason[:500], updated_at=now)
    return "retry" if updated else "already done"


# Platforms that take images as uploaded bytes rather than public URLs.
BYTES_PLATFORMS = frozenset({"twitter"})


def post_request(target: PostTarget) -> PostRequest:
    """What the platform is sent: the post's text with its hashtags, the product's link carrying
    the target's code (how a lost attempt is found again), and its images, as public URLs or, for
    a platform that takes only uploads (X), as bytes."""
    post = target.post
    text = post_text(post.content, post.hashtags)
    link = target_link(product_id=post.product_id, platform=target.platform, code=target.code)
    files = [file for file in (media_file(media) for media in post.media.select_related("product_image", "upload"))
             if file]
    if target.platform in BYTES_PLATFORMS:
        return PostRequest(text=text, link=link, images=tuple(read_image(file) for file in files))
    return PostRequest(text=text, link=link, image_urls=tuple(absolute_url(file.url) for file in files))


def media_file(media):
    if media.product_image:
        return media.product_image.image
    return media.upload.image if media.upload else None


def absolute_url(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else f"{settings.API_PUBLIC_URL}{url}"


def read_image(file) -> MediaFile:
    try:
        with file.open("rb") as opened:
            content = opened.read()
    except OSError:
        raise PermanentError("An image of the post is missing from storage: edit the post's images, then "
                             "retry.") from None
    filename = file.name.rsplit("/", 1)[-1]
    return MediaFile(content=content, filename=filename,
                     content_type=mimetypes.guess_type(filename)[0] or "image/jpeg")


# --- queueing -----------------------------------------------------------------------------------

def due_condition(now: datetime) -> Q:
    """Scheduled targets whose time has come and that were not queued since (queueing stamps
    `updated_at` past `scheduled_at`), or were queued so long ago that the message was lost; and
    targets a dead attempt left `publishing`, not yet queued to be looked up."""
    lease = now - timedelta(seconds=settings.SOCIAL_PUBLISH_STALE_SECONDS)
    due = Q(status=PostStatus.SCHEDULED, scheduled_at__lte=now) & (
        Q(updated_at__lte=F("scheduled_at")) | Q(updated_at__lt=lease))
    return due | stale_unqueued_condition(now)


def stale_unqueued_condition(now: datetime) -> Q:
    """`publishing` since before the staleness limit, and not queued since that attempt began, or
    queued a whole staleness period ago with no task taking it over since (busy workers, a lost
    message): queued once per period, not by every beat until a task reaches it."""
    stale = stale_before(now)
    return Q(status=PostStatus.PUBLISHING, updated_at__lt=stale) & (
        Q(recovery_queued_at__isnull=True) | Q(recovery_queued_at__lt=F("updated_at"))
        | Q(recovery_queued_at__lt=stale))


def target_stamp_queued(pk: int, status: str, updated_at: datetime, now: datetime) -> bool:
    """Stamp a due target as queued by this dispatcher; False when another stamped it first. A
    scheduled target's `updated_at` is moved past its `scheduled_at`; a stale `publishing` one keeps
    its attempt's `updated_at` (its task's takeover matches it) and gets `recovery_queued_at`."""
    if status == PostStatus.SCHEDULED:
        return bool(PostTarget.objects.filter(pk=pk, status=PostStatus.SCHEDULED, updated_at=updated_at).update(
            updated_at=now))
    return bool(PostTarget.objects.filter(stale_unqueued_condition(now), pk=pk, updated_at=updated_at).update(
        recovery_queued_at=now))


def targets_dispatch(*, targets: QuerySet[PostTarget] | None = None, limit: int) -> int:
    """Queue up to `limit` due targets (one query when none is), each exactly once however many
    dispatchers run: a target is queued only by the dispatcher whose conditional UPDATE stamped it.
    A stale `publishing` one is then taken over by its task with its own conditional UPDATE.
    Returns how many were queued."""
    targets = PostTarget.objects.all() if targets is None else targets
    now = timezone.now()
    found = targets.filter(due_condition(now)).order_by("updated_at", "pk").values_list("pk", "status", "updated_at")
    queued = 0
    for pk, status, updated_at in list(found[:limit]):
        if not target_stamp_queued(pk, status, updated_at, now):
            continue  # another dispatcher queued it
        after_commit(publish_target_task.delay, pk)
        queued += 1
    return queued


# --- the seller's actions -----------------------------------------------------------------------

def post_publish(*, social_post: SocialPost) -> int:
    """Publish now: the post's draft and scheduled targets become due at once and are queued.
    None of them left is a 409."""
    now = timezone.now()
    with transaction.atomic():
        made_due = PostTarget.objects.filter(post=social_post, status__in=(PostStatus.DRAFT, PostStatus.SCHEDULED)
                                             ).update(status=PostStatus.SCHEDULED, scheduled_at=now, updated_at=now)
        if not made_due:
            raise NothingToPublish()
        targets_dispatch(targets=PostTarget.objects.filter(post=social_post), limit=made_due)
    return made_due


def post_retry(*, social_post: SocialPost) -> int:
    """The post's failed targets are tried again now, with a fresh count of attempts."""
    now = timezone.now()
    with transaction.atomic():
        made_due = PostTarget.objects.filter(post=social_post, status=PostStatus.FAILED).update(
            status=PostStatus.SCHEDULED, scheduled_at=now, attempts=0, updated_at=now)
        if not made_due:
            raise NothingToRetry()
        targets_dispatch(targets=PostTarget.objects.filter(post=social_post), limit=made_due)
    return made_due
