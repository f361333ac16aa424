"""What a signed-in buyer keeps for themselves: their favourites (save, remove, list)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from products import selectors, services
from products import serializers as s
from products.models import Favorite, Product
from products.views.schema import TAGS


class FavoriteView(APIView):
    permission_classes = [IsAuthenticated]

    def get_product(self) -> Product:
        return get_object_or_404(Product.objects.public(), pk=self.kwargs["pk"])

    @extend_schema(tags=TAGS, summary="Save a product to favourites", request=None, responses={201: None})
    def post(self, request, pk):
        services.favorite_add(user=request.user, product=self.get_product())
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(tags=TAGS, summary="Remove a product from favourites", responses={204: None})
    def delete(self, request, pk):
        # Idempotent, and the same answer for any id: nothing to learn about other products.
        services.favorite_remove(user=request.user, product_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

@extend_schema_view(get=extend_schema(tags=TAGS, summary="The signed-in user's favourite products"))
class FavoriteListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.PublicProductSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Product.objects.none()
        favorite_ids = Favorite.objects.filter(user=self.request.user).values("product_id")
        return selectors.public_products().filter(pk__in=favorite_ids)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(selectors.PublicRows(request).products(page))
