from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from orders import selectors
from orders import serializers as s
from orders.errors import NotRefundable
from orders.filters import BuyerOrderFilter, SellerOrderFilter
from orders.models import CartItem, Order, Payment
from orders.receipts import order_receipt_pdf
from orders.services import cart as cart_services
from orders.services import orders as order_services
from orders.services import payments as payment_services
from orders.services import refunds as refund_services
from orders.services.checkout import checkout
from orders.services.payments import expire_overdue_without_gateway
from orders.services.webhooks import gateway_of, webhook_receive
from products.models import Product
from sellflow.filters import FilterBackend
from sellflow.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from sellflow.permissions import IsSeller
from sellflow.referrals import REFERRAL_COOKIE, read_referral
from sellflow.schema import error_responses
from sellflow.throttling import CheckoutThrottle, with_default_throttles

CART_TAGS = ["cart"]
ORDER_TAGS = ["orders"]


def cart_response(request, cart, status_code=status.HTTP_200_OK) -> Response:
    summary = selectors.cart_summary(cart, buyer_currency=request.user.currency, request=request)
    return Response(s.CartSerializer(summary).data, status=status_code)


class CartView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=CART_TAGS, summary="The cart, with what changed since each line was added",
                   responses={200: s.CartSerializer})
    def get(self, request):
        return cart_response(request, cart_services.cart_for(request.user))


class CartAddItemView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=CART_TAGS, summary="Add a product (or one of its variants) to the cart",
                   request=s.CartAddItemSerializer,
                   responses={200: s.CartSerializer, **error_responses(
                       404, 409, s409="Not enough stock (`out_of_stock`, available quantity in details) or the cart "
                                      "is full (`cart_full`).")})
    def post(self, request):
        serializer = s.CartAddItemSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        product = get_object_or_404(Product.objects.public().select_related("seller"), pk=data["product_id"])
        cart = cart_services.cart_add_item(user=request.user, product=product, variant_id=data.get("variant_id"),
                                           quantity=data["quantity"])
        return cart_response(request, cart)


class OwnCartItemMixin:
    permission_classes = [IsAuthenticated]

    def own_item(self, request, item_id) -> CartItem:
        return get_object_or_404(
            CartItem.objects.filter(cart__user=request.user).select_related("product__seller", "variant"), pk=item_id
        )


class CartUpdateItemView(OwnCartItemMixin, APIView):
    @extend_schema(tags=CART_TAGS, summary="Change the quantity of a cart line", request=s.CartUpdateItemSerializer,
                   responses={200: s.CartSerializer, **error_responses(
                       404, 409, s409="Not enough stock (`out_of_stock`) or the product is no longer for sale "
                                      "(`product_unavailable`).")})
    def put(self, request, item_id):
        item = self.own_item(request, item_id)
        serializer = s.CartUpdateItemSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cart = cart_services.cart_update_item(user=request.user, item=item,
                                              quantity=serializer.validated_data["quantity"])
        return cart_response(request, cart)


class CartRemoveItemView(OwnCartItemMixin, APIView):
    @extend_schema(tags=CART_TAGS, summary="Remove a line from the cart", request=None,
                   responses={200: s.CartSerializer, **error_responses(404)})
    def delete(self, request, item_id):
        cart = cart_services.cart_remove_item(user=request.user, item=self.own_item(request, item_id))
        return cart_response(request, cart)


class CartClearView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=CART_TAGS, summary="Empty the cart", request=None, responses={200: s.CartSerializer})
    def delete(self, request):
        return cart_response(request, cart_services.cart_clear(user=request.user))


class CheckoutView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = with_default_throttles(CheckoutThrottle)

    @extend_schema(tags=ORDER_TAGS, summary="Order the cart's lines of one seller, holding their stock",
                   parameters=[IDEMPOTENCY_PARAMETER], request=s.CheckoutSerializer,
                   responses={201: s.OrderSerializer, **error_responses(
                       403, 409, 429,
                       s403="Cash on delivery needs a confirmed email address (`verification_required`).",
                       s409="A line cannot be ordered as it is (`checkout_failed`, the lines in details), the "
                            "cart is empty (`cart_empty`), the buyer has too many unpaid or unconfirmed orders "
                            "(`too_many_open_orders`) or holds too many units of a product (`hold_limit_reached`; "
                            "both lower until the email is confirmed, `verified: false` in details), "
                            "or the key was used for another request (`idempotency_key_reused`).",
                       s429="Too many checkouts (`throttled`), or too many orders cancelled unpaid or left to run "
                            "out of payment time in the last 24 hours (`too_many_abandoned_orders`, with "
                            "`retry_at` in details); see `Retry-After`.")})
    @idempotent
    def post(self, request):
        serializer = s.CheckoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        referral = read_referral(data.pop("referral") or request.COOKIES.get(REFERRAL_COOKIE))
        order = checkout(user=request.user, referral=referral, **data)
        return order_response(request, order, status.HTTP_201_CREATED)


# --- Orders -----------------------------------------------------------------------------------

def order_response(request, order, status_code=status.HTTP_200_OK) -> Response:
    order = selectors.orders_of(request.user).get(pk=order.pk)
    return Response(s.OrderSerializer(order, context={"request": request}).data, status=status_code)


@extend_schema_view(get=extend_schema(tags=ORDER_TAGS, summary="My orders, newest first"))
class BuyerOrderListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.OrderSerializer
    filter_backends = [FilterBackend]
    filterset_class = BuyerOrderFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        expire_overdue_without_gateway(Order.objects.filter(buyer=self.request.user))
        return selectors.buyer_orders(self.request.user)


@extend_schema_view(get=extend_schema(tags=ORDER_TAGS, summary="Orders of my products, newest first"))
class SellerOrderListView(BuyerOrderListView):
    permission_classes = [IsSeller]
    filterset_class = SellerOrderFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        expire_overdue_without_gateway(Order.objects.filter(seller=self.request.user))
        return selectors.seller_orders(self.request.user)


class OrderDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=ORDER_TAGS, summary="One order, with its items, payments and timeline",
                   responses={200: s.OrderSerializer, **error_responses(404)})
    def get(self, request, pk):
        expire_overdue_without_gateway(selectors.orders_of(request.user).filter(pk=pk))
        return order_response(request, get_object_or_404(selectors.orders_of(request.user), pk=pk))


class PDFRenderer(BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class OrderReceiptView(APIView):
    permission_classes = [IsAuthenticated]
    # JSON stays available so that errors (401, 404) keep the conventions' shape.
    renderer_classes = [JSONRenderer, PDFRenderer]

    @extend_schema(tags=ORDER_TAGS, summary="The order's receipt as a PDF, to send on WhatsApp",
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY, **error_responses(404)})
    def get(self, request, pk):
        order = get_object_or_404(selectors.orders_of(request.user), pk=pk)
        response = HttpResponse(order_receipt_pdf(order), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="receipt-{order.order_id}.pdf"'
        return response


class OrderCancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=ORDER_TAGS, summary="Cancel an order before it ships (its buyer or its seller)",
                   request=s.CancelSerializer,
                   responses={200: s.OrderSerializer, **error_responses(
                       404, 409, s409="The order has shipped or is already closed (`invalid_transition`).")})
    def post(self, request, pk):
        order = get_object_or_404(selectors.orders_of(request.user), pk=pk)
        serializer = s.CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = order_services.order_cancel(order=order, actor=request.user, note=serializer.validated_data["reason"])
        return order_response(request, order)


class SellerOrderActionView(APIView):
    """confirm/, ship/, deliver/: only the order's seller; anyone else's order is not found."""

    permission_classes = [IsSeller]

    def own_order(self, request, pk) -> Order:
        return get_object_or_404(Order.objects.filter(seller=request.user), pk=pk)


class OrderConfirmView(SellerOrderActionView):
    @extend_schema(tags=ORDER_TAGS, summary="Confirm a cash-on-delivery order (its stock is then sold)", request=None,
                   responses={200: s.OrderSerializer, **error_responses(404, 409)})
    def post(self, request, pk):
        order = order_services.order_confirm(order=self.own_order(request, pk), actor=request.user)
        return order_response(request, order)


class OrderShipView(SellerOrderActionView):
    @extend_schema(tags=ORDER_TAGS, summary="Mark an order shipped, with its carrier and tracking number",
                   request=s.ShipSerializer, responses={200: s.OrderSerializer, **error_responses(404, 409)})
    def post(self, request, pk):
        order = self.own_order(request, pk)
        serializer = s.ShipSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return order_response(request, order_services.order_ship(order=order, actor=request.user,
                                                                  **serializer.validated_data))


class OrderDeliverView(SellerOrderActionView):
    @extend_schema(tags=ORDER_TAGS, summary="Mark an order delivered (cash on delivery: paid)", request=None,
                   responses={200: s.OrderSerializer, **error_responses(404, 409)})
    def post(self, request, pk):
        order = order_services.order_deliver(order=self.own_order(request, pk), actor=request.user)
        return order_response(request, order)


class OrderRefundView(SellerOrderActionView):
    @extend_schema(tags=ORDER_TAGS, summary="Refund all or part of what the buyer paid, through the gateway",
                   request=s.RefundRequestSerializer,
                   responses={201: s.RefundResponseSerializer, **error_responses(
                       404, 409, 502, s409="More than is left to refund (`refund_too_large`), nothing paid "
                                           "(`not_refundable`), or the provider refused (`refund_failed`).")})
    def post(self, request, pk):
        order = self.own_order(request, pk)
        serializer = s.RefundRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payment = order.payments.filter(status__in=payment_services.REFUNDABLE).first()
        if payment is None:
            raise NotRefundable()
        amount = data.get("amount", payment.amount_paid - payment.amount_refunded)
        refund = refund_services.payment_refund(payment=payment, amount=amount, reason=data["reason"],
                                                actor=request.user, restock=data["restock"])
        order = selectors.orders_of(request.user).get(pk=order.pk)
        return Response({"refund": s.RefundSerializer(refund).data,
                         "order": s.OrderSerializer(order, context={"request": request}).data},
                        status=status.HTTP_201_CREATED)


# --- Payments ---------------------------------------------------------------------------------

class PaymentProcessView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=ORDER_TAGS, summary="Pay: charge at once, or get the redirect or phone prompt to complete",
                   parameters=[IDEMPOTENCY_PARAMETER], request=s.ProcessPaymentSerializer,
                   responses={200: s.PaymentProcessSerializer, **error_responses(
                       400, 404, 409, 502,
                       s400="Invalid input (`invalid`), or a mobile money wallet whose number does not tell its "
                            "network (`provider_required`, the networks in `details.choices`): send "
                            "`mobile_money_provider`.",
                       s409="Not payable now: paid, cancelled, timed out or cash on delivery "
                            "(`payment_not_payable`).")})
    @idempotent
    def post(self, request, pk):
        payment = get_object_or_404(Payment.objects.filter(order__buyer=request.user), pk=pk)
        serializer = s.ProcessPaymentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = payment_services.payment_process(  # no answer from the provider: 502
            payment=payment, mobile_money_provider=serializer.validated_data.get("mobile_money_provider", ""))
        body = {"status": result.status, "transaction_id": result.transaction_id, "payment_id": result.payment.pk,
                "order_status": Order.objects.values_list("status", flat=True).get(pk=result.payment.order_id)}
        if result.authorization_url:
            body["authorization_url"] = result.authorization_url
        if result.next_action:
            body["next_action"] = result.next_action
        if result.status == "failed" and result.error:
            body["error"] = result.error
        return Response(s.PaymentProcessSerializer(body).data)


class PaymentWebhookView(APIView):
    """Called by payment providers: no user, no throttle; the signature is the authentication."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(tags=["webhooks"],
                   summary="Payment provider events (signed; the provider is told by its signature header)",
                   request=None, responses={200: s.WebhookAckSerializer, **error_responses(
                       400, 404, 502, 503,
                       s400="The signature does not verify (`invalid_signature`): nothing was written.",
                       s503="This server has no webhook secret for the gateway (`unavailable`): nothing was read.")})
    def post(self, request, gateway=None):
        name = gateway or gateway_of(request.headers)
        outcome = webhook_receive(gateway_name=name, body=request.body, headers=request.headers)
        return Response(s.WebhookAckSerializer({"received": True, "outcome": outcome}).data)


@extend_schema_view(post=extend_schema(
    tags=["webhooks"], summary="Payment provider events for one gateway (paystack, stripe, test)",
    operation_id="webhooks_payment_gateway_create", request=None,
    responses={200: s.WebhookAckSerializer, **error_responses(
        400, 404, 502, 503,
        s400="The signature does not verify (`invalid_signature`): nothing was written.",
        s503="This server has no webhook secret for the gateway (`unavailable`): nothing was read.")}))
class GatewayPaymentWebhookView(PaymentWebhookView):
    # One gateway's own address (/api/webhooks/payment/<gateway>/): the same handler. No docstring:
    # the schema's description stays the parent's.
    pass
