from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.serializers import PhoneNumberField
from customers.models import Customer, CustomerHandle, tag_name
from products.serializers import MAX_ID
from sellflow.platforms import PlatformField

MAX_TAGS = 30
# A BCP 47 language tag as people write them: "en", "fr", "tw", "en-GB".
language_tag = RegexValidator(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$", "A language code, e.g. en, fr or en-GB.")


class TagsField(serializers.ListField):
    """The seller's tags for a customer: at most MAX_TAGS, each kept lower-cased, without repeats."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", f"At most {MAX_TAGS}, each up to 50 characters; kept lower-cased, without "
                                       "repeats.")
        super().__init__(child=serializers.CharField(max_length=50), max_length=MAX_TAGS, **kwargs)

    def to_internal_value(self, data):
        return list(dict.fromkeys(tag_name(value) for value in super().to_internal_value(data)))


class CustomerHandleSerializer(serializers.ModelSerializer):
    class Meta:
        model = CustomerHandle
        fields = ["platform", "platform_user_id", "username", "created_at"]
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    """A customer as the seller sees them (built from selectors.seller_customers: no query per row)."""

    # Plain strings in the schema: empty is an answer ("not known"), which `format: email` forbids.
    email = serializers.CharField(read_only=True, help_text="Lower-cased; empty when not known.")
    phone = serializers.CharField(read_only=True, help_text="E.164; empty when not known.")
    buyer = serializers.IntegerField(source="buyer_id", allow_null=True, read_only=True,
                                     help_text="The customer's SellFlow account (a user id), when they have one.")
    tags = serializers.SerializerMethodField()
    handles = CustomerHandleSerializer(many=True, read_only=True,
                                       help_text="Where the customer is on the platforms: their id and username.")
    orders_count = serializers.IntegerField(read_only=True, help_text="Orders placed with you, cancelled ones left "
                                                                      "out.")
    total_spent = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True,
                                           help_text="What their confirmed (and later) orders came to, neither "
                                                     "cancelled nor refunded, in `currency`.")
    currency = serializers.CharField(source="seller.currency", read_only=True, help_text="Your currency.")

    class Meta:
        model = Customer
        fields = ["id", "name", "email", "phone", "buyer", "language", "country", "notes", "tags", "handles",
                  "orders_count", "total_spent", "currency", "first_seen", "last_seen", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, customer) -> list[str]:
        return [tag.name for tag in customer.tags.all()]


class CustomerUpdateSerializer(serializers.Serializer):
    """What the seller may change (every field optional). An email or phone another of the seller's
    customers has is refused (409 `identifier_taken`)."""

    name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True, help_text="Kept lower-cased.")
    phone = PhoneNumberField()
    language = serializers.CharField(max_length=10, required=False, allow_blank=True, validators=[language_tag])
    country = serializers.CharField(max_length=100, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, trim_whitespace=False)
    tags = TagsField(required=False, help_text=f"The customer's whole list of tags (at most {MAX_TAGS}, each up to 50 "
                                               "characters; kept lower-cased, without repeats).")

    def validate_email(self, value: str) -> str:
        return value.lower()


class CustomerCreateSerializer(CustomerUpdateSerializer):
    """A customer the seller enters, found by what identifies them: an email, a phone or a platform
    handle (at least one)."""

    openapi_schema = {"anyOf": [{"required": ["email"]}, {"required": ["phone"]},
                                {"required": ["platform", "platform_user_id"]}]}

    email = serializers.EmailField(required=False, help_text="Kept lower-cased.")
    phone = PhoneNumberField(allow_blank=False)
    platform = PlatformField(required=False, help_text="The platform of the handle.")
    platform_user_id = serializers.CharField(max_length=100, required=False,
                                             help_text="The customer's id on `platform` (what its messages come "
                                                       "from).")
    username = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                     help_text="The customer's username on `platform`.")
    tags = TagsField(required=False)

    def validate(self, data):
        if ("platform" in data) != ("platform_user_id" in data):
            missing = "platform_user_id" if "platform" in data else "platform"
            raise serializers.ValidationError({missing: ["A platform handle needs both platform and "
                                                         "platform_user_id."]})
        if data.get("username") and "platform" not in data:
            raise serializers.ValidationError({"platform": ["A username belongs to a platform: name it."]})
        if not (data.get("email") or data.get("phone") or "platform" in data):
            raise serializers.ValidationError("Give an email, a phone or a platform handle to know the customer by.")
        return data


class CustomerMergeSerializer(serializers.Serializer):
    other = serializers.IntegerField(min_value=1, max_value=MAX_ID,
                                     help_text="Another of your customers (id), folded into this one and deleted.")
