"""What buyers see: the public catalog (no login needed), the category tree, vendor pages and
sharing."""

from urllib.parse import quote, urlencode

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import AccountType, User
from products import cache as catalog_cache
from products import holds, selectors, services
from products import serializers as s
from products.filters import PublicProductFilter
from products.links import product_share_url
from products.models import Product
from products.search import did_you_mean, search_products, suggest
from products.views.schema import IN_STOCK_PARAMETER, TAGS
from sellflow.counters import client_key
from sellflow.filters import FilterBackend
from sellflow.pagination import CATALOG_PAGE_PARAMETERS, CatalogPagination
from sellflow.throttling import CatalogSearchThrottle, CatalogSuggestThrottle, with_default_throttles


class CategoryTreeView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(tags=TAGS, summary="The category tree", responses={200: s.CategoryTreeSerializer(many=True)})
    def get(self, request):
        return Response(catalog_cache.cached_category_tree(selectors.category_tree))

SUGGESTION_HEADER = "X-Search-Suggestion"
PAGE_PARAMETERS = (CatalogPagination.page_query_param, CatalogPagination.page_size_query_param)


@extend_schema_view(get=extend_schema(tags=TAGS, summary="Products on sale (no login needed)",
                                      parameters=[IN_STOCK_PARAMETER, OpenApiParameter(
                                          SUGGESTION_HEADER, str, OpenApiParameter.HEADER, response=[200],
                                          description="When `search` found nothing: a query that finds something "
                                                      "(\"did you mean\"), its misspelt words replaced by catalog "
                                                      "words; percent-encoded UTF-8, spaces as they are.")]))
class PublicProductListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    throttle_classes = with_default_throttles(CatalogSearchThrottle)
    serializer_class = s.PublicProductSerializer
    pagination_class = CatalogPagination
    filter_backends = [FilterBackend]
    filterset_class = PublicProductFilter

    def get_queryset(self):
        return selectors.public_listing()

    def _filtered_without_search(self):
        """What the other filters of the request select: where a suggestion must find something."""
        params = self.request.query_params.copy()
        params.pop("search", None)
        return PublicProductFilter(params, queryset=Product.objects.public(), request=self.request).qs.order_by()

    def _remember_counts(self, count):
        """The listing's counts, cached per filter set: only the filters are part of the key, so a
        page number or a made-up parameter neither misses the cache nor adds a key."""
        filters = urlencode(sorted((name, value) for name, values in self.request.query_params.lists()
                                   if name in self.filterset_class.base_filters for value in values))
        counts = catalog_cache.cached_counts(filters, lambda: tuple(count()), valid_until=lambda found: found[-1])
        return selectors.ListingCounts(*counts)

    def list(self, request, *args, **kwargs):
        rows = selectors.PublicRows(request)

        def build():
            products = self.filter_queryset(self.get_queryset()).values(*selectors.PUBLIC_ROW_FIELDS)
            page = self.paginate_queryset(selectors.buyable_first(products, remember_counts=self._remember_counts))
            headers = self.paginator.get_headers()
            if not self.paginator.page.paginator.count and request.query_params.get("search"):
                suggestion = did_you_mean(request.query_params["search"], among=self._filtered_without_search())
                if suggestion:
                    # Percent-encoded UTF-8 (spaces kept): a header carries Latin-1 at most.
                    headers[SUGGESTION_HEADER] = quote(suggestion, safe=" ")
            # Cached as rendered JSON: a warm hit does no serialization at all.
            return JSONRenderer().render(rows.rows(page)), headers

        def valid_until():
            # The page's stock changes when one of its holds lapses; which products `in_stock`
            # selects, and which come first (buyable ones), when any hold does.
            return min(filter(None, [rows.valid_until, holds.first_lapse(timezone.now())]), default=None)

        # Bodies hold absolute URLs: the scheme and host are part of what was asked.
        cache_key = f"{request.scheme}://{request.get_host()}?{request.GET.urlencode()}"
        content, headers = catalog_cache.cached_listing(cache_key, build, valid_until=valid_until)
        return HttpResponse(content, content_type="application/json", headers=headers)

class SuggestView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = with_default_throttles(CatalogSuggestThrottle)

    @extend_schema(tags=TAGS, summary="Type-ahead for the search box: categories, products and tags",
                   parameters=[s.SuggestQuerySerializer], responses={200: s.SuggestResponseSerializer})
    def get(self, request):
        params = s.SuggestQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response({"query": params.validated_data["q"], "suggestions": suggest(params.validated_data["q"])})


class PublicProductDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(tags=TAGS, summary="A product on sale, with variants, images and seller",
                   responses={200: s.PublicProductDetailSerializer})
    def get(self, request, pk):
        rows = selectors.PublicRows(request)

        def build():
            product = selectors.public_detail_values(pk)
            return JSONRenderer().render(rows.detail(product)) if product else None

        content = catalog_cache.cached_detail(pk, f"{request.scheme}://{request.get_host()}", build,
                                              valid_until=lambda: rows.valid_until)
        if content is None:
            raise NotFound()
        services.product_record_view(product_id=pk, client=client_key(request), user=request.user)
        return HttpResponse(content, content_type="application/json")

class VendorView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = with_default_throttles(CatalogSearchThrottle)

    @extend_schema(
        tags=TAGS, summary="A vendor's public profile and products",
        parameters=[s.VendorQuerySerializer, *CATALOG_PAGE_PARAMETERS],
        responses={200: s.VendorPageSerializer},
    )
    def get(self, request, vendor_id):
        params = s.VendorQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        vendor = get_object_or_404(User.objects.filter(is_active=True, account_type=AccountType.SELLER), pk=vendor_id)
        products = selectors.public_products().filter(seller=vendor)
        searched = bool(params.validated_data.get("search"))
        if searched:
            products = search_products(products, params.validated_data["search"],
                                       rank_ordering=(selectors.stock_rank(), "-search_rank"))
        paginator = CatalogPagination()
        page = paginator.paginate_queryset(products, request, view=self)
        rows = selectors.PublicRows(request)
        products = rows.products(page)
        body = {
            "vendor": {
                **rows.seller(vendor), "bio": vendor.bio, "country": vendor.country,
                # All their products, whatever a search found (X-Total-Count counts those).
                "product_count": Product.objects.public().filter(seller=vendor).count() if searched
                else paginator.page.paginator.count,
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
        url = product_share_url(product.pk, source=platform)
        text = f"Check out this product: {product.name} - {product.currency} {product.price:.2f}"
        return Response({
            "url": url,
            "facebook": f"https://www.facebook.com/sharer/sharer.php?u={quote(url, safe='')}",
            "twitter": f"https://x.com/intent/tweet?text={quote(text, safe='')}&url={quote(url, safe='')}",
            "whatsapp": f"https://wa.me/?text={quote(f'{text} {url}', safe='')}",
            "share_count": product.share_count + int(counted),
        })
