from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from notifications.models import Device, DevicePlatform, Notification, NotificationPreference
from notifications.push import FCM_TOKEN_PATTERN, parse_web_subscription


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "type", "title", "body", "data", "is_read", "read_at", "created_at"]
        read_only_fields = fields


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()
    by_type = serializers.DictField(child=serializers.IntegerField(), help_text="Unread per notification type.")


class MarkAllReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread.")


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "nullable": True,
                     "example": "22:00"})
class LocalTimeField(serializers.TimeField):
    """A wall-clock time in the user's own time zone, as "HH:MM" (no offset: it is local)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], **kwargs)


class PreferenceSerializer(serializers.ModelSerializer):
    quiet_hours_start = LocalTimeField(
        required=False, allow_null=True,
        help_text="No push from this time, in the user's time zone. Set both ends, or neither.")
    quiet_hours_end = LocalTimeField(required=False, allow_null=True, help_text="...until this time.")

    class Meta:
        model = NotificationPreference
        fields = [
            "in_app_enabled", "email_enabled", "push_enabled", "email_daily_digest", "order_notifications",
            "chat_notifications", "payment_notifications", "product_notifications", "social_notifications",
            "campaign_notifications", "quiet_hours_start", "quiet_hours_end", "updated_at",
        ]
        read_only_fields = ["updated_at"]
        extra_kwargs = {"email_daily_digest": {"help_text": (
            "One email each morning summing up the unread notifications, instead of an email for each. "
            "System notices are still emailed at once, and so is everything while in-app delivery is off "
            "(the digest sums up the in-app list)."
        )}}

    def validate(self, attrs):
        start = attrs.get("quiet_hours_start", getattr(self.instance, "quiet_hours_start", None))
        end = attrs.get("quiet_hours_end", getattr(self.instance, "quiet_hours_end", None))
        if (start is None) != (end is None):
            raise serializers.ValidationError({"quiet_hours_end": ["Set both ends of the quiet hours, or neither."]})
        return attrs


class DeviceSerializer(serializers.ModelSerializer):
    # android/ios tokens have a pattern; a web token (a PushSubscription in JSON) is in the description.
    # ("not" rather than an enum of one: the schema's enum postprocessing would widen the latter.)
    openapi_schema = {"anyOf": [{"properties": {"platform": {"not": {"enum": [DevicePlatform.ANDROID.value,
                                                                                   DevicePlatform.IOS.value]}}}},
                                {"properties": {"token": {"pattern": FCM_TOKEN_PATTERN.pattern}}}]}

    platform = serializers.ChoiceField(choices=DevicePlatform.choices)
    token = serializers.CharField(
        max_length=4096, write_only=True,
        help_text="web: the browser's PushSubscription as JSON (endpoint and keys); "
                  "android/ios: the FCM registration token.",
    )

    class Meta:
        model = Device
        fields = ["id", "platform", "token", "last_seen", "created_at"]
        read_only_fields = ["id", "last_seen", "created_at"]

    def validate(self, attrs):
        platform, token = attrs["platform"], attrs["token"]
        if platform == DevicePlatform.WEB:
            try:
                parse_web_subscription(token)
            except ValueError as exc:
                raise serializers.ValidationError({"token": [str(exc)]}) from exc
        elif not FCM_TOKEN_PATTERN.match(token):
            raise serializers.ValidationError({"token": ["This is not an FCM registration token."]})
        return attrs


class WebPushConfigSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    vapid_public_key = serializers.CharField(allow_null=True,
                                             help_text="applicationServerKey for pushManager.subscribe().")


class FCMConfigSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()


class PushConfigSerializer(serializers.Serializer):
    web_push = WebPushConfigSerializer()
    fcm = FCMConfigSerializer()


