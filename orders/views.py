from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from orders import selectors
from orders import serializers as s
from orders.models import CartItem
from orders.services import cart as cart_services
from orders.services.checkout import checkout
from products.models import Product
from sellflow.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from sellflow.schema import error_responses

CART_TAGS = ["cart"]
ORDER_TAGS = ["orders"]


def cart_response(request, cart, status_code=status.HTTP_200_OK) -> Response:
    return Response(s.CartSerializer(selectors.cart_summary(cart, request=request)).data, status=status_code)


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
        cart = cart_services.cart_update_item(user=request.user, item=item, quantity=serializer.validated_data["quantity"])
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

    @extend_schema(tags=ORDER_TAGS, summary="Order the cart's lines of one seller, holding their stock",
                   parameters=[IDEMPOTENCY_PARAMETER], request=s.CheckoutSerializer,
                   responses={201: s.OrderSerializer, **error_responses(
                       409, s409="A line cannot be ordered as it is (`checkout_failed`, the lines in details), the "
                                 "cart is empty (`cart_empty`), or the key was used for another request "
                                 "(`idempotency_key_reused`).")})
    @idempotent
    def post(self, request):
        serializer = s.CheckoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = checkout(user=request.user, **serializer.validated_data)
        order = selectors.buyer_orders(request.user).get(pk=order.pk)
        return Response(s.OrderSerializer(order, context={"request": request}).data, status=status.HTTP_201_CREATED)
