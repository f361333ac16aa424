"""The seller's own catalog: their products, stock, history, bulk changes and tags."""

from django.db.models import Count
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from products import selectors, services
from products import serializers as s
from products.filters import SellerProductFilter
from products.models import Product, ProductHistory
from products.views.schema import IMAGE_UPLOAD_429, IN_STOCK_PARAMETER, TAGS
from sellflow.filters import FilterBackend
from sellflow.images import Uploader
from sellflow.pagination import PAGE_PARAMETERS, HeaderPagination
from sellflow.parsers import JSONParser
from sellflow.permissions import IsSeller
from sellflow.schema import error_responses
from sellflow.throttling import UPLOAD_THROTTLES, CatalogSearchThrottle, with_default_throttles


class SellerProductMixin:
    """The requesting seller's live products only: another seller's id is simply not found."""

    permission_classes = [IsSeller]

    def own_products(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Product.objects.none()
        return Product.objects.alive().filter(seller=self.request.user)

    def get_queryset(self):
        return self.own_products()

    def get_product(self) -> Product:
        return get_object_or_404(self.own_products(), pk=self.kwargs["pk"])

    def product_body(self, product: Product) -> dict:
        """The product as ProductSerializer describes it (built by selectors.SellerRows)."""
        return selectors.SellerRows(self.request).rows(
            self.own_products().filter(pk=product.pk).values(*selectors.SELLER_ROW_FIELDS))[0]

@extend_schema_view(get=extend_schema(tags=TAGS, summary="The seller's products", parameters=[IN_STOCK_PARAMETER]))
class ProductListCreateView(SellerProductMixin, generics.ListAPIView):
    serializer_class = s.ProductSerializer
    filter_backends = [FilterBackend]
    filterset_class = SellerProductFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    # Counts only creations that carry images, and searches.
    throttle_classes = with_default_throttles(*UPLOAD_THROTTLES, CatalogSearchThrottle)

    def list(self, request, *args, **kwargs):
        # Rows built from values, not serializer instances: the same body, a third of the time.
        products = self.filter_queryset(self.get_queryset()).values(*selectors.SELLER_ROW_FIELDS)
        return self.get_paginated_response(selectors.SellerRows(request).rows(self.paginate_queryset(products)))

    @extend_schema(
        tags=TAGS,
        summary="Create a product (JSON, or multipart with `images`)",
        request={"application/json": s.ProductWriteSerializer,
                 "multipart/form-data": s.ProductCreateFormSerializer},
        responses={201: s.ProductSerializer, **IMAGE_UPLOAD_429},
    )
    def post(self, request):
        serializer = s.ProductCreateMultipartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        images = data.pop("images", None) or request.FILES.getlist("images[]") or None
        product = services.product_create(seller=request.user, data=data, images=images,
                                          uploader=Uploader.of(request))
        return Response(self.product_body(product), status=status.HTTP_201_CREATED)

class ProductDetailView(SellerProductMixin, APIView):
    @extend_schema(tags=TAGS, summary="One of the seller's products", responses={200: s.ProductSerializer})
    def get(self, request, pk):
        return Response(self.product_body(self.get_product()))

    @extend_schema(tags=TAGS, summary="Replace a product's fields", request=s.ProductWriteSerializer,
                   responses={200: s.ProductSerializer})
    def put(self, request, pk):
        return self._update(request, partial=False)

    @extend_schema(tags=TAGS, summary="Change some of a product's fields", request=s.ProductWriteSerializer,
                   responses={200: s.ProductSerializer})
    def patch(self, request, pk):
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool):
        product = self.get_product()
        serializer = s.ProductWriteSerializer(instance=product, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        product = services.product_update(product=product, actor=request.user, data=serializer.validated_data)
        return Response(self.product_body(product))

    @extend_schema(tags=TAGS, summary="Delete a product (it stays for orders and history)", responses={204: None})
    def delete(self, request, pk):
        services.product_delete(product=self.get_product(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

@extend_schema_view(get=extend_schema(tags=TAGS, summary="Every recorded change of a product, newest first"))
class ProductHistoryView(SellerProductMixin, generics.ListAPIView):
    serializer_class = s.ProductHistorySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProductHistory.objects.none()
        return self.get_product().history.select_related("actor")

class AdjustStockView(SellerProductMixin, APIView):
    @extend_schema(tags=TAGS, summary="Add or remove stock", request=s.StockAdjustmentSerializer,
                   responses={200: s.ProductSerializer,
                              **error_responses(409, s409="Not enough stock (`insufficient_stock`).")})
    def post(self, request, pk):
        product = self.get_product()
        serializer = s.StockAdjustmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = services.product_adjust_stock(product=product, actor=request.user, **serializer.validated_data)
        return Response(self.product_body(product))

class DuplicateProductView(SellerProductMixin, APIView):
    @extend_schema(tags=TAGS, summary="Copy a product into a new draft", request=None,
                   responses={201: s.ProductSerializer})
    def post(self, request, pk):
        copy = services.product_duplicate(product=self.get_product(), actor=request.user)
        return Response(self.product_body(copy), status=status.HTTP_201_CREATED)

class BulkProductsView(APIView):
    permission_classes = [IsSeller]

    @extend_schema(tags=TAGS, summary="Change the status of, or delete, many products",
                   request=s.BulkActionSerializer, responses={200: s.BulkResultSerializer})
    def post(self, request):
        serializer = s.BulkActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.products_bulk(seller=request.user, ids=data["ids"], action=data["action"],
                                        status=data.get("status"))
        return Response(result)

class SellerTagsView(APIView):
    permission_classes = [IsSeller]

    @extend_schema(tags=TAGS, summary="The seller's tags, with how many live products carry each",
                   parameters=PAGE_PARAMETERS,
                   responses={200: s.TagCountSerializer(many=True)})
    def get(self, request):
        rows = (
            Product.tags.through.objects.filter(product__seller=request.user, product__deleted_at__isnull=True)
            .values("tag__name").annotate(count=Count("product_id")).order_by("-count", "tag__name")
        )
        paginator = HeaderPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        body = [{"name": row["tag__name"], "count": row["count"]} for row in page]
        return Response(body, headers=paginator.get_headers())
