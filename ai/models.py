from django.conf import settings
from django.db import models
from django.db.models import Q

from sellflow.platforms import SOCIAL_CHOICES


class Feature(models.TextChoices):
    DESCRIPTION = "description", "Product description"
    HASHTAGS = "hashtags", "Hashtags"
    SOCIAL_POST = "social_post", "Social post"
    REPLY_SUGGESTIONS = "reply_suggestions", "Reply suggestions"
    SEARCH = "search", "Search"
    ASSISTANT = "assistant", "Seller assistant"


class AIUsage(models.Model):
    """One call to a provider: what it cost and whether it worked. A row is written before the
    call (it holds the user's place in the quota) and completed after it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="ai_usage")
    feature = models.CharField(max_length=20, choices=Feature.choices)
    provider = models.CharField(max_length=20)
    model = models.CharField(max_length=100, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    success = models.BooleanField(default=False)
    error = models.CharField(max_length=40, blank=True, help_text="Why it failed: timeout, refusal, provider_error...")
    day = models.DateField(help_text="The user's calendar day, for the usage report.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "day"], name="ai_usage_user_day"),
            # The quota counts the calls of the last 24 hours.
            models.Index(fields=["user", "created_at"], name="ai_usage_user_created"),
        ]
        verbose_name = "AI usage"
        verbose_name_plural = "AI usage"

    def __str__(self) -> str:
        return f"{self.feature} by {self.user_id} on {self.day}"


class ContentType(models.TextChoices):
    DESCRIPTION = "description", "Description"
    HASHTAGS = "hashtags", "Hashtags"
    SOCIAL_POST = "social_post", "Social post"


class ContentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class AIContent(models.Model):
    """A generated text for a product, kept for review: the seller edits, approves or rejects
    it, and an approved description can replace the product's own."""

    product = models.ForeignKey("products.Product", on_delete=models.CASCADE, related_name="ai_contents")
    content_type = models.CharField(max_length=20, choices=ContentType.choices)
    platform = models.CharField(max_length=20, choices=SOCIAL_CHOICES, blank=True)
    language = models.CharField(max_length=10, default="en")
    text = models.TextField()
    hashtags = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=ContentStatus.choices, default=ContentStatus.DRAFT)
    options = models.JSONField(default=dict, blank=True, help_text="Style, length, tone... as asked.")
    provider = models.CharField(max_length=20)
    model = models.CharField(max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1)
    # The request and the product facts it was written from, hashed: the same request for an
    # unchanged product is answered from here.
    request_key = models.CharField(max_length=64, db_index=True, editable=False)
    edited = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "AI content"
        verbose_name_plural = "AI content"
        constraints = [
            models.UniqueConstraint(fields=["product", "content_type", "platform", "language", "version"],
                                    name="ai_content_version_unique"),
        ]
        indexes = [models.Index(fields=["product", "-created_at"], name="ai_content_product_list")]

    def __str__(self) -> str:
        return f"{self.get_content_type_display()} v{self.version} for product {self.product_id}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class AIJob(models.Model):
    """A generation asked for asynchronously: the request, then its result or error in the
    shape the synchronous endpoint would have answered."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ai_jobs")
    feature = models.CharField(max_length=20, choices=Feature.choices)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    result = models.JSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="ai_job_unfinished",
                         condition=Q(status__in=["queued", "running"])),
        ]
        verbose_name = "AI job"

    def __str__(self) -> str:
        return f"{self.feature} job {self.pk} ({self.status})"


class RecommendationKind(models.TextChoices):
    SIMILAR = "similar", "Similar"
    BOUGHT_TOGETHER = "bought_together", "Frequently bought together"


class ProductRecommendation(models.Model):
    """Precomputed neighbours of a product, best first: what the recommendation endpoints read."""

    product = models.ForeignKey("products.Product", on_delete=models.CASCADE, related_name="+")
    recommended = models.ForeignKey("products.Product", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=RecommendationKind.choices)
    score = models.FloatField()
    rank = models.PositiveSmallIntegerField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product", "kind", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["product", "kind", "recommended"], name="ai_recommendation_unique"),
            models.CheckConstraint(condition=~Q(product=models.F("recommended")), name="ai_recommendation_not_self"),
        ]
        indexes = [models.Index(fields=["product", "kind", "rank"], name="ai_recommendation_read")]

    def __str__(self) -> str:
        return f"{self.recommended_id} for {self.product_id} ({self.kind} #{self.rank})"
