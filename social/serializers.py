from zoneinfo import ZoneInfo

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ai.rules import MAX_HASHTAGS, POST_LIMITS
from products.serializers import MAX_ID
from sellflow.filters import QuerySerializer
from sellflow.images import ImageUploadField
from sellflow.platforms import SOCIAL_CHOICES, PlatformField
from social.models import PostImage, PostMedia, PostStatus, PostTarget, SocialAccount, SocialPost
from social.platforms import CLIENT_CLASSES
from social.post_rules import MAX_POST_IMAGES, parse_hashtags, platform_problem, post_text, target_link

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
    # A plain string in the schema: empty is an answer ("no picture"), which `format: uri` forbids.
    avatar_url = serializers.CharField(read_only=True, help_text="The profile picture's URL (empty when the "
                                                                 "platform gives none).")

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


class InsightsQuerySerializer(QuerySerializer):
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


# --- Posts

HASHTAGS_SCHEMA = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
                   "example": "#Wireless #Tech"}
MAX_POST_ACCOUNTS = 20
MAX_CONTENT_LENGTH = max(POST_LIMITS.values())


def id_list(**kwargs) -> serializers.ListField:
    return serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), **kwargs)


@extend_schema_field(HASHTAGS_SCHEMA)
class HashtagsField(serializers.Field):
    """Hashtags as the document writes them ("#Wireless #Tech") or as a list; the `#` is optional."""

    default_error_messages = {"invalid": "Send the hashtags as a string or a list of strings."}

    def to_internal_value(self, data):
        if not isinstance(data, str) and not (isinstance(data, list) and all(isinstance(tag, str) for tag in data)):
            self.fail("invalid")
        if len(data) > MAX_HASHTAGS * 4 or (isinstance(data, str) and len(data) > 4000):
            raise serializers.ValidationError("Too many hashtags.")
        tags, problems = parse_hashtags(data)
        if problems:
            raise serializers.ValidationError(problems)
        return tags

    def to_representation(self, value):
        return value


class ScheduleField(serializers.DateTimeField):
    """A time with an offset is taken as sent; one without is read in the seller's time zone
    (their profile's `timezone`)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "ISO 8601. Without an offset (`2026-12-24T09:00`), the time is read in "
                                       "your profile's `timezone`. In the future.")
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        user = self.context.get("user")
        self.timezone = ZoneInfo(user.timezone) if user is not None else self.default_timezone()
        return super().to_internal_value(value)


class PostFieldsMixin(serializers.Serializer):
    content = serializers.CharField(max_length=MAX_CONTENT_LENGTH, required=False, allow_blank=True, default="",
                                    trim_whitespace=False)
    hashtags = HashtagsField(required=False, default=list,
                             help_text='Added on their own line after the content unless it carries them: '
                                       '"#Wireless #Tech" or ["#Wireless", "Tech"].')
    media = id_list(max_length=MAX_POST_IMAGES,
                                  required=False, default=list,
                                  help_text="Ids of images of your products, in order (see a product's `images`).")
    uploads = id_list(max_length=MAX_POST_IMAGES,
                                    required=False, default=list,
                                    help_text="Ids of images you uploaded (POST /api/social/media/), after `media`.")
    scheduled_at = ScheduleField(required=False, allow_null=True, default=None)
    generate = serializers.BooleanField(
        default=False, help_text="The AI writes the content and hashtags for the product (its switches and daily "
                                 "quota apply); leave `content` and `hashtags` empty.")

    def validate(self, attrs):
        if attrs["generate"] and (attrs["content"].strip() or attrs["hashtags"]):
            raise serializers.ValidationError({"generate": ["Leave content and hashtags empty for the AI to write."]})
        check_image_total(attrs)
        return attrs


def check_image_total(attrs: dict) -> None:
    if len(attrs.get("media", [])) + len(attrs.get("uploads", [])) > MAX_POST_IMAGES:
        raise serializers.ValidationError({"media": [f"A post holds at most {MAX_POST_IMAGES} images, media and "
                                                     f"uploads together."]})


class SocialPostCreateSerializer(PostFieldsMixin):
    product = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None,
                                       help_text="Your product: its share link, with the target's attribution code, "
                                                 "goes with the post.")
    accounts = id_list(min_length=1,
                                     max_length=MAX_POST_ACCOUNTS,
                                     help_text="Your connected Facebook, Instagram or X accounts (ids): one target "
                                               "each, a cross-post. A WhatsApp account is refused (400): SellFlow "
                                               "sends WhatsApp messages to customers from the chat and marketing "
                                               "apps, not as posts.")


class ProductSocialPostSerializer(PostFieldsMixin):
    """The API document's body, with `scheduled_at` and `accounts` added."""

    platform = PlatformField(choices=SOCIAL_CHOICES,
                             help_text="`facebook`, `instagram` or `twitter`. `whatsapp` is refused (400): "
                                       "SellFlow sends WhatsApp messages to customers from the chat and marketing "
                                       "apps, not as posts; `tiktok` has no client yet.")
    is_scheduled = serializers.BooleanField(default=False, help_text="True with `scheduled_at`.")
    accounts = id_list(required=False, allow_empty=False,
                                     max_length=MAX_POST_ACCOUNTS,
                                     help_text="Your accounts of this platform (ids); all your active ones when "
                                               "missing.")

    def validate_platform(self, platform: str) -> str:
        if problem := platform_problem(platform):
            raise serializers.ValidationError(problem)
        return platform

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs["is_scheduled"] and attrs["scheduled_at"] is None:
            raise serializers.ValidationError({"scheduled_at": ["Say when, with is_scheduled: true."]})
        if not attrs["is_scheduled"] and attrs["scheduled_at"] is not None:
            raise serializers.ValidationError({"is_scheduled": ["Set is_scheduled: true to schedule the post."]})
        return attrs


class SocialPostUpdateSerializer(serializers.Serializer):
    content = serializers.CharField(max_length=MAX_CONTENT_LENGTH, required=False, allow_blank=True,
                                    trim_whitespace=False)
    hashtags = HashtagsField(required=False)
    media = id_list(max_length=MAX_POST_IMAGES,
                                  required=False, help_text="Replaces the product images (the uploads stay unless "
                                                            "`uploads` is sent too).")
    uploads = id_list(max_length=MAX_POST_IMAGES,
                                    required=False, help_text="Replaces the uploaded images.")
    scheduled_at = ScheduleField(required=False, allow_null=True,
                                 help_text="Moves every draft or scheduled target; null makes them drafts again. "
                                           "Without an offset, read in your profile's `timezone`.")

    def validate(self, attrs):
        check_image_total(attrs)
        return attrs


class PostTargetSerializer(serializers.ModelSerializer):
    account_username = serializers.CharField(source="account.platform_username", read_only=True)
    platform_url = serializers.CharField(read_only=True, help_text="The post at its platform (empty until it is "
                                                                   "published, or when the platform gives none).")
    link = serializers.SerializerMethodField(help_text="The product's share URL with this target's code (empty "
                                                       "without a product).")

    class Meta:
        model = PostTarget
        fields = ["id", "account", "account_username", "platform", "status", "scheduled_at", "published_at",
                  "removed_at", "platform_post_id", "platform_url", "attempts", "last_error", "code", "link"]
        read_only_fields = fields

    def get_link(self, target) -> str:
        return target_link(product_id=target.post.product_id, platform=target.platform, code=target.code)


class PostTargetResultsSerializer(PostTargetSerializer):
    """A target of a post with what its link led to (selectors.with_results)."""

    clicks = serializers.IntegerField(
        source="click_count", read_only=True,
        help_text="Browser visits through the target's link (a visitor back through it shortly after counts once).")
    orders = serializers.IntegerField(
        source="order_count", read_only=True,
        help_text="Orders by those visitors within the attribution window, cancelled and refunded ones left out.")
    revenue = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True,
                                       help_text="The total of those orders once confirmed (not pending, cancelled "
                                                 "or refunded), in `currency`.")
    currency = serializers.CharField(read_only=True, help_text="Your currency (orders in another one are not "
                                                               "added to `revenue`).")

    class Meta(PostTargetSerializer.Meta):
        fields = [*PostTargetSerializer.Meta.fields, "clicks", "orders", "revenue", "currency"]
        read_only_fields = fields


class PostMediaSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = PostMedia
        fields = ["id", "product_image", "upload", "url", "position"]
        read_only_fields = fields

    def get_url(self, media) -> str:
        source = media.product_image or media.upload
        if source is None:
            return ""  # its image was deleted since
        request = self.context.get("request")
        return request.build_absolute_uri(source.image.url) if request else source.image.url


class PostImageUploadSerializer(serializers.Serializer):
    images = serializers.ListField(child=ImageUploadField(), allow_empty=False, max_length=MAX_POST_IMAGES)


class PostImageSerializer(serializers.ModelSerializer):
    url = serializers.ImageField(source="image", read_only=True)

    class Meta:
        model = PostImage
        fields = ["id", "url", "width", "height", "created_at"]
        read_only_fields = fields


class SocialPostSerializer(serializers.ModelSerializer):
    hashtags = serializers.ListField(child=serializers.CharField(), read_only=True)
    text = serializers.SerializerMethodField(help_text="What is published: the content, then the hashtags it does "
                                                       "not carry (each platform adds the target's link).")
    media = PostMediaSerializer(many=True, read_only=True)
    targets = PostTargetResultsSerializer(many=True, read_only=True)

    class Meta:
        model = SocialPost
        fields = ["id", "product", "content", "hashtags", "text", "media", "targets", "created_at", "updated_at"]
        read_only_fields = fields

    def get_text(self, post) -> str:
        return post_text(post.content, post.hashtags)


class PostListQuerySerializer(QuerySerializer):
    status = serializers.ChoiceField(choices=PostStatus.choices, required=False,
                                     help_text="Posts with a target in this state.")
    platform = PlatformField(choices=SOCIAL_CHOICES, required=False, help_text="Posts with a target there.")
    product = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    # "from" is a Python keyword: declared in get_fields.
    to = serializers.DateTimeField(required=False, help_text="Created at or before (ISO 8601; without an offset, "
                                                             "in your profile's `timezone`).")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateTimeField(required=False, help_text="Created at or after.")
        if "timezone" in self.context:  # the seller's, for times without an offset
            for name in ("from", "to"):
                fields[name].timezone = self.context["timezone"]
        return fields


class PostDeleteQuerySerializer(QuerySerializer):
    at_platform = serializers.BooleanField(
        required=False, default=False,
        help_text="Also delete the post at its platforms: each `published` target is deleted there first, then "
                  "the post here. Needed once a target is published.")


class ScheduleQuerySerializer(QuerySerializer):
    to = serializers.DateTimeField(required=False, help_text="Scheduled at or before (ISO 8601; without an offset, "
                                                             "in your profile's `timezone`).")
    platform = PlatformField(choices=SOCIAL_CHOICES, required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateTimeField(required=False, help_text="Scheduled at or after.")
        if "timezone" in self.context:  # the seller's, for times without an offset
            for name in ("from", "to"):
                fields[name].timezone = self.context["timezone"]
        return fields


class ScheduledTargetSerializer(PostTargetSerializer):
    """A scheduled target in the seller's calendar, with what it will say."""

    post = serializers.IntegerField(source="post_id", read_only=True)
    product = serializers.IntegerField(source="post.product_id", read_only=True, allow_null=True)
    text = serializers.SerializerMethodField()

    class Meta(PostTargetSerializer.Meta):
        fields = ["post", "product", "text", *PostTargetSerializer.Meta.fields]
        read_only_fields = fields

    def get_text(self, target) -> str:
        return post_text(target.post.content, target.post.hashtags)


class ScheduleCreateSerializer(serializers.Serializer):
    post = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Your post.")
    scheduled_at = ScheduleField()
    accounts = id_list(required=False, allow_empty=False,
                                     max_length=MAX_POST_ACCOUNTS,
                                     help_text="Only the post's targets on these accounts; all its draft and "
                                               "scheduled targets when missing.")
