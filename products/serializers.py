from decimal import Decimal

from django.core.files.storage import default_storage
from django.utils.encoding import filepath_to_uri
from rest_framework import serializers

from products.models import Category, HistoryEvent, Product, ProductHistory, ProductImage, ProductStatus, Variant
from sellflow.images import ImageUploadField
from sellflow.money import MAX_PRICE
from sellflow.platforms import SOCIAL_CHOICES, PlatformField

MONEY = {"max_digits": 12, "decimal_places": 2}
MAX_ID = 2**63 - 1
VIEW_COUNT_HELP = ("Views, each client (user, else address) once per PRODUCT_COUNTER_WINDOW_SECONDS; written "
                   "from the cache every minute, so it may lag the latest views by up to a minute.")


class CategoryBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug"]


class CategoryTreeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    icon = serializers.CharField()
    children = serializers.ListField(child=serializers.DictField(), help_text="Categories one level down.")


class ProductImageSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductImage
        fields = ["id", "image", "thumbnail", "alt_text", "position", "is_primary", "width", "height"]
        read_only_fields = ["id", "image", "thumbnail", "width", "height"]


class ProductImageUpdateSerializer(serializers.Serializer):
    alt_text = serializers.CharField(max_length=200, required=False, allow_blank=True)
    position = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    is_primary = serializers.BooleanField(required=False)


class ImageUploadSerializer(serializers.Serializer):
    images = serializers.ListField(child=ImageUploadField(), allow_empty=False, max_length=50)


class VariantSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                  help_text="Send it to update a variant; leave it out to add one.")
    price = serializers.DecimalField(**MONEY, min_value=Decimal("0"), max_value=MAX_PRICE, required=False,
                                     allow_null=True)
    stock_quantity = serializers.IntegerField(min_value=0, max_value=10_000_000, default=0)

    class Meta:
        model = Variant
        fields = ["id", "name", "options", "sku", "price", "stock_quantity"]
        extra_kwargs = {"sku": {"required": False}}

    def validate_options(self, value):
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, (str, int, float)) for k, v in value.items()
        ):
            raise serializers.ValidationError('Options are a flat object, e.g. {"size": "M", "color": "Red"}.')
        return value


class ProductSerializer(serializers.ModelSerializer):
    """A seller's view of their product."""

    tags = serializers.CharField(source="tags_text", help_text='Comma-separated, e.g. "audio,wireless,premium".')
    tag_list = serializers.ListField(child=serializers.CharField())
    in_stock = serializers.BooleanField()
    category_detail = CategoryBriefSerializer(source="category", allow_null=True)
    images = ProductImageSerializer(many=True)
    variants = VariantSerializer(many=True)

    class Meta:
        model = Product
        fields = [
            "id", "name", "slug", "description", "price", "compare_at_price", "currency", "sku", "category",
            "category_detail", "tags", "tag_list", "status", "stock_quantity", "low_stock_threshold", "in_stock",
            "weight", "view_count", "share_count", "images", "variants", "created_at", "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"view_count": {"help_text": VIEW_COUNT_HELP}}


class ProductWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    price = serializers.DecimalField(**MONEY, min_value=Decimal("0"), max_value=MAX_PRICE)
    compare_at_price = serializers.DecimalField(**MONEY, min_value=Decimal("0"), max_value=MAX_PRICE, required=False,
                                                allow_null=True, help_text="Higher than the price.")
    sku = serializers.CharField(max_length=64, required=False, allow_blank=True,
                                help_text="Unique among your products; made up when blank.")
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.filter(is_active=True), required=False, allow_null=True,
        help_text="Id of an active category (GET /api/products/categories/).",
    )
    tags = serializers.CharField(max_length=1000, required=False, allow_blank=True,
                                 help_text='Comma-separated, e.g. "audio,wireless,premium".')
    status = serializers.ChoiceField(choices=ProductStatus.choices, required=False)
    stock_quantity = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False,
                                              help_text="Not for a product sold by variant: set its variants' stock.")
    low_stock_threshold = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    weight = serializers.DecimalField(max_digits=8, decimal_places=3, min_value=Decimal("0"), required=False,
                                      allow_null=True)
    variants = VariantSerializer(many=True, required=False, max_length=100, help_text="JSON requests only.")

    def validate(self, attrs):
        price = attrs.get("price", getattr(self.instance, "price", None))
        compare_at = attrs.get("compare_at_price", getattr(self.instance, "compare_at_price", None))
        if compare_at is not None and price is not None and compare_at <= price:
            raise serializers.ValidationError(
                {"compare_at_price": ["The compare-at price must be higher than the price."]})
        return attrs


class ProductCreateMultipartSerializer(ProductWriteSerializer):
    openapi_form_encoded = True  # its schema says "an empty part" for null (sellflow.schema)

    images = serializers.ListField(child=ImageUploadField(), required=False)


class ProductCreateFormSerializer(ProductCreateMultipartSerializer):
    """A product created with a multipart body, its images as files. Variants are sent in a JSON
    request: a `variants` part is not read."""

    variants = None


def non_zero_delta(value: int) -> None:
    if value == 0:
        raise serializers.ValidationError("A stock adjustment changes the stock: use a non-zero delta.")


non_zero_delta.openapi_schema = {"not": {"enum": [0]}}


class StockAdjustmentSerializer(serializers.Serializer):
    delta = serializers.IntegerField(min_value=-10_000_000, max_value=10_000_000, validators=[non_zero_delta],
                                     help_text="Units to add (positive) or remove (negative); not 0.")
    reason = serializers.CharField(max_length=200)
    variant_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                          help_text="Required for products sold by variant.")


class BulkActionSerializer(serializers.Serializer):
    openapi_schema = {"anyOf": [{"properties": {"action": {"not": {"enum": ["set_status"]}}}},
                                {"required": ["status"]}]}

    ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), allow_empty=False,
                                max_length=500)
    action = serializers.ChoiceField(choices=["set_status", "delete"])
    status = serializers.ChoiceField(choices=ProductStatus.choices, required=False,
                                     help_text="Required when the action is set_status.")

    def validate(self, attrs):
        if attrs["action"] == "set_status" and not attrs.get("status"):
            raise serializers.ValidationError({"status": ["Say which status to set."]})
        return attrs


class BulkResultSerializer(serializers.Serializer):
    action = serializers.CharField()
    updated = serializers.ListField(child=serializers.IntegerField())
    not_found = serializers.ListField(child=serializers.IntegerField(), help_text="Ids that are not yours or gone.")


class HistoryActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()


class ProductHistorySerializer(serializers.ModelSerializer):
    actor = HistoryActorSerializer(allow_null=True)
    event = serializers.ChoiceField(choices=HistoryEvent.choices)

    class Meta:
        model = ProductHistory
        fields = ["id", "event", "changes", "snapshot", "reason", "actor", "created_at"]
        read_only_fields = fields


class TagCountSerializer(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()


# --- Public (buyers) --------------------------------------------------------------------------

class MediaURLField(serializers.URLField):
    """A stored file's absolute URL (null when there is none), as products.selectors.PublicRows gives it."""

    def to_representation(self, value):
        if not value:
            return None
        return self.context["request"].build_absolute_uri(default_storage.base_url) + filepath_to_uri(value.name)


class InStockField(serializers.BooleanField):
    """Whether buyers can take some units of the product or variant now: on hand less what orders
    hold (the context's `held`, a products.holds.HeldUnits)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    def to_representation(self, value):
        held = self.context["held"]
        return (held.available_variant(value) if isinstance(value, Variant) else held.available(value)) > 0


class AvailableStockField(serializers.IntegerField):
    """Units buyers can take now: on hand less what orders hold (the context's `held`)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    def to_representation(self, value):
        return self.context["held"].available(value)


class VariantPriceField(serializers.DecimalField):
    """The variant's own price, else its product's."""

    def __init__(self, **kwargs):
        super().__init__(**MONEY, source="*", **kwargs)

    def to_representation(self, value):
        return super().to_representation(value.price if value.price is not None else value.product.price)


# The public serializers document the public rows and are their reference: the views build the same
# JSON from values (products.selectors.PublicRows) without them, for speed; a test holds the two equal.
# To serialize instances (public_products(), variants prefetched), give the context `request` and
# `held` (products.holds.held_units of the products).

class PublicSellerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    company_name = serializers.CharField()
    city = serializers.CharField()
    avatar = MediaURLField(allow_null=True)


class PublicImageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    image = MediaURLField()
    thumbnail = MediaURLField(allow_null=True)
    alt_text = serializers.CharField()
    is_primary = serializers.BooleanField()


class PublicVariantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    options = serializers.DictField()
    price = VariantPriceField()
    in_stock = InStockField()


class PublicProductSerializer(serializers.Serializer):
    """A product on sale, as the public listings show it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    price = serializers.DecimalField(**MONEY)
    compare_at_price = serializers.DecimalField(**MONEY, allow_null=True)
    currency = serializers.CharField()
    in_stock = InStockField()
    category = CategoryBriefSerializer(allow_null=True)
    tag_list = serializers.ListField(child=serializers.CharField())
    images = PublicImageSerializer(many=True)
    seller = PublicSellerSerializer()
    created_at = serializers.DateTimeField()


class PublicProductDetailSerializer(PublicProductSerializer):
    description = serializers.CharField()
    stock_quantity = AvailableStockField()
    view_count = serializers.IntegerField(help_text=VIEW_COUNT_HELP)
    share_count = serializers.IntegerField()
    variants = PublicVariantSerializer(many=True)


class VendorSerializer(PublicSellerSerializer):
    bio = serializers.CharField()
    country = serializers.CharField()
    product_count = serializers.IntegerField()


class VendorPageSerializer(serializers.Serializer):
    vendor = VendorSerializer()
    products = PublicProductSerializer(many=True)


class VendorQuerySerializer(serializers.Serializer):
    search = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                   help_text="Words in the vendor's products, read as the catalog search reads them "
                                             "(empty: no search, as on every list).")


class SuggestQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, help_text='What the shopper has typed so far, e.g. "pho".')


class SuggestionSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["category", "product", "tag"])
    text = serializers.CharField(help_text="What to show, and to search for when chosen.")
    id = serializers.IntegerField(allow_null=True, help_text="The category or product; null for a tag.")
    slug = serializers.CharField(allow_null=True)


class SuggestResponseSerializer(serializers.Serializer):
    query = serializers.CharField()
    suggestions = SuggestionSerializer(many=True, help_text="At most 8: categories, then products, then tags.")


SHARE_PLATFORMS = [*SOCIAL_CHOICES, ("copy", "Copy the link")]


class ShareRequestSerializer(serializers.Serializer):
    platform = PlatformField(choices=SHARE_PLATFORMS,
                             help_text="Where the product is shared: the link's utm_source.")


class ShareLinksSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="The product page with UTM parameters, to copy.")
    facebook = serializers.URLField()
    twitter = serializers.URLField(help_text="X's post composer.")
    whatsapp = serializers.URLField()
    share_count = serializers.IntegerField()


class CatalogImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV, UTF-8, with a header row (see the export for the columns).")
    dry_run = serializers.BooleanField(default=False, help_text="Validate and report without saving anything.")

    def get_fields(self):
        # "async" is a Python keyword: it cannot be declared in the class body.
        fields = super().get_fields()
        fields["async"] = serializers.BooleanField(
            default=False,
            help_text="Run in the background: answers 202 with a job to poll (also `Prefer: respond-async`).",
        )
        return fields

    def validate_file(self, upload):
        if upload.size > 5 * 1024 * 1024:
            raise serializers.ValidationError("The file is larger than 5 MB.")
        return upload


class ImportRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Line in the file (the header is line 1).")
    sku = serializers.CharField()
    name = serializers.CharField()
    action = serializers.ChoiceField(choices=["created", "updated", "rejected"])
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ImportReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    rejected = serializers.IntegerField()
    rows = ImportRowSerializer(many=True)


class CatalogImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["pending", "running", "done", "failed"])
    dry_run = serializers.BooleanField()
    report = ImportReportSerializer(allow_null=True)
    error = serializers.CharField()
    url = serializers.CharField(help_text="Where to poll this job.")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
