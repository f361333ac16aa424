"""The images of a seller's product: upload, change, remove."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from products import serializers as s
from products import services
from products.models import ProductImage
from products.views.schema import IMAGE_UPLOAD_429, TAGS
from products.views.seller import SellerProductMixin
from sellflow.images import Uploader
from sellflow.throttling import UPLOAD_THROTTLES, with_default_throttles


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

@extend_schema_view(post=extend_schema(exclude=True))
class ProductImagesUploadAliasView(ProductImagesUploadView):
    """Seed 000's `upload-images/`, kept working and left out of the schema."""

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
