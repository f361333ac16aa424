import csv
import json
from datetime import date
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db.models import Count
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import AccountType, User
from products import cache as catalog_cache
from products import catalog_csv, holds, selectors, services
from products import serializers as s
from products.filters import PublicProductFilter, SellerProductFilter
from products.models import CatalogImport, Favorite, Product, ProductHistory, ProductImage
from sellflow.counters import client_key
from sellflow.images import Uploader
from sellflow.pagination import PAGE_PARAMETERS, HeaderPagination
from sellflow.parsers import JSONParser
from sellflow.permissions import IsSeller
from sellflow.schema import error_responses
from sellflow.throttling import UPLOAD_THROTTLES, with_default_throttles

TAGS = ["products"]
IMAGE_UPLOAD_429 = error_responses(429, s429="Too many uploads or image pixels, from this account or this address "
                                             "(`throttled`), or today's product images are spent "
                                             "(`quota_exceeded`); see `Retry-After`.")
IN_STOCK_PARAMETER = OpenApiParameter("in_stock", bool, description="Only products in stock (true) or sold out (false).")


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
        product = selectors.seller_products(self.request.user).get(pk=product.pk)
        return s.ProductSerializer(product, context={"request": self.request}).data


class ProductListCreateView(SellerProductMixin, generics.ListAPIView):
    serializer_class = s.ProductSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = SellerProductFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    throttle_classes = with_default_throttles(*UPLOAD_THROTTLES)  # counts only creations that carry images

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Product.objects.none()
        return selectors.seller_products(self.request.user)

    @extend_schema(tags=TAGS, summary="The seller's products", parameters=[IN_STOCK_PARAMETER])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        summary="Create a product (JSON, or multipart with `images`)",
        request={"application/json": s.ProductWriteSerializer, "multipart/form-data": s.ProductCreateMultipartSerializer},
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


class ProductImagesUploadView(SellerProductMixin, APIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = with_default_throttles(*UPLOAD_THROTTLES)

    @extend_schema(
        tags=TAGS, summary="Add images to a product",
        request={"multipart/form-data": s.ImageUploadSerializer},
        responses={201: s.ProductImageSerializer(many=True), **IMAGE_UPLOAD_429},
    )
    def post(self, request, pk):
        product = self.get_product()
        files = request.FILES.getlist("images") or request.FILES.getlist("images[]")
        serializer = s.ImageUploadSerializer(data={"images": files})
        serializer.is_valid(raise_exception=True)
        images = services.product_images_add(product=product, uploads=serializer.validated_data["images"],
                                             uploader=Uploader.of(request))
        return Response(
            s.ProductImageSerializer(images, many=True, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ProductImagesUploadAliasView(ProductImagesUploadView):
    @extend_schema(exclude=True)  # seed 000's `upload-images/`
    def post(self, request, pk):
        return super().post(request, pk)


class ProductImageDetailView(SellerProductMixin, APIView):
    def get_image(self) -> ProductImage:
        return get_object_or_404(ProductImage.objects.filter(product=self.get_product()), pk=self.kwargs["image_id"])

    @extend_schema(tags=TAGS, summary="Change an image's alt text, position or primary flag",
                   request=s.ProductImageUpdateSerializer, responses={200: s.ProductImageSerializer})
    def patch(self, request, pk, image_id):
        image = self.get_image()
        serializer = s.ProductImageUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        image = services.product_image_update(image=image, data=serializer.validated_data)
        return Response(s.ProductImageSerializer(image, context={"request": request}).data)

    @extend_schema(tags=TAGS, summary="Remove an image", responses={204: None})
    def delete(self, request, pk, image_id):
        services.product_image_delete(image=self.get_image())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductHistoryView(SellerProductMixin, generics.ListAPIView):
    serializer_class = s.ProductHistorySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProductHistory.objects.none()
        return self.get_product().history.select_related("actor")

    @extend_schema(tags=TAGS, summary="Every recorded change of a product, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


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


class CategoryTreeView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(tags=TAGS, summary="The category tree", responses={200: s.CategoryTreeSerializer(many=True)})
    def get(self, request):
        return Response(catalog_cache.cached_category_tree(selectors.category_tree))


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


class CSVRenderer(BaseRenderer):
    """Lets clients ask for `text/csv`; the export streams its own body."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data).encode() if data is not None else b""


class _Echo:
    def write(self, value):
        return value


class CatalogExportView(APIView):
    permission_classes = [IsSeller]
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(tags=TAGS, summary="The seller's catalog as CSV",
                   responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        writer = csv.writer(_Echo())
        rows = (writer.writerow(row) for row in catalog_csv.export_rows(request.user))
        response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="sellflow-catalog-{date.today():%Y%m%d}.csv"'
        return response


def import_job_body(job: CatalogImport) -> dict:
    return {
        "id": job.pk, "status": job.status, "dry_run": job.dry_run, "report": job.report, "error": job.error,
        "url": catalog_csv.job_url(job.pk), "created_at": job.created_at, "finished_at": job.finished_at,
    }


class CatalogImportView(APIView):
    permission_classes = [IsSeller]
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = with_default_throttles(*UPLOAD_THROTTLES)

    @extend_schema(tags=TAGS, summary="Create or update products from a CSV file (matched by SKU)",
                   description="A file of more rows than the server imports in one request always runs in the "
                               "background (202). One import at a time per seller, and a daily number of them.",
                   request={"multipart/form-data": s.CatalogImportSerializer},
                   parameters=[OpenApiParameter("Prefer", str, OpenApiParameter.HEADER,
                                                description="`respond-async` runs the import in the background.")],
                   responses={200: s.ImportReportSerializer, 202: s.CatalogImportJobSerializer,
                              **error_responses(409, 429, s409="Another import is running (`import_in_progress`).",
                                                s429="Too many uploads (`throttled`), or today's imports are spent "
                                                     "(`quota_exceeded`); see `Retry-After`.")})
    def post(self, request):
        serializer = s.CatalogImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        prefers_async = "respond-async" in request.headers.get("Prefer", "")
        try:
            job, queued = catalog_csv.catalog_import_submit(
                seller=request.user, upload=data["file"], dry_run=data["dry_run"],
                background=data["async"] or prefers_async)
        except catalog_csv.CatalogFileError as error:
            raise ValidationError({"file": [str(error)]})
        if not queued:
            return Response(job.report)
        job.refresh_from_db()
        headers = {"Location": catalog_csv.job_url(job.pk)}
        if prefers_async:
            headers["Preference-Applied"] = "respond-async"
        return Response(s.CatalogImportJobSerializer(import_job_body(job)).data, status=status.HTTP_202_ACCEPTED,
                        headers=headers)


class CatalogImportJobView(APIView):
    permission_classes = [IsSeller]

    @extend_schema(tags=TAGS, summary="A background import: its state, and its report when done",
                   responses={200: s.CatalogImportJobSerializer})
    def get(self, request, job_id):
        job = get_object_or_404(CatalogImport.objects.filter(seller=request.user), pk=job_id)
        return Response(s.CatalogImportJobSerializer(import_job_body(job)).data)


# --- Favourites -------------------------------------------------------------------------------

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

    @extend_schema(tags=TAGS, summary="The signed-in user's favourite products")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Public catalog ---------------------------------------------------------------------------

class PublicProductListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = s.PublicProductSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = PublicProductFilter

    def get_queryset(self):
        return selectors.public_products()

    def list(self, request, *args, **kwargs):
        rows = selectors.PublicRows(request)

        def build():
            page = self.paginate_queryset(selectors.buyable_first(self.filter_queryset(self.get_queryset())))
            # Cached as rendered JSON: a warm hit does no serialization at all.
            return JSONRenderer().render(rows.products(page)), self.paginator.get_headers()

        def valid_until():
            # The page's stock changes when one of its holds lapses; which products `in_stock`
            # selects, and which come first (buyable ones), when any hold does.
            return min(filter(None, [rows.valid_until, holds.first_lapse(timezone.now())]), default=None)

        # Bodies hold absolute URLs: the scheme and host are part of what was asked.
        cache_key = f"{request.scheme}://{request.get_host()}?{request.GET.urlencode()}"
        content, headers = catalog_cache.cached_listing(cache_key, build, valid_until=valid_until)
        return HttpResponse(content, content_type="application/json", headers=headers)

    @extend_schema(tags=TAGS, summary="Products on sale (no login needed)", parameters=[IN_STOCK_PARAMETER])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PublicProductDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(tags=TAGS, summary="A product on sale, with variants, images and seller",
                   responses={200: s.PublicProductDetailSerializer})
    def get(self, request, pk):
        rows = selectors.PublicRows(request)

        def build():
            # One row: no listing order (stock_rank reads the holds of the whole catalog).
            product = selectors.public_products().prefetch_related("variants").filter(pk=pk).order_by().first()
            return JSONRenderer().render(rows.detail(product)) if product else None

        content = catalog_cache.cached_detail(pk, f"{request.scheme}://{request.get_host()}", build,
                                              valid_until=lambda: rows.valid_until)
        if content is None:
            raise NotFound()
        services.product_record_view(product_id=pk, client=client_key(request), user=request.user)
        return HttpResponse(content, content_type="application/json")


class VendorView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS, summary="A vendor's public profile and products",
        parameters=PAGE_PARAMETERS,
        responses={200: s.VendorPageSerializer},
    )
    def get(self, request, vendor_id):
        vendor = get_object_or_404(User.objects.filter(is_active=True, account_type=AccountType.SELLER), pk=vendor_id)
        paginator = HeaderPagination()
        page = paginator.paginate_queryset(selectors.public_products().filter(seller=vendor), request, view=self)
        rows = selectors.PublicRows(request)
        products = rows.products(page)
        body = {
            "vendor": {
                **rows.seller(vendor), "bio": vendor.bio, "country": vendor.country,
                "product_count": paginator.page.paginator.count,
            },
            "products": products,
        }
        return Response(body, headers=paginator.get_headers())


class ShareView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(tags=TAGS, summary="Count a share and get the share links", request=s.ShareRequestSerializer,
                   responses={200: s.ShareLinksSerializer})
    def post(self, request, pk):
        serializer = s.ShareRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = get_object_or_404(Product.objects.public(), pk=pk)
        platform = serializer.validated_data["platform"]
        counted = services.product_record_share(product_id=product.pk, client=client_key(request))
        utm = urlencode({"utm_source": platform, "utm_medium": "social", "utm_campaign": "product_share"})
        url = f"{settings.FRONTEND_URL}/product/{product.pk}/?{utm}"
        text = f"Check out this product: {product.name} - {product.currency} {product.price:.2f}"
        return Response({
            "url": url,
            "facebook": f"https://www.facebook.com/sharer/sharer.php?u={quote(url, safe='')}",
            "x": f"https://twitter.com/intent/tweet?text={quote(text, safe='')}&url={quote(url, safe='')}",
            "whatsapp": f"https://wa.me/?text={quote(f'{text} {url}', safe='')}",
            "share_count": product.share_count + int(counted),
        })
