"""The seller's customers: the list (search, filters, tags), create-or-find, edits, merges and each
customer's orders with the seller. A customer's conversations, `GET /api/customers/{id}/conversations/`,
are the chat app's (chat/customer_urls.py): the chat sits above customers."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from customers import selectors, services
from customers import serializers as s
from customers.filters import CustomerFilter
from customers.models import Customer
from orders.filters import BuyerOrderFilter
from orders.models import Order
from orders.serializers import OrderSerializer
from orders.services.payments import expire_overdue_without_gateway
from sellflow.filters import FilterBackend
from sellflow.permissions import IsSeller
from sellflow.schema import error_responses

TAGS = ["customers"]


class OwnCustomersMixin:
    # The requesting seller's customers only: another seller's id is simply not found.
    permission_classes = [IsSeller]

    def own_customers(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Customer.objects.none()
        return selectors.seller_customers(self.request.user)

    def get_customer(self) -> Customer:
        """The customer of the URL, without what only its body reads (customer_response reads that)."""
        return get_object_or_404(Customer.objects.filter(seller=self.request.user).select_related("seller"),
                                 pk=self.kwargs["pk"])


def customer_response(request, customer: Customer, status_code: int = status.HTTP_200_OK) -> Response:
    customer = selectors.seller_customers(request.user).get(pk=customer.pk)
    return Response(s.CustomerSerializer(customer).data, status=status_code)


@extend_schema_view(
    get=extend_schema(tags=TAGS, summary="My customers, last seen first",
                      description="Everyone who ordered from you (kept current from your orders), wrote to you on "
                                  "a platform, or whom you added; with their platform handles, tags and order "
                                  "figures."),
    post=extend_schema(
        tags=TAGS, summary="Add a customer, or find the one you already have", request=s.CustomerCreateSerializer,
        description="The customer is found by any identifier given (email, phone, platform handle) that one of your "
                    "customers already has: what that customer lacks is added (identifiers no other customer has, "
                    "blank fields, the tags) and the answer is 200. Otherwise a new customer is created: 201.",
        responses={201: s.CustomerSerializer,
                   200: OpenApiResponse(s.CustomerSerializer, description="One of your customers already had an "
                                                                          "identifier given.")}),
)
class CustomerListCreateView(OwnCustomersMixin, generics.ListCreateAPIView):
    serializer_class = s.CustomerSerializer
    filter_backends = [FilterBackend]
    filterset_class = CustomerFilter

    def get_queryset(self):
        return self.own_customers()

    def create(self, request, *args, **kwargs):
        serializer = s.CustomerCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        handle = (data["platform"], data["platform_user_id"]) if "platform" in data else None
        identity = services.Identity(email=data.get("email", ""), phone=data.get("phone", ""), handle=handle,
                                     username=data.get("username", ""), name=data.get("name", ""))
        customer, created = services.customer_add(
            seller=request.user, identity=identity, language=data.get("language", ""),
            country=data.get("country", ""), notes=data.get("notes", ""), tags=data.get("tags", ()))
        return customer_response(request, customer, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class CustomerDetailView(OwnCustomersMixin, APIView):
    @extend_schema(tags=TAGS, summary="One of my customers", responses={200: s.CustomerSerializer})
    def get(self, request, pk):
        return Response(s.CustomerSerializer(get_object_or_404(self.own_customers(), pk=pk)).data)

    @extend_schema(tags=TAGS, summary="Change a customer's details or tags", request=s.CustomerUpdateSerializer,
                   responses={200: s.CustomerSerializer, **error_responses(
                       409, s409="Another of your customers has this email or phone (`identifier_taken`, with its "
                                 "`field` and `customer_id` in details): merge the two instead.")})
    def patch(self, request, pk):
        customer = self.get_customer()
        serializer = s.CustomerUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        customer = services.customer_update(customer=customer, changes=serializer.validated_data)
        return customer_response(request, customer)


class CustomerMergeView(OwnCustomersMixin, APIView):
    @extend_schema(tags=TAGS, summary="Merge another of my customers into this one", request=s.CustomerMergeSerializer,
                   description="The other customer's platform handles and tags move to this one, its details fill "
                               "this one's blanks, both notes are kept (with the other's email and phone when this "
                               "one has its own), first and last seen widen and the order figures are recomputed; "
                               "then the other customer is deleted.",
                   responses={200: s.CustomerSerializer, **error_responses(
                       400, 404, 409, s400="Invalid body, or `other` is this customer (`invalid`).",
                       s404="No such customer of yours, this one or `other` (`not_found`).",
                       s409="Both customers have their own SellFlow account (`buyer_accounts_differ`).")})
    def post(self, request, pk):
        customer = self.get_customer()
        serializer = s.CustomerMergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = services.customers_merge(customer=customer, other_id=serializer.validated_data["other"])
        return customer_response(request, customer)


@extend_schema_view(get=extend_schema(
    tags=TAGS, summary="A customer's orders with me, newest first",
    description="The orders their SellFlow account placed with you, and those you placed for them from a "
                "conversation while they had no account (`buyer` null), as "
                "`GET /api/orders/orders/seller_orders/` shows them."))
class CustomerOrderListView(OwnCustomersMixin, generics.ListAPIView):
    serializer_class = OrderSerializer
    filter_backends = [FilterBackend]
    filterset_class = BuyerOrderFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        orders = selectors.customer_orders(self.get_customer())
        expire_overdue_without_gateway(orders)  # the payment timer, enforced on read as in the orders app
        return orders
