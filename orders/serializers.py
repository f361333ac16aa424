from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.serializers import PhoneNumberField
from orders.mobile_money import PROVIDER_CHOICES, canonical_provider
from orders.models import (
    Order,
    OrderEvent,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentMethod,
    Refund,
)
from sellflow.platforms import Platform, SourceField

MONEY = {"max_digits": 12, "decimal_places": 2}
# A sum of cart lines, shown whatever its size: checkout refuses an order too large to store.
CART_SUM = {"max_digits": None, "decimal_places": 2}
MAX_ID = 2**63 - 1


# --- Cart -------------------------------------------------------------------------------------

class CartAddItemSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The product to add.")
    variant_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True,
                                         help_text="Required when the product has variants: which one.")
    quantity = serializers.IntegerField(min_value=1, max_value=10_000, default=1,
                                        help_text="Units to add; a line already in the cart grows by them.")


class CartUpdateItemSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=10_000, help_text="The line's new quantity.")


class CartLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The line's id (`item_id` of update_item and remove_item).")
    product = serializers.IntegerField(allow_null=True, help_text="Null once the seller deleted the product for good.")
    variant = serializers.IntegerField(allow_null=True, help_text="The variant's id; null for a product without.")
    product_name = serializers.CharField(help_text="Today's name; the name when added once the product is gone.")
    variant_name = serializers.CharField(help_text="Empty for a product without variants.")
    image = serializers.URLField(allow_null=True,
                                 help_text="The product's main image (its thumbnail when it has one); null without.")
    price = serializers.DecimalField(**MONEY, help_text="The unit price now.")
    price_when_added = serializers.DecimalField(**MONEY, help_text="The unit price the buyer saw when adding it.")
    currency = serializers.CharField(allow_null=True,
                                     help_text="ISO 4217 code of the product's price; null once it is deleted.")
    quantity = serializers.IntegerField(help_text="Units of this line.")
    total = serializers.DecimalField(**CART_SUM, help_text="`price` times `quantity`.")
    available = serializers.BooleanField(
        help_text="The line can be checked out (at `price`): it counts towards the cart's totals.")
    available_quantity = serializers.IntegerField(help_text="Units buyers can still take.")
    price_changed = serializers.BooleanField(help_text="`price` differs from `price_when_added`.")
    issue = serializers.ChoiceField(
        choices=["deleted", "unavailable", "out_of_stock", "insufficient_stock", "price_changed"], allow_null=True,
        help_text="What changed since the line was added; null when nothing did. Only a line with no issue or "
                  "`price_changed` can be ordered.",
    )


class CartSellerSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The seller's user id (`seller_id` of checkout).")
    name = serializers.CharField(help_text="The seller's shop or display name.")


class CartGroupSerializer(serializers.Serializer):
    seller = CartSellerSerializer(allow_null=True, help_text="Null when the seller's account was deleted.")
    items = serializers.ListField(child=serializers.IntegerField(), help_text="Ids of this seller's lines.")
    currency = serializers.CharField(
        allow_null=True, help_text="Currency of this seller's orderable lines; null when there are none, or when "
                                   "they are priced in several (such a group cannot be checked out as is).")
    subtotal = serializers.DecimalField(
        **CART_SUM, allow_null=True,
        help_text="Lines that can be checked out; null when they are priced in several currencies.")
    shipping_fee = serializers.DecimalField(
        **MONEY, allow_null=True,
        help_text="What this seller charges to ship the subtotal: 0.00 when nothing is orderable, or from their "
                  "free-shipping threshold; null when the lines are priced in several currencies.")


class CartCurrencyTotalSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="ISO 4217 code.")
    total = serializers.DecimalField(**CART_SUM, help_text="Sum of the orderable lines priced in this currency.")
    shipping_total = serializers.DecimalField(
        **CART_SUM, help_text="Shipping fees of the sellers whose orderable lines are all in this currency.")
    grand_total = serializers.DecimalField(**CART_SUM, help_text="`total` plus `shipping_total`.")
    line_count = serializers.IntegerField(help_text="Orderable lines priced in this currency.")
    item_count = serializers.IntegerField(help_text="Units of those lines.")


MAIN_CURRENCY_RULE = (
    "The cart's main currency is the one of the most orderable lines; on a tie, of the most units of them; then "
    "the first ISO code in alphabetical order. With nothing orderable (an empty cart too) it is the buyer's currency."
)


class CartSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The cart's id.")
    items = CartLineSerializer(many=True, help_text="Every line, orderable or not, oldest first.")
    groups = CartGroupSerializer(many=True, help_text="One per seller: each seller's lines are one order.")
    currency = serializers.CharField(help_text=f"The main currency, which `total`, `shipping_total` and "
                                               f"`grand_total` are in. {MAIN_CURRENCY_RULE}")
    total = serializers.DecimalField(
        **CART_SUM, help_text="Sum of the orderable lines' totals in the main currency, shipping excluded "
                              "(lines with an issue other than `price_changed` are left out). Never null: "
                              "\"0.00\" when nothing is orderable.")
    shipping_total = serializers.DecimalField(
        **CART_SUM, help_text="Shipping fees the sellers will charge in the main currency, one per seller group.")
    grand_total = serializers.DecimalField(
        **CART_SUM, help_text="`total` plus `shipping_total`: what ordering every orderable line in the main "
                              "currency costs (each seller's order is paid on its own).")
    totals = CartCurrencyTotalSerializer(
        many=True, help_text="Each currency the orderable lines are priced in, with its sums, ranked as `currency` "
                             "says (the main currency first); empty when nothing is orderable.")
    item_count = serializers.IntegerField(help_text="Units of every line, orderable or not.")


# --- Checkout ---------------------------------------------------------------------------------

class MobileMoneyProviderField(serializers.ChoiceField):
    """A wallet's network as a client names it; `vodafone` (the API document's word, Telecel's
    name until 2024) is stored as `telecel`."""

    def __init__(self, **kwargs):
        super().__init__(choices=PROVIDER_CHOICES, **kwargs)

    def to_internal_value(self, data):
        return canonical_provider(super().to_internal_value(data))


class CheckoutSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=150)
    phone = PhoneNumberField(required=True, allow_blank=False)
    address_line1 = serializers.CharField(max_length=200)
    address_line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    state = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    country = serializers.CharField(max_length=100)
    delivery_instructions = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    buyer_note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    mobile_money_provider = MobileMoneyProviderField(
        required=False,
        help_text="The wallet's network, for mobile money. When omitted it is told from the wallet number (Ghana's "
                  "MTN, Telecel and AirtelTigo codes); a number that does not tell is asked about when the payment "
                  "is processed (400 `provider_required`). `vodafone` is taken as `telecel`.")
    wallet_number = PhoneNumberField(help_text="Mobile money wallet; the phone above when omitted.")
    source = SourceField(default=Platform.DIRECT, help_text="Where the buyer found the product.")
    referral = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", trim_whitespace=True,
        help_text="The `sf_ref` value of the product page's URL when the buyer came through a social post's "
                  "link (the same value is kept in the `sf_ref` cookie, read when this is omitted). Within the "
                  "attribution window, the order is credited to that post and its platform becomes the `source`; "
                  "a value expired, altered or of another seller's post is ignored.")
    seller_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                         help_text="Whose lines to order, when the cart holds several sellers'.")
    accept_price_changes = serializers.BooleanField(
        default=False, help_text="Order lines whose price changed since they were added, at today's price.",
    )

    def validate(self, attrs):
        if attrs["payment_method"] == PaymentMethod.MOBILE_MONEY:
            attrs["wallet_number"] = attrs.get("wallet_number") or attrs["phone"]
        else:
            attrs.pop("mobile_money_provider", None)
            attrs.pop("wallet_number", None)
        return attrs


# --- Orders -----------------------------------------------------------------------------------

class OrderItemSerializer(serializers.ModelSerializer):
    image = serializers.SerializerMethodField()

    class Meta:
        model = OrderItem
        fields = ["id", "product", "variant", "product_name", "variant_name", "sku", "image", "unit_price",
                  "quantity", "total"]

    def get_image(self, item) -> str | None:
        if not item.image:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(item.image) if request else item.image


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "method", "mobile_money_provider", "gateway", "reference", "transaction_id", "amount",
                  "currency", "status", "amount_paid", "amount_refunded", "failure_reason", "paid_at", "created_at"]


class OrderEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    from_status = serializers.CharField(help_text="Empty for the order's creation.")

    class Meta:
        model = OrderEvent
        fields = ["from_status", "to_status", "actor", "note", "created_at"]

    def get_actor(self, event) -> str:
        if event.actor_id is None:
            return "system"
        order = event.order
        if event.actor_id == order.buyer_id:
            return "buyer"
        return "seller" if event.actor_id == order.seller_id else "staff"


class ShippingAddressSerializer(serializers.Serializer):
    full_name = serializers.CharField()
    phone = serializers.CharField()
    address_line1 = serializers.CharField()
    address_line2 = serializers.CharField()
    city = serializers.CharField()
    state = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField()
    delivery_instructions = serializers.CharField()


class PartySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class AttributionSerializer(serializers.Serializer):
    post_id = serializers.IntegerField(source="referral_post_id", allow_null=True,
                                       help_text="The social post (which may have been deleted since).")
    click_id = serializers.IntegerField(source="referral_click_id")
    clicked_at = serializers.DateTimeField(source="referred_at")


class OrderSerializer(serializers.ModelSerializer):
    items = OrderItemSerializer(many=True)
    payments = PaymentSerializer(many=True)
    timeline = OrderEventSerializer(many=True, source="events")
    shipping_address = serializers.SerializerMethodField()
    buyer = PartySerializer(allow_null=True, help_text="Null for a guest order: placed by the seller in a "
                                                       "conversation for a customer without an account.")
    seller = PartySerializer()
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    attribution = serializers.SerializerMethodField(
        help_text="The social post whose link brought the buyer, within the attribution window (its platform "
                  "is the `source`); null otherwise.")

    class Meta:
        model = Order
        fields = [
            "id", "order_id", "status", "source", "attribution", "payment_method", "currency", "subtotal",
            "shipping_fee", "total_amount", "buyer", "seller", "items", "shipping_address", "buyer_note", "payments",
            "expires_at", "cancel_reason", "cancel_note", "carrier", "tracking_number", "timeline", "created_at",
            "updated_at", "confirmed_at", "shipped_at", "delivered_at", "cancelled_at",
        ]

    @extend_schema_field(AttributionSerializer(allow_null=True))
    def get_attribution(self, order):
        return AttributionSerializer(order).data if order.referral_click_id else None

    @extend_schema_field(ShippingAddressSerializer)
    def get_shipping_address(self, order):
        return ShippingAddressSerializer(order).data


class ShipSerializer(serializers.Serializer):
    carrier = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    tracking_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="",
                                   help_text="Why, in a sentence the other side will read.")


class RefundRequestSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"), required=False,
                                      help_text="Part of what was paid; all that is left to refund when omitted.")
    reason = serializers.CharField(max_length=500)
    restock = serializers.BooleanField(default=False, help_text="Put the sold units back on sale.")


class RefundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = ["id", "amount", "reason", "restock", "automatic", "status", "refund_id", "created_at"]


class RefundResponseSerializer(serializers.Serializer):
    refund = RefundSerializer()
    order = OrderSerializer()


class NextActionSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="`approve_on_phone`: the buyer approves a mobile-money prompt.")
    message = serializers.CharField()


class ProcessPaymentSerializer(serializers.Serializer):
    mobile_money_provider = MobileMoneyProviderField(
        required=False,
        help_text="Mobile money: the wallet's network, when its number did not tell it (400 `provider_required`) or "
                  "to correct it (a number moved to another network). Used from the next try sent to the provider "
                  "on; a try already waiting on the buyer's phone keeps its own. Other methods ignore it.")


class PaymentProcessSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["completed", "pending", "failed", "flagged", "refunded",
                                              "partially_refunded"])
    transaction_id = serializers.CharField(allow_blank=True)
    payment_id = serializers.IntegerField()
    order_status = serializers.CharField()
    authorization_url = serializers.URLField(required=False, help_text="Send the buyer here to pay.")
    next_action = NextActionSerializer(required=False)
    error = serializers.CharField(required=False, help_text="Why the payment failed.")


class WebhookAckSerializer(serializers.Serializer):
    received = serializers.BooleanField()
    outcome = serializers.CharField()
