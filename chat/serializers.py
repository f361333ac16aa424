from datetime import timedelta

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.validators import validate_e164
from chat.models import (
    BUYER_METADATA_KEYS,
    MESSAGE_MAX_LENGTH,
    REACTION_MAX_LENGTH,
    SELLER,
    Conversation,
    ConversationStatus,
    Feedback,
    Message,
    MessageReaction,
    MessageType,
    ReplyTemplate,
)
from customers.models import Customer
from orders.models import Order, OrderItem, OrderStatus, Payment, PaymentMethod, PaymentStatus
from orders.serializers import CheckoutSerializer, OrderSerializer
from products.serializers import MAX_ID
from sellflow.filters import QuerySerializer
from sellflow.images import ImageUploadField
from sellflow.platforms import SourceField

MAX_LABELS, LABEL_MAX_LENGTH = 20, 50
STATS_DEFAULT_DAYS, STATS_MAX_DAYS = 30, 366
MESSAGES_PAGE, MESSAGES_PAGE_MAX = 50, 200
SENDABLE_TYPES = [(value, label) for value, label in MessageType.choices
                  if value in (MessageType.TEXT, MessageType.IMAGE, MessageType.PRODUCT, MessageType.ORDER)]


class ProductCardSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    price = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    currency = serializers.CharField(read_only=True)


class OrderCardSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ["id", "order_id", "status", "total_amount", "currency"]
        read_only_fields = fields


class CustomerCardSerializer(serializers.ModelSerializer):
    # Plain strings: a customer known by phone only has an empty email (no `format: email`).
    email = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "name", "email", "phone"]
        read_only_fields = fields


class ChatMessageFrameSerializer(serializers.ModelSerializer):
    """A message as its socket frame carries it (chat.events.message_frame) and the lists show it,
    to one side of the conversation: the context's `side`. Only the seller sees all of `metadata`;
    anyone else (the buyer, and a caller that names no side) sees BUYER_METADATA_KEYS of it."""

    sender = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True,
                                                help_text="The sending user (null for system, assistant and "
                                                          "platform messages).")
    attachment = serializers.ImageField(read_only=True, allow_null=True)
    product = ProductCardSerializer(read_only=True, allow_null=True)
    order = OrderCardSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Message
        fields = ["id", "conversation", "sequence", "sender_type", "sender", "message_type", "content", "attachment",
                  "product", "order", "metadata", "delivery_status", "created_at", "edited_at", "read_at"]
        read_only_fields = fields

    @property
    def for_seller(self) -> bool:
        return self.context.get("side") == SELLER

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not instance.attachment:
            data["attachment"] = None
        if not self.for_seller:
            data["metadata"] = {key: value for key, value in data["metadata"].items() if key in BUYER_METADATA_KEYS}
        return data


class ReactionSerializer(serializers.ModelSerializer):
    class Meta:
        model = MessageReaction
        fields = ["reaction", "user", "created_at"]
        read_only_fields = fields


class ChatMessageSerializer(ChatMessageFrameSerializer):
    reactions = ReactionSerializer(many=True, read_only=True, help_text="Emoji reactions, and for the seller their "
                                                                        "own `helpful`/`not_helpful` feedback.")

    class Meta(ChatMessageFrameSerializer.Meta):
        fields = [*ChatMessageFrameSerializer.Meta.fields, "reactions"]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.for_seller:  # feedback is the seller's, about their AI: the buyer sees emoji only
            data["reactions"] = [reaction for reaction in data["reactions"]
                                 if reaction["reaction"] not in Feedback.values]
        return data


class MessageMetadataSerializer(serializers.Serializer):
    ai_suggestion = serializers.BooleanField(default=False, help_text="The text is (or starts from) one of the AI "
                                                                      "reply suggestions: counted in the chat stats.")


def sent_metadata(body: dict) -> dict | None:
    """What a member's send keeps of its `metadata` (REST and socket alike): the AI suggestion flag, when set."""
    return {"ai_suggestion": True} if body.get("metadata", {}).get("ai_suggestion") else None


class MessageBodySerializer(serializers.Serializer):
    """A message as a member sends it: text, an image (multipart `attachment`), or a card."""

    content = serializers.CharField(max_length=MESSAGE_MAX_LENGTH, required=False, allow_blank=True, default="",
                                    trim_whitespace=True)
    message_type = serializers.ChoiceField(choices=SENDABLE_TYPES, default=MessageType.TEXT)
    attachment = ImageUploadField(required=False, help_text="An image (multipart): JPEG, PNG or WebP, checked and "
                                                            "cleaned as product images are.")
    product = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True,
                                       help_text="The product of a `product` card: one of the seller's.")
    order = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True,
                                     help_text="The order of an `order` card: one between the two members.")
    metadata = MessageMetadataSerializer(required=False, help_text="Optional flags kept with the message.")


class MessageSendSerializer(MessageBodySerializer):
    """The API document's Send Message body."""

    conversation = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class SocketFrameSerializer(serializers.Serializer):
    """An in-frame of the chat socket (chat.consumers) about one of the user's conversations."""

    conversation_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class SocketMessageFrameSerializer(SocketFrameSerializer):
    """`chat_message`: text, or a product or order card (images go through REST)."""

    content = serializers.CharField(max_length=MESSAGE_MAX_LENGTH, required=False, allow_blank=True, default="",
                                    trim_whitespace=True)
    message_type = serializers.ChoiceField(choices=SENDABLE_TYPES, default=MessageType.TEXT)
    product = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)
    order = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)
    metadata = MessageMetadataSerializer(required=False)


class SocketTypingFrameSerializer(SocketFrameSerializer):
    is_typing = serializers.BooleanField(default=True)


class SocketSyncFrameSerializer(SocketFrameSerializer):
    after_sequence = serializers.IntegerField(min_value=0, max_value=MAX_ID)


class ConversationSerializer(serializers.ModelSerializer):
    """A conversation as the context's `user` sees it: the customer card, labels and platform thread
    are the seller's working data, empty for the buyer."""

    customer = serializers.SerializerMethodField(help_text="The seller's customer (null for the buyer).")
    seller_name = serializers.CharField(source="seller.display_name", read_only=True)
    product = ProductCardSerializer(read_only=True, allow_null=True)
    unread_count = serializers.SerializerMethodField(help_text="Messages the requesting user has not read.")

    class Meta:
        model = Conversation
        fields = ["id", "seller", "seller_name", "customer", "buyer", "product", "source", "status", "subject",
                  "last_message_at", "last_message_preview", "unread_count", "seller_unread", "buyer_unread",
                  "labels", "platform_thread_id", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(CustomerCardSerializer(allow_null=True))
    def get_customer(self, conversation: Conversation) -> dict | None:
        if not self.for_seller(conversation) or conversation.customer is None:
            return None
        return CustomerCardSerializer(conversation.customer).data

    def get_unread_count(self, conversation: Conversation) -> int:
        return conversation.seller_unread if self.for_seller(conversation) else conversation.buyer_unread

    def for_seller(self, conversation: Conversation) -> bool:
        user = self.context.get("user")
        return user is not None and conversation.seller_id == user.pk

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.for_seller(instance):
            data["labels"], data["platform_thread_id"] = [], ""
        return data


class ConversationStartSerializer(serializers.Serializer):
    """The API document's Create Conversation body. A seller names the customer (email or phone); a
    buyer names the product they ask about, and its seller is the other member."""

    customer_email = serializers.EmailField(required=False, allow_blank=True, default="")
    customer_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    customer_phone = serializers.CharField(max_length=16, required=False, allow_blank=True, default="",
                                           help_text="E.164 (+233501234567).")
    product = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)
    source = SourceField(default="website", help_text="Where the conversation happens (a buyer's is `website`).")
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate_customer_phone(self, value: str) -> str:
        if value:
            validate_e164(value)
        return value


class ConversationUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ConversationStatus.choices, required=False)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    labels = serializers.ListField(child=serializers.CharField(max_length=LABEL_MAX_LENGTH), max_length=MAX_LABELS,
                                   required=False)

    def validate_labels(self, labels: list[str]) -> list[str]:
        return list(dict.fromkeys(label.strip() for label in labels if label.strip()))


class MessagePageQuerySerializer(QuerySerializer):
    before = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                      help_text="Messages before this sequence (an older page).")
    after = serializers.IntegerField(min_value=0, max_value=MAX_ID, required=False,
                                     help_text="Messages after this sequence (a newer page, or the gap after a "
                                               "reconnect).")
    limit = serializers.IntegerField(min_value=1, max_value=MESSAGES_PAGE_MAX, default=MESSAGES_PAGE)

    def validate(self, attrs):
        if "before" in attrs and "after" in attrs:
            raise serializers.ValidationError({"after": ["Give `before` or `after`, not both."]})
        return attrs


class ReactionBodySerializer(serializers.Serializer):
    reaction = serializers.CharField(max_length=REACTION_MAX_LENGTH,
                                     help_text="An emoji, or `helpful` / `not_helpful` (feedback on an answer).")


# --- chat-to-order ------------------------------------------------------------------------------

class OrderLineSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="One of your products.")
    variant_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True,
                                          default=None, help_text="Required when the product has variants.")
    quantity = serializers.IntegerField(min_value=1, max_value=settings.CART_MAX_QUANTITY)


class ConversationOrderSerializer(CheckoutSerializer):
    """An order the seller builds for the conversation's customer: checkout's shipping and payment
    fields, with the lines named instead of taken from a cart."""

    lines = OrderLineSerializer(many=True, allow_empty=False, max_length=settings.CART_MAX_LINES)
    source = None  # always `chat`
    referral = None
    seller_id = None
    accept_price_changes = None  # today's prices, which the seller sets


class ConversationOrderResultSerializer(serializers.Serializer):
    order = OrderSerializer()
    messages = ChatMessageSerializer(many=True, help_text="What was posted in the conversation: the order's card "
                                                          "and, unless it is cash on delivery, its payment link.")


class PaymentLinkItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderItem
        fields = ["product_name", "variant_name", "quantity", "unit_price", "total"]
        read_only_fields = fields


class PaymentLinkPaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "method", "mobile_money_provider", "status", "amount", "currency"]
        read_only_fields = fields


class PaymentLinkOrderSerializer(serializers.ModelSerializer):
    """What a payment link shows whoever opens it: the order, not who bought it or where it goes."""

    seller_name = serializers.CharField(source="seller.display_name", read_only=True)
    items = PaymentLinkItemSerializer(many=True, read_only=True)
    payment = serializers.SerializerMethodField()
    payable = serializers.SerializerMethodField(help_text="Whether POSTing to this link starts the payment now.")

    class Meta:
        model = Order
        fields = ["order_id", "status", "seller_name", "items", "currency", "subtotal", "shipping_fee",
                  "total_amount", "expires_at", "payment", "payable"]
        read_only_fields = fields

    @extend_schema_field(PaymentLinkPaymentSerializer(allow_null=True))
    def get_payment(self, order: Order) -> dict | None:
        payment = latest_payment(order)
        return PaymentLinkPaymentSerializer(payment).data if payment else None

    def get_payable(self, order: Order) -> bool:
        payment = latest_payment(order)
        return (order.status == OrderStatus.PENDING and payment is not None
                and payment.method != PaymentMethod.CASH_ON_DELIVERY
                and payment.status in (PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.PROCESSING))


def latest_payment(order: Order) -> Payment | None:
    payments = sorted(order.payments.all(), key=lambda payment: payment.pk)
    return payments[-1] if payments else None

class ReplyTemplateSerializer(serializers.ModelSerializer):
    """A canned reply. The body's placeholders are checked by the model's validator: only
    `{{ customer_name }}`, `{{ product_name }}`, `{{ product_price }}` and `{{ order_id }}`."""

    class Meta:
        model = ReplyTemplate
        fields = ["id", "shortcode", "title", "body", "usage_count", "created_at", "updated_at"]
        read_only_fields = ["id", "usage_count", "created_at", "updated_at"]


class TemplateSendSerializer(serializers.Serializer):
    conversation = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="One of your conversations.")


class StatsQuerySerializer(QuerySerializer):
    # "from" is a Python keyword: declared in get_fields.
    to = serializers.DateField(required=False, help_text="The last day (in your profile's `timezone`); today by "
                                                         "default.")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False, help_text=f"The first day; {STATS_DEFAULT_DAYS} days "
                                                                         "before `to` by default.")
        return fields

    def validate(self, attrs):
        last = attrs.get("to") or self.context["today"]
        first = attrs.get("from") or last - timedelta(days=STATS_DEFAULT_DAYS - 1)
        if first > last:
            raise serializers.ValidationError({"from": ["`from` is after `to`."]})
        if (last - first).days >= STATS_MAX_DAYS:
            raise serializers.ValidationError({"from": [f"A period is at most {STATS_MAX_DAYS} days."]})
        return {"from": first, "to": last}


class StatsConversationsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField(), help_text="Every status, 0 included.")
    by_source = serializers.DictField(child=serializers.IntegerField(), help_text="The sources that have some.")


class StatsMessagesSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_side = serializers.DictField(child=serializers.IntegerField(),
                                    help_text="`seller`, `customer` (a buyer account or a platform customer), "
                                              "`system`, `assistant`.")


class StatsFeedbackSerializer(serializers.Serializer):
    helpful = serializers.IntegerField()
    not_helpful = serializers.IntegerField()


class StatsAISuggestionsSerializer(StatsFeedbackSerializer):
    used = serializers.IntegerField(help_text="Your messages sent with `metadata.ai_suggestion: true`.")


class StatsAssistantSerializer(StatsFeedbackSerializer):
    sessions = serializers.IntegerField(help_text="Sessions with your assistant started in the period.")
    answers = serializers.IntegerField(help_text="The assistant's answers in the period.")


class ChatStatsSerializer(serializers.Serializer):
    period = serializers.DictField(child=serializers.DateField(), help_text="`from` and `to`, the days counted.")
    conversations = StatsConversationsSerializer(help_text="Conversations started in the period.")
    messages = StatsMessagesSerializer(help_text="Messages sent in the period.")
    median_first_response_seconds = serializers.IntegerField(
        allow_null=True, help_text="In conversations of the period the customer started: the median time to your "
                                   "first reply (null: none answered).")
    conversations_with_inbound = serializers.IntegerField(help_text="Conversations of the period the customer "
                                                                    "wrote in.")
    conversations_replied = serializers.IntegerField(help_text="...that you answered after their first message.")
    response_rate = serializers.FloatField(allow_null=True, help_text="Replied / with inbound, in percent.")
    ai_suggestions = StatsAISuggestionsSerializer(help_text="AI suggestions used, and the feedback they got.")
    feedback = StatsFeedbackSerializer(help_text="`helpful`/`not_helpful` reactions given in the period.")
    assistant = StatsAssistantSerializer(help_text="Your assistant: sessions, answers and the feedback they got.")


# --- the seller's assistant ---------------------------------------------------------------------

ASSISTANT_LANGUAGES = [("en", "English"), ("fr", "French")]


class TranslatedTextSerializer(serializers.Serializer):
    en = serializers.CharField()
    fr = serializers.CharField()


class StarterTemplateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = TranslatedTextSerializer(source="titles")
    prompt = TranslatedTextSerializer(source="prompts", help_text="What is asked when the template starts a session.")


class StarterTemplateStartSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=ASSISTANT_LANGUAGES, default="en",
                                       help_text="The language of the prompt sent.")


class AssistantSessionSerializer(serializers.Serializer):
    conversation = ConversationSerializer()
    messages = ChatMessageSerializer(many=True, help_text=(
        "Your question, and the assistant's answer when it was asked for within the request; served, the answer "
        "follows on your chat sockets (`assistant_delta`, then `chat_message`) or `GET .../messages/?after=`."))
