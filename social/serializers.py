from django.core.validators import RegexValidator
from rest_framework import serializers

from sellflow.platforms import SOCIAL_CHOICES, PlatformField
from social.models import SocialAccount
from social.platforms import CLIENT_CLASSES

# The platforms an account can be connected on: those with a client (TikTok has none yet).
CONNECTABLE_CHOICES = [(value, label) for value, label in SOCIAL_CHOICES if value in CLIENT_CLASSES]

TOKEN_MAX_LENGTH = 4096
# Platform ids are numbers (Meta's nodes, X's users, WhatsApp's phone number ids); they go into
# the platform's URL paths, so nothing else is let through.
platform_id = RegexValidator(r"^[0-9]{1,64}$", "A platform id is made of digits.")
# Tokens travel in an HTTP header: printable ASCII without spaces, as every platform issues them.
token_characters = RegexValidator(r"^[\x21-\x7e]+$", "A token is made of printable ASCII characters.")


class SocialAccountSerializer(serializers.ModelSerializer):
    """A connected account as the seller sees it: never its tokens."""

    scopes = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = SocialAccount
        fields = ["id", "platform", "platform_user_id", "platform_username", "display_name", "avatar_url", "page_id",
                  "status", "last_error", "scopes", "token_expires_at", "connected_at", "updated_at"]
        read_only_fields = fields


class SocialAccountConnectSerializer(serializers.Serializer):
    """The API document's manual connect: an access token the seller got at the platform."""

    platform = PlatformField(choices=CONNECTABLE_CHOICES)
    platform_user_id = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", validators=[platform_id],
        help_text="The Page, Instagram account, X user or WhatsApp phone number id. Needed for Instagram and "
                  "WhatsApp; for Facebook and X the token's own account is taken when empty, and a token acting "
                  "as another account is refused.")
    platform_username = serializers.CharField(max_length=150, required=False, allow_blank=True, default="",
                                              help_text="Kept when the platform reports none.")
    access_token = serializers.CharField(max_length=TOKEN_MAX_LENGTH, write_only=True, validators=[token_characters],
                                         style={"input_type": "password"},
                                         help_text="Checked with the platform before it is stored (encrypted); "
                                                   "never returned.")
    refresh_token = serializers.CharField(max_length=TOKEN_MAX_LENGTH, write_only=True, required=False,
                                          allow_blank=True, default="", validators=[token_characters],
                                          style={"input_type": "password"})
    page_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="",
                                    validators=[platform_id],
                                    help_text="Instagram: the Facebook Page the account is linked to.")


class SocialDisconnectSerializer(serializers.Serializer):
    platform = PlatformField(choices=SOCIAL_CHOICES)
    platform_user_id = serializers.CharField(
        max_length=64, validators=[platform_id], required=False, allow_blank=True, default="",
        help_text="Only this account of the platform; every connected account of it when empty.")


class SocialDisconnectResultSerializer(serializers.Serializer):
    platform = serializers.CharField()
    disconnected = SocialAccountSerializer(many=True, help_text="The accounts now `revoked`, without tokens.")


class OAuthStartSerializer(serializers.Serializer):
    authorization_url = serializers.URLField(help_text="Send the seller's browser here. Its `state` is good for one "
                                                       "callback within 10 minutes.")
    expires_in = serializers.IntegerField(help_text="Seconds the state stays valid.")


class InsightsQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=90, default=7,
                                    help_text="How many days back, today (UTC) included.")


class InsightFiguresSerializer(serializers.Serializer):
    followers = serializers.IntegerField(allow_null=True)
    impressions = serializers.IntegerField(allow_null=True)
    reach = serializers.IntegerField(allow_null=True)
    engagement = serializers.IntegerField(allow_null=True)
    link_clicks = serializers.IntegerField(allow_null=True)


class InsightDaySerializer(InsightFiguresSerializer):
    """One day; null where the platform does not report the figure or nothing was fetched yet."""

    date = serializers.DateField()


class InsightTotalsSerializer(InsightFiguresSerializer):
    followers = serializers.IntegerField(allow_null=True, help_text="The latest follower count in the range.")
    impressions = serializers.IntegerField(allow_null=True, help_text="Sum of the days' figures; null: none known.")
    reach = serializers.IntegerField(allow_null=True, help_text="Sum of the days' reach (people reached each day, "
                                                               "so one person may count on several days).")
    followers_change = serializers.IntegerField(allow_null=True, help_text="Latest minus earliest follower count "
                                                                           "in the range; null with fewer than two.")


class InsightsSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    platform = serializers.CharField()
    days = serializers.IntegerField()
    since = serializers.DateField()
    until = serializers.DateField()
    fetched_at = serializers.DateTimeField(allow_null=True, help_text="When the platform was last asked for "
                                                                      "these days; null: never yet.")
    totals = InsightTotalsSerializer()
    series = InsightDaySerializer(many=True, help_text="One entry per day, oldest first.")


class SocialWebhookAckSerializer(serializers.Serializer):
    received = serializers.BooleanField()
    stored = serializers.IntegerField(help_text="Events new to this server, now stored.")
    duplicates = serializers.IntegerField(help_text="Events stored before (a redelivery): nothing changed.")


class CRCResponseSerializer(serializers.Serializer):
    response_token = serializers.CharField(help_text="`sha256=` and the base64 HMAC-SHA256 of `crc_token` with the "
                                                     "app's consumer secret.")
