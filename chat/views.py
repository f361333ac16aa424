from zoneinfo import ZoneInfo

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from ai import serializers as ai_serializers
from ai.services import replies
from chat import answering, assistant, selectors, stats
from chat import serializers as s
from chat.errors import ConversationArchived, InvalidMessage, PaymentLinkNotFound
from chat.filters import ConversationFilter
from chat.models import TEMPLATE_PLACEHOLDERS, Conversation, ConversationStatus, ReplyTemplate
from chat.paylinks import payment_link_claims, payment_link_order
from chat.serializers import ConversationOrderResultSerializer, ConversationOrderSerializer
from chat.services.conversations import (
    conversation_archive,
    conversation_read,
    conversation_side,
    conversation_start,
    conversation_update,
)
from chat.services.messages import Draft, message_cards, message_image_prepare, message_send
from chat.services.orders import conversation_order
from chat.services.reactions import message_react, message_unreact
from chat.services.templates import template_create, template_delete, template_send, template_update
from customers.models import Customer
from orders.models import Order
from orders.selectors import orders_of
from orders.serializers import OrderSerializer, PaymentProcessSerializer, ProcessPaymentSerializer
from orders.services import payments as payment_services
from orders.services.stock import Line
from sellflow.filters import FilterBackend
from sellflow.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from sellflow.images import Uploader
from sellflow.parsers import JSONParser
from sellflow.permissions import IsSeller
from sellflow.platforms import Platform
from sellflow.schema import error_responses
from sellflow.throttling import (
    PAYMENT_LINK_THROTTLES,
    UPLOAD_THROTTLES,
    AIGenerateThrottle,
    ChatSendThrottle,
    ChatStartThrottle,
    with_default_throttles,
)

TAGS = ["chat"]


class MemberConversationsMixin:
    def own_conversations(self):
        if getattr(self, "swagger_fake_view", False):
            return Conversation.objects.none()
        return selectors.user_conversations(self.request.user)

    def own_conversation(self, pk: int) -> Conversation:
        return get_object_or_404(self.own_conversations(), pk=pk)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "user": self.request.user}

    def messages_context(self, conversation: Conversation) -> dict:
        """Messages are shown as the requesting member's side sees them (chat.serializers)."""
        return {"request": self.request, "side": conversation_side(conversation, self.request.user)}


def draft_from(request, data: dict, conversation: Conversation) -> Draft:
    """The sent body as a draft: its card's product or order fetched (a missing one is refused as
    the service refuses a foreign one), its image checked and cleaned before any transaction."""
    product, order = message_cards(conversation=conversation, product_id=data.get("product"),
                                   order_id=data.get("order"))
    attachment = None
    if data.get("attachment") is not None:
        attachment = message_image_prepare(uploader=Uploader.of(request), upload=data["attachment"])
    return Draft(content=data["content"], message_type=data["message_type"], attachment=attachment,
                 product=product, order=order, metadata=s.sent_metadata(data))


SEND_ERRORS = error_responses(
    400, 403, 404, 409, 413, 429, 502,
    s403="The assistant is switched off in your profile (`ai_disabled`).",
    s502="The AI provider failed to answer the assistant's question (`provider_error`); your message is kept.",
    s400="Invalid body: empty text, too long, a card without (or with a foreign) product or order, a type members "
         "cannot send, anything but text to the assistant (`invalid`), or an unreadable image (`invalid_image`).",
    s404="No such conversation of yours.",
    s409="The conversation is archived (`conversation_closed`), or the Idempotency-Key is in use "
         "(`request_in_progress`, `idempotency_key_reused`).",
    s413="An image larger than the byte limit (`too_large`).",
    s429="Too many messages or images (`throttled`, `quota_exceeded`); see `Retry-After`.")
SEND_DESCRIPTION = (
    "Sends a message as the conversation's seller or buyer. JSON, or multipart with an image `attachment`. It gets "
    "the conversation's next `sequence`; both members' chat sockets receive it as a `chat_message` frame after "
    "commit, and the other side is notified once while the conversation stays unread. The README's path "
    "`POST /api/chat/conversations/{id}/messages/` takes the same body without `conversation`. In a session with "
    "your assistant (`source: assistant`), this answers with your question once it is stored (the AI app's "
    "`ai_assistant_enabled` switch and quota apply first: 403 `ai_disabled`, 429 `quota_exceeded`), and the "
    "answer is asked for in the background: your sockets get it as `assistant_delta` frames, then its "
    "`chat_message`, and the messages list has it after yours; a failure reaches your sockets as an `error` frame "
    "with the `conversation_id` (`provider_error`, `unavailable`), the question left unanswered. (Where no "
    "server loop runs, as under a test client, the answer is asked for within the request: 502 "
    "`provider_error` on failure.)")


@extend_schema_view(
    get=extend_schema(tags=TAGS, summary="My conversations",
                      description="As the seller or the buyer. Unread first (by your own side's count), then the "
                                  "latest message first. Archived ones only with `?status=archived`."),
    post=extend_schema(
        tags=TAGS, summary="Start a conversation", request=s.ConversationStartSerializer,
        description="A seller names the customer by `customer_email` or `customer_phone` (matched to their "
                    "customers, or a new one) and may name one of their products (buyer accounts are refused, 403). "
                    "Without a customer, the body names the `product` asked about (one on sale, not your own): its "
                    "seller is the other member and the source is `website`. An open conversation of the same "
                    "customer about the same product (and source) is answered (200) instead of a second one. A new one "
                    "reaches both members' chat sockets as a `conversation` frame.",
        responses={201: s.ConversationSerializer,
                   200: OpenApiResponse(s.ConversationSerializer, description="The open conversation found again."),
                   **error_responses(400, 403, 404, s400="Invalid body, or neither a customer email or phone nor "
                                                         "a product (`invalid`).",
                                     s403="A buyer account naming a customer.",
                                     s404="No such product of yours, or on sale.")}),
)
class ConversationListCreateView(MemberConversationsMixin, generics.ListCreateAPIView):
    serializer_class = s.ConversationSerializer
    throttle_classes = with_default_throttles(ChatStartThrottle)
    filter_backends = [FilterBackend]
    filterset_class = ConversationFilter

    def get_queryset(self):
        conversations = self.own_conversations()
        if "status" not in self.request.query_params:
            conversations = conversations.exclude(status=ConversationStatus.ARCHIVED)
        return conversations

    def create(self, request, *args, **kwargs):
        body = s.ConversationStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        product_id = data.pop("product", None)
        if data["source"] == Platform.ASSISTANT:
            if not request.user.is_seller:
                raise PermissionDenied("Only seller accounts have an assistant.")
            conversation = assistant.assistant_session_start(seller=request.user, subject=data["subject"])
            return Response(s.ConversationSerializer(self.own_conversation(conversation.pk),
                                                     context=self.get_serializer_context()).data,
                            status=status.HTTP_201_CREATED)
        conversation, created = conversation_start(user=request.user, product_id=product_id, **data)
        conversation = self.own_conversation(conversation.pk)
        return Response(s.ConversationSerializer(conversation, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema_view(get=extend_schema(
    tags=TAGS, summary="A customer's conversations with me",
    description="Every conversation with one of your customers, archived ones included (`?status=` and the "
                "other filters of `GET /api/chat/conversations/` narrow it), unread first then the latest message "
                "first, in that list's body. Sellers only; another seller's customer is 404."))
class CustomerConversationListView(MemberConversationsMixin, generics.ListAPIView):
    serializer_class = s.ConversationSerializer
    permission_classes = [IsSeller]
    filter_backends = [FilterBackend]
    filterset_class = ConversationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Conversation.objects.none()
        customer = get_object_or_404(Customer.objects.filter(seller=self.request.user), pk=self.kwargs["pk"])
        return self.own_conversations().filter(seller=self.request.user, customer=customer)


class ConversationDetailView(MemberConversationsMixin, APIView):
    @extend_schema(tags=TAGS, summary="One conversation", responses={200: s.ConversationSerializer,
                                                                     **error_responses(404)})
    def get(self, request, pk):
        return Response(s.ConversationSerializer(self.own_conversation(pk), context={"user": request.user}).data)

    @extend_schema(tags=TAGS, summary="File a conversation (status, subject, labels)",
                   request=s.ConversationUpdateSerializer,
                   description="The seller's: a buyer is refused (403). Both members' chat sockets get the "
                               "conversation as a `conversation` frame.",
                   responses={200: s.ConversationSerializer, **error_responses(400, 403, 404)})
    def patch(self, request, pk):
        conversation = self.own_conversation(pk)
        seller_only(request, conversation)
        body = s.ConversationUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        conversation_update(conversation=conversation, user=request.user, changes=body.validated_data)
        return Response(s.ConversationSerializer(self.own_conversation(pk), context={"user": request.user}).data)


def seller_only(request, conversation: Conversation) -> None:
    if conversation.seller_id != request.user.pk:
        raise PermissionDenied("Only the conversation's seller can do this.")


class ConversationArchiveView(MemberConversationsMixin, APIView):
    @extend_schema(tags=TAGS, summary="Archive a conversation", request=None,
                   description="The seller's: a buyer is refused (403). Unarchive by PATCHing another status. Both "
                               "members' chat sockets get a `conversation` frame.",
                   responses={200: s.ConversationSerializer, **error_responses(403, 404)})
    def post(self, request, pk):
        conversation = self.own_conversation(pk)
        seller_only(request, conversation)
        conversation_archive(conversation=conversation, user=request.user)
        return Response(s.ConversationSerializer(self.own_conversation(pk), context={"user": request.user}).data)


class ConversationReadView(MemberConversationsMixin, APIView):
    throttle_classes = with_default_throttles(ChatSendThrottle)

    @extend_schema(tags=TAGS, summary="Mark a conversation read", request=None,
                   description="Your side's unread count becomes 0 and the other side's messages carry `read_at`; "
                               "both members' chat sockets get a `read` frame. Counted with your messages "
                               "(`THROTTLE_CHAT_SEND_RATE`).",
                   responses={200: s.ConversationSerializer, **error_responses(404)})
    def post(self, request, pk):
        conversation = self.own_conversation(pk)
        conversation_read(conversation=conversation, user=request.user)
        return Response(s.ConversationSerializer(self.own_conversation(pk), context={"user": request.user}).data)


class ConversationAISuggestionsView(MemberConversationsMixin, APIView):
    throttle_classes = with_default_throttles(AIGenerateThrottle)

    @extend_schema(tags=TAGS, summary="Three replies the seller could send next",
                   parameters=[ai_serializers.ReplySuggestionsQuerySerializer],
                   description="From the conversation's last messages and its product, through the AI app: your "
                               "`ai_replies_enabled` switch, the AI quota and usage apply. The seller's: the buyer "
                               "is refused (403). `POST /api/ai/chat/suggestions/` with `{\"conversation\": id}` "
                               "answers the same.",
                   responses={200: ai_serializers.ReplySuggestionsResponseSerializer, **error_responses(
                       400, 403, 404, 429, 502,
                       s400="The customer has not written yet (`invalid`), or the language is not supported "
                            "(`language_unsupported`).",
                       s403="Not the conversation's seller, or reply suggestions are switched off (`ai_disabled`).",
                       s404="No such conversation of yours.",
                       s429="Too many requests (`throttled`) or the AI quota is spent (`quota_exceeded`).",
                       s502="The AI provider failed (`provider_error`).")})
    def get(self, request, pk):
        conversation = self.own_conversation(pk)
        seller_only(request, conversation)
        query = ai_serializers.ReplySuggestionsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        suggestions = replies.conversation_reply_suggestions(
            user=request.user, conversation=selectors.conversation_reply_context(conversation),
            language=query.validated_data["language"])
        return Response({"suggestions": suggestions})


class MessageSendMixin(MemberConversationsMixin):
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    throttle_classes = with_default_throttles(ChatSendThrottle, *UPLOAD_THROTTLES)

    def send(self, request, conversation: Conversation, data: dict) -> Response:
        if data.get("attachment") is not None:  # refused before the image is paid for
            if conversation.is_archived:
                raise ConversationArchived()
            if conversation.is_assistant:
                raise InvalidMessage("The assistant reads text only.", details={"message_type": ["Send text."]})
        draft = draft_from(request, data, conversation)
        if conversation.is_assistant:
            message = assistant.assistant_question(conversation=conversation, seller=request.user, draft=draft)
            answering.answer_now_or_later(conversation=conversation, seller=request.user, question=message)
        else:
            message = message_send(conversation=conversation, sender=request.user, draft=draft)
        message = selectors.conversation_messages(conversation).get(pk=message.pk)
        return Response(s.ChatMessageSerializer(message, context=self.messages_context(conversation)).data,
                        status=status.HTTP_201_CREATED)


class MessageSendView(MessageSendMixin, APIView):
    @extend_schema(tags=TAGS, summary="Send a message", request={"application/json": s.MessageSendSerializer,
                                                                 "multipart/form-data": s.MessageSendSerializer},
                   parameters=[IDEMPOTENCY_PARAMETER], description=SEND_DESCRIPTION,
                   responses={201: s.ChatMessageSerializer, **SEND_ERRORS})
    @idempotent
    def post(self, request):
        body = s.MessageSendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        conversation = self.own_conversation(body.validated_data["conversation"])
        return self.send(request, conversation, body.validated_data)


@extend_schema_view(post=extend_schema(exclude=True))  # the README's path for POST /api/chat/messages/
class ConversationMessagesView(MessageSendMixin, APIView):
    @extend_schema(tags=TAGS, summary="A conversation's messages",
                   parameters=[s.MessagePageQuerySerializer],
                   description="In sequence order. Without a cursor, the newest page; `?before=<sequence>` the page "
                               "before it, `?after=<sequence>` the messages after it (oldest first: the gap after a "
                               "reconnect).",
                   responses={200: OpenApiResponse(s.ChatMessageSerializer(many=True), description=(
                       "The page. `X-Total-Count`: the conversation's messages; `Link`: `rel=\"prev\"` (older, "
                       "`?before=`) and `rel=\"next\"` (newer, `?after=`) when there are.")),
                       **error_responses(400, 404)})
    def get(self, request, pk):
        conversation = self.own_conversation(pk)
        query = s.MessagePageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = selectors.message_page(conversation, before=query.validated_data.get("before"),
                                      after=query.validated_data.get("after"), limit=query.validated_data["limit"])
        headers = {"X-Total-Count": str(selectors.conversation_messages(conversation).count())}
        links = page_links(request, page, conversation)
        if links:
            headers["Link"] = ", ".join(f'<{href}>; rel="{rel}"' for href, rel in links)
        body = s.ChatMessageSerializer(page, many=True, context=self.messages_context(conversation)).data
        return Response(body, headers=headers)

    @idempotent
    def post(self, request, pk):
        conversation = self.own_conversation(pk)
        body = s.MessageBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.send(request, conversation, body.validated_data)


def page_links(request, page: list, conversation: Conversation) -> list[tuple[str, str]]:
    """Older messages exist before a page that does not start at 1; newer ones after a page that
    does not end at the conversation's last sequence (sequences start at 1, without gaps)."""
    if not page:
        return []
    url = request.build_absolute_uri()
    links = []
    if page[0].sequence > 1:
        older = replace_query_param(url, "before", page[0].sequence)
        links.append((remove_query_param(older, "after"), "prev"))
    if page[-1].sequence < conversation.last_sequence:
        newer = replace_query_param(url, "after", page[-1].sequence)
        links.append((remove_query_param(newer, "before"), "next"))
    return links


class MessageReactView(APIView):
    throttle_classes = with_default_throttles(ChatSendThrottle)

    def own_message(self, pk: int):
        return get_object_or_404(selectors.user_messages(self.request.user), pk=pk)

    @extend_schema(tags=TAGS, summary="React to a message", request=s.ReactionBodySerializer,
                   description="An emoji, or (the seller, on an assistant's answer or a reply sent from an AI "
                               "suggestion) `helpful` / `not_helpful` as feedback. Once per user and reaction; "
                               "both members' chat sockets get an emoji's `reaction` frame, the seller's only "
                               "feedback's. Counted with your messages (`THROTTLE_CHAT_SEND_RATE`).",
                   responses={201: s.ReactionSerializer,
                              200: OpenApiResponse(s.ReactionSerializer, description="Already reacted so."),
                              **error_responses(400, 404)})
    def post(self, request, pk):
        message = self.own_message(pk)
        body = s.ReactionBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reaction, created = message_react(message=message, user=request.user,
                                          reaction=body.validated_data["reaction"])
        return Response(s.ReactionSerializer(reaction).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(tags=TAGS, summary="Take a reaction back",
                   parameters=[OpenApiParameter("reaction", str, OpenApiParameter.QUERY, required=True,
                                                description="The reaction to take back.")],
                   responses={204: None, **error_responses(400, 404, s404="No such message of yours, or no such "
                                                                          "reaction of yours on it.")})
    def delete(self, request, pk):
        message = self.own_message(pk)
        body = s.ReactionBodySerializer(data={"reaction": request.query_params.get("reaction",
                                                                                   request.data.get("reaction"))})
        body.is_valid(raise_exception=True)
        if not message_unreact(message=message, user=request.user, reaction=body.validated_data["reaction"]):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- chat-to-order ----------------------------------------------------------------------------

class ConversationOrderView(MemberConversationsMixin, APIView):
    @extend_schema(
        tags=TAGS, summary="Order for the conversation's customer", request=ConversationOrderSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        description="The seller names lines of their own products; the order is placed for the customer's buyer "
                    "account as checkout places it (stock held, today's prices, the payment timer or cash on "
                    "delivery's time to confirm; `source` is `chat`). A customer without an account (known by "
                    "phone, email or a platform handle only) gets a guest order: `buyer` is null, the shipping "
                    "name and phone are its contact, the customer's email (if any) goes to the payment gateway, "
                    "and it counts in the customer's figures and orders. A payment method whose gateway needs the "
                    "payer's email (Paystack, for every method it takes) is refused for such a customer without "
                    "one, nothing written: 400 `email_required`, with the methods that would do in "
                    "`details.choices` (cash on delivery always does). The conversation gets the order's card "
                    "and, unless it is cash on delivery, a payment link that works without an account until the "
                    "timer ends. Later status changes of the order appear there as system messages.",
        responses={201: ConversationOrderResultSerializer, **error_responses(
            400, 403, 404, 409,
            s400="Invalid body (`invalid`), a product with variants named without one (`variant_required`), or a "
                 "payment method that cannot be taken now (`method_unavailable`) or not for this customer: a guest "
                 "order without an email whose gateway needs one (`email_required`, the methods that would do in "
                 "`details.choices`).",
            s403="Not the conversation's seller.",
            s404="No such conversation of yours, or a line's product or variant is not yours (`not_found`).",
            s409="A line cannot be ordered as it is, too little stock among them (`checkout_failed`, the lines in "
                 "details); the conversation is archived (`conversation_closed`); its customer was just merged "
                 "into another (`customer_merged`: try again).")})
    @idempotent
    def post(self, request, pk):
        conversation = self.own_conversation(pk)
        seller_only(request, conversation)
        body = ConversationOrderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        lines = [Line(line["product_id"], line["variant_id"], line["quantity"]) for line in data.pop("lines")]
        order, sent = conversation_order(conversation=conversation, seller=request.user, lines=lines, **data)
        order = orders_of(request.user).get(pk=order.pk)
        messages = selectors.conversation_messages(conversation).filter(pk__in=[m.pk for m in sent])
        sent_body = s.ChatMessageSerializer(messages, many=True, context=self.messages_context(conversation)).data
        return Response({"order": OrderSerializer(order, context={"request": request}).data, "messages": sent_body},
                        status=status.HTTP_201_CREATED)


def payment_link_scope(request, token: str) -> str:
    """What an Idempotency-Key sent to a payment link belongs to: the order the (signed) token
    names, so two payers without accounts never share a key."""
    order_pk, _ = payment_link_claims(token)
    return f"payment-link-order:{order_pk}"


PAYMENT_LINK_PAGE = ("The customer opens the link a seller sent in the chat, the frontend's page "
                     "`{FRONTEND_URL}/pay#{token}`; that page calls this endpoint with the token from its "
                     "fragment. No account: the signed token is the authorization. Throttled per link and per "
                     "client address (`THROTTLE_PAYMENT_LINK_RATE`, `THROTTLE_PAYMENT_LINK_IP_RATE`).")


class PaymentLinkView(APIView):
    """Called by the frontend's payment page for whoever the seller sent the link to: the signed
    token is the authorization."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = with_default_throttles(*PAYMENT_LINK_THROTTLES)

    @extend_schema(tags=TAGS, summary="Open a payment link", auth=[],
                   description=f"{PAYMENT_LINK_PAGE}\n\nThe order's summary (no buyer details). `payable`: POST "
                               f"here to pay.",
                   responses={200: s.PaymentLinkOrderSerializer, **error_responses(
                       404, 410, s404="Not a valid link (altered or unknown).",
                       s410="The order's payment time is over (`link_expired`).")})
    def get(self, request, token):
        return Response(s.PaymentLinkOrderSerializer(payment_link_order(token)).data)

    @extend_schema(tags=TAGS, summary="Pay through a payment link", auth=[], request=ProcessPaymentSerializer,
                   parameters=[IDEMPOTENCY_PARAMETER],
                   description=f"{PAYMENT_LINK_PAGE}\n\nStarts the order's payment as "
                               f"`POST /api/orders/payments/{{id}}/process/` does: charged at once, or a redirect "
                               f"or phone prompt to complete. An `Idempotency-Key` belongs to the link's order. "
                               f"An order without an email is never sent to a gateway that needs one (Paystack): "
                               f"if its method's gateway changed to such a one since the order was placed, the "
                               f"answer is 409 `email_required` and nothing is charged.",
                   responses={200: PaymentProcessSerializer, **error_responses(
                       400, 404, 409, 410, 502,
                       s400="Invalid input, or a wallet whose network is needed (`provider_required`).",
                       s404="Not a valid link.",
                       s409="Not payable now: paid, cancelled or cash on delivery (`payment_not_payable`), or "
                            "being paid (`payment_in_progress`); no email for a gateway that needs one "
                            "(`email_required`); an `Idempotency-Key` used for another request "
                            "(`idempotency_key_reused`) or still being answered (`request_in_progress`).",
                       s410="The order's payment time is over (`link_expired`).")})
    @idempotent(anonymous_scope=payment_link_scope)
    def post(self, request, token):
        order = payment_link_order(token)
        body = ProcessPaymentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        payment = s.latest_payment(order)
        if payment is None:
            raise PaymentLinkNotFound()
        result = payment_services.payment_process(
            payment=payment, mobile_money_provider=body.validated_data.get("mobile_money_provider", ""))
        answer = {"status": result.status, "transaction_id": result.transaction_id, "payment_id": result.payment.pk,
                  "order_status": Order.objects.values_list("status", flat=True).get(pk=order.pk)}
        if result.authorization_url:
            answer["authorization_url"] = result.authorization_url
        if result.next_action:
            answer["next_action"] = result.next_action
        if result.status == "failed" and result.error:
            answer["error"] = result.error
        return Response(PaymentProcessSerializer(answer).data)


PLACEHOLDERS_TEXT = ", ".join(f"`{{{{ {name} }}}}`" for name in TEMPLATE_PLACEHOLDERS)


class OwnTemplatesMixin:
    permission_classes = [IsSeller]

    def own_templates(self):
        if getattr(self, "swagger_fake_view", False):
            return ReplyTemplate.objects.none()
        return ReplyTemplate.objects.filter(seller=self.request.user)

    def own_template(self, pk: int) -> ReplyTemplate:
        return get_object_or_404(self.own_templates(), pk=pk)


@extend_schema_view(
    get=extend_schema(tags=TAGS, summary="My reply templates", description="By shortcode. Sellers only."),
    post=extend_schema(tags=TAGS, summary="Add a reply template",
                       description=f"The body may hold {PLACEHOLDERS_TEXT}, filled when it is sent; any other "
                                   "placeholder is refused (400). A shortcode is yours once (409 `shortcode_taken`).",
                       responses={201: s.ReplyTemplateSerializer, **error_responses(
                           400, 403, 409, s403="Not a seller.", s409="You already use this shortcode "
                                                                   "(`shortcode_taken`).")}),
)
class ReplyTemplateListCreateView(OwnTemplatesMixin, generics.ListCreateAPIView):
    serializer_class = s.ReplyTemplateSerializer

    def get_queryset(self):
        return self.own_templates()

    def create(self, request, *args, **kwargs):
        body = s.ReplyTemplateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        template = template_create(seller=request.user, **body.validated_data)
        return Response(s.ReplyTemplateSerializer(template).data, status=status.HTTP_201_CREATED)


class ReplyTemplateDetailView(OwnTemplatesMixin, APIView):
    @extend_schema(tags=TAGS, summary="One reply template",
                   responses={200: s.ReplyTemplateSerializer, **error_responses(403, 404)})
    def get(self, request, pk):
        return Response(s.ReplyTemplateSerializer(self.own_template(pk)).data)

    @extend_schema(tags=TAGS, summary="Change a reply template", request=s.ReplyTemplateSerializer,
                   responses={200: s.ReplyTemplateSerializer, **error_responses(
                       400, 403, 404, 409, s409="You already use this shortcode (`shortcode_taken`).")})
    def patch(self, request, pk):
        template = self.own_template(pk)
        body = s.ReplyTemplateSerializer(template, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        template = template_update(template=template, changes=body.validated_data)
        return Response(s.ReplyTemplateSerializer(template).data)

    @extend_schema(tags=TAGS, summary="Delete a reply template", responses={204: None, **error_responses(403, 404)})
    def delete(self, request, pk):
        template_delete(template=self.own_template(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReplyTemplateSendView(OwnTemplatesMixin, MemberConversationsMixin, APIView):
    throttle_classes = with_default_throttles(ChatSendThrottle)

    @extend_schema(tags=TAGS, summary="Send a reply template in a conversation", request=s.TemplateSendSerializer,
                   description=f"Fills {PLACEHOLDERS_TEXT} for the conversation (the price with its currency; the "
                               "customer's latest order from you, or nothing) and sends the text as your message, "
                               "as `POST /api/chat/messages/` does. The template's `usage_count` goes up by one.",
                   responses={201: s.ChatMessageSerializer, **error_responses(
                       400, 403, 404, 409, 429, s400="The filled template is empty (`invalid`).",
                       s404="No such template or conversation of yours (as its seller).",
                       s409="The conversation is archived (`conversation_closed`).")})
    def post(self, request, pk):
        template = self.own_template(pk)
        body = s.TemplateSendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        conversation = get_object_or_404(self.own_conversations().filter(seller=request.user).select_related(
            "customer", "product"), pk=body.validated_data["conversation"])
        message = template_send(template=template, conversation=conversation, sender=request.user)
        message = selectors.conversation_messages(conversation).get(pk=message.pk)
        return Response(s.ChatMessageSerializer(message, context=self.messages_context(conversation)).data,
                        status=status.HTTP_201_CREATED)


class ChatStatsView(APIView):
    permission_classes = [IsSeller]

    @extend_schema(tags=TAGS, summary="My chat statistics for a period",
                   parameters=[s.StatsQuerySerializer],
                   description="Days in your profile's `timezone`, both ends included (the last 30 days by default, "
                               "at most 366). A fixed number of queries whatever the size of the inbox.",
                   responses={200: s.ChatStatsSerializer, **error_responses(400, 403, s403="Not a seller.")})
    def get(self, request):
        today = timezone.localtime(timezone=ZoneInfo(request.user.timezone)).date()
        query = s.StatsQuerySerializer(data=request.query_params, context={"today": today})
        query.is_valid(raise_exception=True)
        first, last = query.validated_data["from"], query.validated_data["to"]
        start, end = stats.period_bounds(request.user, first, last)
        figures = stats.chat_stats(seller=request.user, start=start, end=end)
        return Response({"period": {"from": first.isoformat(), "to": last.isoformat()}, **figures})


# --- the seller's assistant ---------------------------------------------------------------------

class AssistantTemplatesView(APIView):
    permission_classes = [IsSeller]

    @extend_schema(tags=TAGS, summary="The assistant's starter templates",
                   description="A fixed list, each with its title and prompt in English and French. Sellers only.",
                   responses={200: s.StarterTemplateSerializer(many=True), **error_responses(403)})
    def get(self, request):
        return Response(s.StarterTemplateSerializer(assistant.STARTER_TEMPLATES, many=True).data)


class AssistantTemplateStartView(MemberConversationsMixin, APIView):
    permission_classes = [IsSeller]
    throttle_classes = with_default_throttles(AIGenerateThrottle, ChatStartThrottle)

    @extend_schema(tags=TAGS, summary="Start a session with the assistant from a template",
                   request=s.StarterTemplateStartSerializer,
                   description="Opens a new conversation with your assistant (`source: assistant`) and asks the "
                               "template's prompt in `language`: the AI app's `ai_assistant_enabled` switch, quota "
                               "and usage apply. The answer is asked for in the background, as for a sent message: "
                               "it reaches your chat sockets (`assistant_delta`, then `chat_message`).",
                   responses={201: s.AssistantSessionSerializer, **error_responses(
                       400, 403, 404, 429, 502,
                       s403="Not a seller, or the assistant is switched off (`ai_disabled`).",
                       s404="No such template.",
                       s429="Too many requests (`throttled`) or the AI quota is spent (`quota_exceeded`).",
                       s502="The AI provider failed (`provider_error`).")})
    def post(self, request, pk):
        template = assistant.starter_template(pk)
        if template is None:
            raise Http404
        body = s.StarterTemplateStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        conversation, question = assistant.assistant_template_start(
            seller=request.user, template=template, language=body.validated_data["language"])
        answer = answering.answer_now_or_later(conversation=conversation, seller=request.user, question=question)
        asked = [question.pk] if answer is None else [question.pk, answer.pk]
        messages = selectors.conversation_messages(conversation).filter(pk__in=asked).order_by("sequence")
        return Response({"conversation": s.ConversationSerializer(self.own_conversation(conversation.pk),
                                                                  context={"user": request.user}).data,
                         "messages": s.ChatMessageSerializer(messages, many=True,
                                                             context=self.messages_context(conversation)).data},
                        status=status.HTTP_201_CREATED)
