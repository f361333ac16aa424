from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, replayed to its retries. A key is
    the user's; a request without an account (a payment link) names its own `scope` instead."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True,
                             blank=True)
    # What an anonymous request's key belongs to (the order a payment link names), so two payers
    # without accounts never share a key; empty for a user's.
    scope = models.CharField(max_length=100, blank=True, default="")
    key = models.CharField(max_length=255)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the method, path and body.")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    # While a request works under this key, its retries are told to wait; a crashed request's
    # lease runs out, and the key can be tried again.
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key", "path"], name="sellflow_idempotency_once"),
            models.UniqueConstraint(fields=["scope", "key", "path"], condition=models.Q(user__isnull=True),
                                    name="sellflow_idempotency_once_anonymous"),
            models.CheckConstraint(condition=models.Q(user__isnull=False) | ~models.Q(scope=""),
                                   name="sellflow_idempotency_owned"),
        ]
        indexes = [models.Index(fields=["created_at"], name="sellflow_idempotency_age")]

    def __str__(self) -> str:
        return f"{self.key} on {self.path}"


class QuotaUsage(models.Model):
    """How much of one allowance (`scope`: product images, decoded pixels, later marketing sends,
    AI...) a user used in one period aligned on the UTC clock (a day, an hour, a minute). Counted
    race-free by sellflow.quotas; old periods are pruned."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=50)
    # One scope may have several periods (per minute and per hour): a minute and the hour it opens
    # start together, so the length is part of what a row counts.
    period_seconds = models.PositiveIntegerField()
    period_start = models.DateTimeField()
    used = models.PositiveBigIntegerField(default=0)  # pixels run into billions

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "period_seconds", "period_start"],
                                    name="sellflow_quota_usage_once"),
        ]
        indexes = [models.Index(fields=["period_start"], name="sellflow_quota_usage_age")]

    def __str__(self) -> str:
        return f"{self.scope} for {self.period_seconds} s from {self.period_start:%Y-%m-%d %H:%M}: {self.used}"
