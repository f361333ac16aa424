from rest_framework import serializers

from ai import prompts
from ai.languages import LANGUAGE_CODES, language_name
from ai.models import AIContent, AIJob, ContentStatus, ContentType, Feature
from ai.providers import get_provider
from ai.rules import MAX_HASHTAGS
from ai.services.content import ContentRequest
from products.serializers import MAX_ID, PublicProductSerializer
from sellflow.filters import QuerySerializer
from sellflow.platforms import SOCIAL_CHOICES, Platform, PlatformField


class InterpretedCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()


class InterpretationSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="The words left to search for.")
    min_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    max_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.CharField(allow_null=True)
    in_stock = serializers.BooleanField(allow_null=True)
    colors = serializers.ListField(child=serializers.CharField())
    sizes = serializers.ListField(child=serializers.CharField())
    category = InterpretedCategorySerializer(allow_null=True)
    sort = serializers.ChoiceField(choices=["price"], allow_null=True,
                                   help_text="`price`: the shopper asked for cheap.")


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=300, help_text='What the shopper typed, e.g. "red sneakers under 300 cedis".')
    category = serializers.CharField(max_length=100, required=False,
                                     help_text="Category id or slug (overrides one found in q).")


class SearchResponseSerializer(serializers.Serializer):
    query = serializers.CharField()
    interpreted = InterpretationSerializer(help_text="The filters understood, for the frontend to show as chips.")
    count = serializers.IntegerField()
    suggestion = serializers.CharField(
        allow_null=True, help_text='When nothing was found: the query with its misspelt words replaced by catalog '
                                   'words ("did you mean"), or null.')
    results = PublicProductSerializer(many=True)


# --- Generation -------------------------------------------------------------------------------

def generation_languages() -> list[str]:
    """The codes the configured provider writes in (the local provider: en and fr); the others
    are refused with 400 `language_unsupported`."""
    provider = get_provider()
    return [code for code in LANGUAGE_CODES if provider.supports_language(code)]


def reply_languages() -> list[str]:
    return ["auto", *generation_languages()]


class LanguageField(serializers.CharField):
    """An ISO 639 language code ("fr", "en-GB" is taken as "en", "pcm" for Nigerian Pidgin)."""

    @staticmethod
    def openapi_schema() -> dict:
        return {"enum": generation_languages()}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("help_text", 'ISO 639 code: "en", "fr", "ha", "yo"... The local provider writes en and fr.')
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        code = super().to_internal_value(data).strip().lower().replace("_", "-")
        base = code.split("-")[0]
        if language_name(base):
            return base
        if language_name(code):
            return code
        raise serializers.ValidationError("Unknown language code.")


class GenerationOptionsSerializer(serializers.Serializer):
    """What every generation request may carry beyond its own options."""

    regenerate = serializers.BooleanField(default=False, help_text="Write a new version even if one is stored.")

    def get_fields(self):
        fields = super().get_fields()
        # `async` is a Python keyword, hence added by name.
        fields["async"] = serializers.BooleanField(
            default=False, help_text="Answer 202 with a job and work in the background (also `Prefer: respond-async`).")
        return fields


class ProductIdMixin(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class DescriptionRequestSerializer(ProductIdMixin, GenerationOptionsSerializer):
    style = serializers.ChoiceField(choices=prompts.DESCRIPTION_STYLES, default="professional")
    length = serializers.ChoiceField(choices=list(prompts.DESCRIPTION_LENGTHS), default="medium")
    language = LanguageField(default="en")


class HashtagsRequestSerializer(ProductIdMixin, GenerationOptionsSerializer):
    platform = PlatformField(choices=SOCIAL_CHOICES, default=Platform.INSTAGRAM)
    language = LanguageField(default="en")
    count = serializers.IntegerField(min_value=1, max_value=MAX_HASHTAGS, default=10)


class SocialPostRequestSerializer(ProductIdMixin, GenerationOptionsSerializer):
    platform = PlatformField(choices=SOCIAL_CHOICES)
    tone = serializers.ChoiceField(choices=prompts.POST_TONES, default="friendly")
    language = LanguageField(default="en")
    include_price = serializers.BooleanField(default=True)
    call_to_action = serializers.CharField(max_length=200, default="", allow_blank=True,
                                           help_text='How to order, e.g. "DM us on WhatsApp". A default otherwise.')
    hashtag_count = serializers.IntegerField(min_value=0, max_value=MAX_HASHTAGS, required=False,
                                             help_text="Hashtags under the post; a default per platform otherwise.")


class ProductGenerateRequestSerializer(GenerationOptionsSerializer):
    """The API document's body, with the options of the three /api/ai/generate/ endpoints."""

    openapi_schema = {"anyOf": [{"properties": {"content_type": {"not": {"enum": ["social_post"]}}}},
                                {"required": ["platform"]}]}

    content_type = serializers.ChoiceField(choices=ContentType.choices)
    platform = PlatformField(choices=SOCIAL_CHOICES, required=False,
                             help_text="Required for social_post; hashtags default to instagram.")
    style = serializers.ChoiceField(choices=prompts.DESCRIPTION_STYLES, default="professional")
    length = serializers.ChoiceField(choices=list(prompts.DESCRIPTION_LENGTHS), default="medium")
    language = LanguageField(default="en")
    count = serializers.IntegerField(min_value=1, max_value=MAX_HASHTAGS, default=10)
    tone = serializers.ChoiceField(choices=prompts.POST_TONES, default="friendly")
    include_price = serializers.BooleanField(default=True)
    call_to_action = serializers.CharField(max_length=200, default="", allow_blank=True)
    hashtag_count = serializers.IntegerField(min_value=0, max_value=MAX_HASHTAGS, required=False)

    def validate(self, attrs):
        if attrs["content_type"] == ContentType.SOCIAL_POST and not attrs.get("platform"):
            raise serializers.ValidationError({"platform": ["Say which platform the post is for."]})
        return attrs


class GenerateContentRequestSerializer(ProductGenerateRequestSerializer):
    """Seed 002's regenerate call: `language_code` picks the language, and a new version is
    written unless `regenerate` is false."""

    content_type = serializers.ChoiceField(choices=ContentType.choices, default=ContentType.DESCRIPTION)
    language_code = LanguageField(default="en")
    regenerate = serializers.BooleanField(default=True, help_text="false: answer a stored identical result if any.")

    def get_fields(self):
        fields = super().get_fields()
        fields.pop("language")
        return fields


def content_request(data: dict, *, content_type: str | None = None) -> ContentRequest:
    content_type = content_type or data["content_type"]
    platform = data.get("platform") or (Platform.INSTAGRAM if content_type == ContentType.HASHTAGS else "")
    return ContentRequest(
        content_type=content_type, platform=platform if content_type != ContentType.DESCRIPTION else "",
        language=data.get("language_code") or data.get("language", "en"), style=data.get("style", "professional"),
        length=data.get("length", "medium"), count=data.get("count", 10), tone=data.get("tone", "friendly"),
        include_price=data.get("include_price", True), call_to_action=data.get("call_to_action", ""),
        hashtag_count=data.get("hashtag_count"))


class AIContentSerializer(serializers.ModelSerializer):
    platform = serializers.ChoiceField(choices=SOCIAL_CHOICES, allow_blank=True, read_only=True,
                                       help_text="Empty for descriptions.")

    class Meta:
        model = AIContent
        fields = ["id", "product", "content_type", "platform", "language", "text", "hashtags", "status", "options",
                  "provider", "model", "version", "edited", "created_at", "updated_at", "reviewed_at", "applied_at"]
        read_only_fields = fields


class AIContentUpdateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=70_000, trim_whitespace=True)
    status = serializers.ChoiceField(choices=ContentStatus.choices)
    apply = serializers.BooleanField(default=False, help_text="Put an approved description on the product.")


class _GenerationBase(serializers.Serializer):
    message = serializers.CharField()
    cached = serializers.BooleanField(help_text="true: an identical request for the unchanged product was stored.")
    content = AIContentSerializer()


class DescriptionResponseSerializer(_GenerationBase):
    description = serializers.CharField()


class HashtagsResponseSerializer(_GenerationBase):
    hashtags = serializers.ListField(child=serializers.CharField())


class SocialPostResponseSerializer(_GenerationBase):
    post = serializers.CharField(help_text="The post, hashtags included, within the platform's limits.")
    hashtags = serializers.ListField(child=serializers.CharField())


class AnyGenerationResponseSerializer(_GenerationBase):
    description = serializers.CharField(required=False, help_text="For content_type description.")
    hashtags = serializers.ListField(child=serializers.CharField(), required=False,
                                     help_text="For hashtags (and social_post).")
    post = serializers.CharField(required=False, help_text="For social_post.")


# --- Jobs -------------------------------------------------------------------------------------

class AIJobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    result = serializers.JSONField(help_text="When done: the body the synchronous call answers.")
    error = serializers.JSONField(help_text="When failed: the error body, with its HTTP `status`.")

    class Meta:
        model = AIJob
        fields = ["id", "feature", "status", "url", "result", "error", "created_at", "started_at", "finished_at"]
        read_only_fields = fields

    def get_url(self, job: AIJob) -> str:
        return f"/api/ai/jobs/{job.pk}/"


# --- Usage ------------------------------------------------------------------------------------

class UsageQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=366, default=30,
                                    help_text="How many days back, today included.")


class UsageQuotaSerializer(serializers.Serializer):
    limit = serializers.IntegerField(allow_null=True, help_text="Generations in any 24 hours; null: no quota.")
    window_hours = serializers.IntegerField(help_text="The quota counts the calls of the last this many hours.")
    used = serializers.IntegerField(help_text="Generations counted in the window (failed calls give theirs back).")
    remaining = serializers.IntegerField(allow_null=True)
    frees_up_at = serializers.DateTimeField(
        allow_null=True, help_text="When the oldest counted generation leaves the window and gives its place back; "
                                   "null when none counts.")


class UsageTotalsSerializer(serializers.Serializer):
    requests = serializers.IntegerField()
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()


class UsageRowSerializer(UsageTotalsSerializer):
    date = serializers.DateField()
    feature = serializers.ChoiceField(choices=Feature.choices)
    average_latency_ms = serializers.IntegerField(allow_null=True)


class UsageResponseSerializer(serializers.Serializer):
    provider = serializers.CharField(help_text="The provider generations go to now: openai or local.")
    quota = UsageQuotaSerializer()
    days = UsageRowSerializer(many=True, help_text="One row per day and feature, newest first.")
    totals = UsageTotalsSerializer()


# --- Reply suggestions ------------------------------------------------------------------------

class ChatMessageSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)

    def get_fields(self):
        fields = super().get_fields()
        # The wire name is `from`, a Python keyword, hence added by name.
        fields["from"] = serializers.ChoiceField(choices=["customer", "seller"], help_text="Who wrote it.")
        return fields


class AutoOrLanguageField(serializers.CharField):
    @staticmethod
    def openapi_schema() -> dict:
        return {"enum": reply_languages()}


class ReplyLanguageMixin:
    def validate_language(self, value):
        value = value.strip().lower()
        if value == "auto":
            return value
        return LanguageField().to_internal_value(value)


class ReplySuggestionsRequestSerializer(ReplyLanguageMixin, serializers.Serializer):
    """The conversation as `messages` (with an optional `product_id`), or one of the seller's chat
    conversations by its id (`conversation`): its recent messages and its product are read."""

    messages = ChatMessageSerializer(many=True, allow_empty=False, max_length=50, required=False,
                                     help_text="The conversation so far, oldest first; at least one message from "
                                               "the customer. Or give `conversation`.")
    product_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                          help_text="Your product the customer asks about (with `messages`).")
    conversation = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                            help_text="One of your chat conversations: its recent messages and its "
                                                      "product are used. Instead of `messages`.")
    language = AutoOrLanguageField(default="auto", max_length=10,
                                   help_text='"auto": the customer\'s language; or an ISO 639 code.')

    def validate_messages(self, value):
        if not any(message["from"] == "customer" for message in value):
            raise serializers.ValidationError("Include at least one message from the customer.")
        return value

    def validate(self, attrs):
        if ("messages" in attrs) == ("conversation" in attrs):
            raise serializers.ValidationError({"messages": ["Give the `messages` or a `conversation`, one of them."]})
        if "conversation" in attrs and "product_id" in attrs:
            raise serializers.ValidationError({"product_id": ["A conversation brings its own product."]})
        return attrs


class ReplySuggestionsQuerySerializer(ReplyLanguageMixin, QuerySerializer):
    language = AutoOrLanguageField(default="auto", max_length=10,
                                   help_text='"auto": the customer\'s language; or an ISO 639 code.')


class ReplySuggestionsResponseSerializer(serializers.Serializer):
    suggestions = serializers.ListField(child=serializers.CharField(), min_length=3, max_length=3)


class RecommendationsQuerySerializer(serializers.Serializer):
    product_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False,
        help_text="A product on sale: its similar and frequently-bought-together products. Without it: products "
                  "for the signed-in shopper, from what they viewed, saved and ordered (popular products for "
                  "anonymous shoppers and shoppers with no history).")
    limit = serializers.IntegerField(min_value=1, max_value=20, default=8, help_text="Products per list.")


class ProductRecommendationsSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    similar = PublicProductSerializer(many=True, help_text="Alternatives to the product, best first.")
    bought_together = PublicProductSerializer(many=True, help_text="Products often bought with it, best first.")


class ShopperRecommendationsSerializer(serializers.Serializer):
    results = PublicProductSerializer(many=True)
    strategy = serializers.ChoiceField(
        choices=["personal", "popular"],
        help_text="`personal`: from the shopper's views, favourites and orders (topped up with popular products); "
                  "`popular`: popular products, for a shopper without history or not signed in.")
