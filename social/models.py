import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import get_random_string

from sellflow.encryption import EncryptedTextField
from sellflow.platforms import SOCIAL_CHOICES


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"  # the token ran out and could not be refreshed: reconnect
    REVOKED = "revoked", "Revoked"  # disconnected by the seller: no tokens kept
    ERROR = "error", "Error"  # the platform refused the account for good: see last_error


class SocialAccount(models.Model):
    """A platform account a seller publishes as. Kept after a disconnect (without its tokens) so
    the posts made through it keep their history."""

    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="social_accounts")
    platform = models.CharField(max_length=20, choices=SOCIAL_CHOICES)
    platform_user_id = models.CharField(max_length=100, help_text="The Page, Instagram account, X user or "
                                                                  "WhatsApp phone number id at the platform.")
    platform_username = models.CharField(max_length=150, blank=True)
    display_name = models.CharField(max_length=200, blank=True)
    avatar_url = models.URLField(max_length=1000, blank=True)
    # Instagram: the Facebook Page the account is linked to (its token publishes); Facebook: the Page.
    page_id = models.CharField(max_length=100, blank=True)
    # Encrypted at rest, never in a response, a log line or a form.
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: the token does not expire.")
    scopes = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=AccountStatus.choices, default=AccountStatus.ACTIVE)
    last_error = models.CharField(max_length=500, blank=True)
    # Facebook, Instagram: Meta delivers the webhooks of a Page (and of the Instagram account linked
    # to it) only once the Page is subscribed to the app.
    webhooks_subscribed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the app was subscribed to the account's Facebook Page webhooks; "
                                         "empty: not subscribed (yet), or the platform needs no subscription.")
    connected_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["platform", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "platform", "platform_user_id"],
                                    name="social_account_unique_per_seller"),
        ]
        indexes = [models.Index(fields=["status", "token_expires_at"], name="social_account_refresh_idx")]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.platform_username or self.display_name or self.platform_user_id}"


class OAuthState(models.Model):
    """One started OAuth flow: the nonce its signed `state` carries, consumed once by the callback,
    and the PKCE verifier that must never leave the server."""

    nonce = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(max_length=20, choices=SOCIAL_CHOICES)
    code_verifier = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.platform} OAuth for user {self.user_id}"


# --- Insights and inbound events


class AccountInsight(models.Model):
    """One day of an account's figures as its platform reported them (the beat job's upsert); the
    insights endpoint reads only these rows. Empty: the platform does not report that figure."""

    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="insights")
    day = models.DateField(help_text="The platform's day the figures are for.")
    followers = models.PositiveBigIntegerField(null=True, blank=True)
    impressions = models.PositiveBigIntegerField(null=True, blank=True)
    reach = models.PositiveBigIntegerField(null=True, blank=True)
    engagement = models.PositiveBigIntegerField(null=True, blank=True)
    link_clicks = models.PositiveBigIntegerField(null=True, blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["account", "day"]
        constraints = [models.UniqueConstraint(fields=["account", "day"], name="social_insight_one_per_day")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day}"



class EventKind(models.TextChoices):
    COMMENT = "comment", "Comment"
    MENTION = "mention", "Mention"
    DIRECT_MESSAGE = "direct_message", "Direct message"
    POST_STATUS = "post_status", "Post status change"
    DELETION = "deletion", "Deletion"
    OTHER = "other", "Other"


class PlatformEvent(models.Model):
    """One event a platform sent to its webhook, stored once per (platform, event id): a replay
    changes nothing. Comments, mentions and messages wait here for the chat app (`processed`)."""

    platform = models.CharField(max_length=20, choices=SOCIAL_CHOICES)
    event_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=EventKind.choices, default=EventKind.OTHER)
    account = models.ForeignKey(SocialAccount, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="events", help_text="The connected account it concerns, when known.")
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["platform", "event_id"], name="social_event_once")]
        indexes = [models.Index(fields=["kind", "processed"], name="social_event_pending_idx")]

    def __str__(self) -> str:
        return f"{self.platform} {self.kind} {self.event_id}"


# --- Posts

class PostStatus(models.TextChoices):
    DRAFT = "draft", "Draft"  # kept, not queued: the seller publishes it when ready
    SCHEDULED = "scheduled", "Scheduled"  # queued for scheduled_at
    PUBLISHING = "publishing", "Publishing"  # a worker is talking to the platform
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"  # see last_error
    CANCELLED = "cancelled", "Cancelled"


# Once a target reaches the platform (or is on its way there) its post is no longer the seller's to edit.
LOCKED_STATUSES = (PostStatus.PUBLISHING, PostStatus.PUBLISHED)
ATTRIBUTION_CODE_LENGTH = 10


def new_attribution_code() -> str:
    return get_random_string(ATTRIBUTION_CODE_LENGTH)


class SocialPost(models.Model):
    """What a seller says, once, for every account it goes to (one PostTarget each)."""

    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="social_posts")
    product = models.ForeignKey("products.Product", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="social_posts")
    content = models.TextField(blank=True)
    hashtags = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["seller", "-created_at"], name="social_post_seller_idx")]

    def __str__(self) -> str:
        return f"post {self.pk} of {self.seller_id}"


def post_image_upload_to(image: "PostImage", filename: str) -> str:
    return f"social/{image.seller_id}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1].lower()}"


class PostImage(models.Model):
    """An image a seller uploaded for posts, checked and cleaned as product images are."""

    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    image = models.ImageField(upload_to=post_image_upload_to)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"post image {self.pk} of {self.seller_id}"


class PostMedia(models.Model):
    """One image of a post, in order: a product image of the seller's, or an image uploaded for posts."""

    post = models.ForeignKey(SocialPost, on_delete=models.CASCADE, related_name="media")
    product_image = models.ForeignKey("products.ProductImage", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+")
    upload = models.ForeignKey(PostImage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"image {self.position} of post {self.post_id}"


class PostTarget(models.Model):
    """The post on one account: its own schedule, state and place at the platform."""

    post = models.ForeignKey(SocialPost, on_delete=models.CASCADE, related_name="targets")
    # RESTRICT: an account keeps its posts' history; deleting the seller deletes both.
    account = models.ForeignKey(SocialAccount, on_delete=models.RESTRICT, related_name="post_targets")
    platform = models.CharField(max_length=20, choices=SOCIAL_CHOICES)  # the account's, kept for filters
    status = models.CharField(max_length=12, choices=PostStatus.choices, default=PostStatus.DRAFT)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    platform_post_id = models.CharField(max_length=200, blank=True)
    platform_url = models.URLField(max_length=1000, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # When the beat last queued it, left `publishing` by a dead attempt, to be looked up: once per
    # staleness period (its `updated_at` stays the attempt's, which its task's takeover matches).
    recovery_queued_at = models.DateTimeField(null=True, blank=True)
    # Set by the platform's deletion event: the post is gone from the platform (deleted there, not
    # by SellFlow). The target stays `published` and keeps its history.
    removed_at = models.DateTimeField(null=True, blank=True, help_text="When the platform told SellFlow the post "
                                                                       "was deleted there (the target stays "
                                                                       "published); empty while it is live.")
    # The short code the target's link carries, so a visit and a sale are traced back to it.
    code = models.CharField(max_length=16, unique=True, default=new_attribution_code)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["post", "account"], name="social_target_once_per_account")]
        indexes = [models.Index(fields=["status", "scheduled_at"], name="social_target_due_idx")]

    def __str__(self) -> str:
        return f"post {self.post_id} on {self.platform}"


# --- Attribution


class PostClick(models.Model):
    """A visit through a target's link (/r/<code>): which post and platform sent whom (a visitor
    cookie, never an account or an address), with the link's UTM parameters. A checkout by that
    visitor within ATTRIBUTION_WINDOW_DAYS points back here (Order.referral_click_id). The post
    and target may be deleted later; the click keeps its seller and platform for the reports."""

    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(SocialPost, on_delete=models.SET_NULL, null=True, blank=True, related_name="clicks")
    target = models.ForeignKey(PostTarget, on_delete=models.SET_NULL, null=True, blank=True, related_name="clicks")
    product = models.ForeignKey("products.Product", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    platform = models.CharField(max_length=20, choices=SOCIAL_CHOICES)
    visitor = models.CharField(max_length=32)
    utm = models.JSONField(default=dict, blank=True)
    referrer = models.CharField(max_length=500, blank=True)
    clicked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-clicked_at", "-pk"]
        indexes = [models.Index(fields=["target", "clicked_at"], name="social_click_target_idx"),
                   models.Index(fields=["seller", "clicked_at"], name="social_click_seller_idx")]

    def __str__(self) -> str:
        return f"click {self.pk} on {self.platform}"


# --- The built-in local platform


class LocalPlatformPost(models.Model):
    """What the built-in `local` platform client (development only: SOCIAL_LOCAL_PLATFORM) would
    have published: nothing leaves the machine, and the admin shows what was sent."""

    platform = models.CharField(max_length=20, choices=SOCIAL_CHOICES)
    platform_user_id = models.CharField(max_length=100, help_text="The local account it was published as.")
    text = models.TextField(blank=True)
    link = models.CharField(max_length=1000, blank=True)
    image_urls = models.JSONField(default=list, blank=True)
    image_count = models.PositiveSmallIntegerField(default=0, help_text="Images sent (as URLs or as uploads).")
    recipient = models.CharField(max_length=32, blank=True)
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["platform", "platform_user_id", "published_at"],
                                name="social_localpost_account_idx")]

    def __str__(self) -> str:
        return f"local {self.platform} post {self.pk}"
