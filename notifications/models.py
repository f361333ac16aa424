from django.conf import settings
from django.db import models
from django.db.models import Q

from sellflow.encryption import EncryptedTextField


class NotificationType(models.TextChoices):
    ORDER = "order", "Order"
    PAYMENT = "payment", "Payment"
    CHAT = "chat", "Chat"
    PRODUCT = "product", "Product"
    SOCIAL = "social", "Social"
    CAMPAIGN = "campaign", "Campaign"
    SYSTEM = "system", "System"


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    type = models.CharField(max_length=10, choices=NotificationType.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, max_length=2000)
    data = models.JSONField(default=dict, blank=True,
                            help_text='Ids and a deep link, e.g. {"order_id": 3, "path": "/orders/3"}.')
    is_read = models.BooleanField(default=False)
    read_at = models.DateTimeField(null=True, blank=True)
    # The event's identity (a retried task, a replayed webhook): one notification per key and user.
    dedupe_key = models.CharField(max_length=200, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"], condition=~Q(dedupe_key=""), name="notifications_dedupe_per_user"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notifications_list"),
            models.Index(fields=["user", "type"], condition=Q(is_read=False), name="notifications_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.type}: {self.title}"


# The per-type switches of NotificationPreference; `system` notifications cannot be turned off.
TYPE_SWITCHES = {
    NotificationType.ORDER: "order_notifications",
    NotificationType.PAYMENT: "payment_notifications",
    NotificationType.CHAT: "chat_notifications",
    NotificationType.PRODUCT: "product_notifications",
    NotificationType.SOCIAL: "social_notifications",
    NotificationType.CAMPAIGN: "campaign_notifications",
}


class NotificationPreference(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference")
    in_app_enabled = models.BooleanField(default=True)
    email_enabled = models.BooleanField(default=True)
    push_enabled = models.BooleanField(default=True)
    email_daily_digest = models.BooleanField(default=False)
    order_notifications = models.BooleanField(default=True)
    payment_notifications = models.BooleanField(default=True)
    chat_notifications = models.BooleanField(default=True)
    product_notifications = models.BooleanField(default=True)
    social_notifications = models.BooleanField(default=True)
    campaign_notifications = models.BooleanField(default=True)
    quiet_hours_start = models.TimeField(null=True, blank=True, help_text="No push from this local time...")
    quiet_hours_end = models.TimeField(null=True, blank=True, help_text="...until this local time.")
    last_digest_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"notification preferences of {self.user_id}"

    def allows(self, notification_type: str) -> bool:
        switch = TYPE_SWITCHES.get(notification_type)
        return getattr(self, switch) if switch else True


class NotificationTemplate(models.Model):
    """An email, in Django template syntax, that operators can reword. Code ships a default for
    every key it sends, so a missing or broken row never stops a mail."""

    key = models.SlugField(max_length=100, unique=True)
    subject = models.CharField(max_length=200)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class DevicePlatform(models.TextChoices):
    WEB = "web", "Web"
    ANDROID = "android", "Android"
    IOS = "ios", "iOS"


class Device(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices")
    platform = models.CharField(max_length=10, choices=DevicePlatform.choices)
    # Encrypted at rest: the FCM token, or the subscription with its p256dh and auth keys, is what
    # proves a device when it registers (device_hand_over). Lookups go through token_hash.
    token = EncryptedTextField(help_text="FCM registration token, or the Web Push subscription as JSON.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    last_seen = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.platform} device of {self.user_id}"
