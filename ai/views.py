from dataclasses import replace

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ai import recommendations, results, search
from ai import serializers as s
from ai.conversations import conversation_context
from ai.filters import AIContentFilter
from ai.models import AIContent, AIJob, ContentType
from ai.selectors import usage_report
from ai.services import content as content_services
from ai.services import jobs, replies
from ai.services.content import ContentRequest
from products.models import Product
from products.search import did_you_mean
from products.selectors import PublicRows, buyable_first
from sellflow.filters import FilterBackend
from sellflow.pagination import CATALOG_PAGE_PARAMETERS, PAGE_PARAMETERS, CatalogPagination
from sellflow.permissions import IsSeller
from sellflow.schema import error_responses
from sellflow.throttling import AIGenerateThrottle, AISearchThrottle, with_default_throttles

TAGS = ["ai"]


class SearchView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = with_default_throttles(AISearchThrottle)

    @extend_schema(tags=TAGS, summary="Search the catalog in plain words (price, stock, colour, size, category)",
                   parameters=[s.SearchQuerySerializer, *CATALOG_PAGE_PARAMETERS],
                   responses={200: s.SearchResponseSerializer, **error_responses(400, 404, s404="No such page.")})
    def get(self, request):
        params = s.SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        interpretation = search.interpret(params.validated_data["q"], user=request.user)
        chosen = params.validated_data.get("category", "")
        if chosen:  # the shopper's own choice wins over a category read in the words; the chips say so
            interpretation.category = search.category_named(chosen)
        products = search.products_for(interpretation, category=chosen)
        paginator = CatalogPagination()
        page = paginator.paginate_queryset(buyable_first(products), request, view=self)
        count = paginator.page.paginator.count
        # The suggestion must find something under the other filters understood.
        suggestion = did_you_mean(
            interpretation.text, within=params.validated_data["q"],
            among=search.products_for(replace(interpretation, text=""), category=chosen).order_by(),
        ) if not count and interpretation.text else None
        body = {"query": params.validated_data["q"], "interpreted": interpretation.as_dict(), "count": count,
                "suggestion": suggestion, "results": PublicRows(request).products(page)}
        return Response(body, headers=paginator.get_headers())


# --- Generation -------------------------------------------------------------------------------

def wants_async(request, data: dict) -> bool:
    return bool(data.get("async")) or "respond-async" in request.headers.get("Prefer", "").lower()


def seller_product(user, pk) -> Product:
    """The seller's own product; anyone else's is simply not found."""
    product = Product.objects.alive().filter(seller=user, pk=pk).first()
    if product is None:
        raise NotFound("No such product.")
    return product


def generation_response(request, *, product: Product, content_request: ContentRequest, data: dict) -> Response:
    """Generate now (200), or queue it (202 with the job) when the client prefers async."""
    if wants_async(request, data):
        job = jobs.job_start(user=request.user, product=product, request=content_request,
                             regenerate=data["regenerate"])
        job.refresh_from_db()
        return Response(s.AIJobSerializer(job).data, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": jobs.job_url(job), "Preference-Applied": "respond-async"})
    content, cached = content_services.content_generate(user=request.user, product=product, request=content_request,
                                                regenerate=data["regenerate"])
    return Response(results.generation_body(content, cached=cached))


GENERATION_ERRORS = error_responses(
    403, 404, 429, 502,
    s403="Not a seller (`permission_denied`), or the feature is switched off in the profile (`ai_disabled`).",
    s404="No such product of yours.",
    s429="Too many requests (`throttled`), or the AI quota of the last 24 hours is spent (`quota_exceeded`); "
         "see `Retry-After`.",
    s502="The AI provider failed, timed out or refused (`provider_error`).",
)
GENERATION_400 = error_responses(400, s400="Invalid input (`invalid`), or a language the provider cannot write "
                                           "(`language_unsupported`).")
ASYNC_RESPONSE = OpenApiResponse(s.AIJobSerializer, description="Queued (with `async: true` or "
                                 "`Prefer: respond-async`): poll the job's `url`, or wait for the `job` event on "
                                 "/ws/notifications/.")
PREFER_HEADER = OpenApiParameter("Prefer", str, OpenApiParameter.HEADER, required=False,
                                 description="`respond-async` to get 202 and a job instead of waiting.")


class GenerateView(APIView):
    permission_classes = [IsSeller]
    throttle_classes = with_default_throttles(AIGenerateThrottle)
    request_serializer: type[serializers.Serializer]
    content_type: str

    def post(self, request):
        params = self.request_serializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        product = seller_product(request.user, data["product_id"])
        return generation_response(request, product=product, data=data,
                                   content_request=s.content_request(data, content_type=self.content_type))


@extend_schema_view(post=extend_schema(
    tags=TAGS, summary="Write a product description", request=s.DescriptionRequestSerializer,
    parameters=[PREFER_HEADER],
    responses={200: s.DescriptionResponseSerializer, 202: ASYNC_RESPONSE, **GENERATION_400, **GENERATION_ERRORS}))
class GenerateDescriptionView(GenerateView):
    request_serializer = s.DescriptionRequestSerializer
    content_type = ContentType.DESCRIPTION


@extend_schema_view(post=extend_schema(
    tags=TAGS, summary="Suggest hashtags for a platform", request=s.HashtagsRequestSerializer,
    parameters=[PREFER_HEADER],
    responses={200: s.HashtagsResponseSerializer, 202: ASYNC_RESPONSE, **GENERATION_400, **GENERATION_ERRORS}))
class GenerateHashtagsView(GenerateView):
    request_serializer = s.HashtagsRequestSerializer
    content_type = ContentType.HASHTAGS


@extend_schema_view(post=extend_schema(
    tags=TAGS, summary="Write a social post within the platform's limits", request=s.SocialPostRequestSerializer,
    parameters=[PREFER_HEADER],
    responses={200: s.SocialPostResponseSerializer, 202: ASYNC_RESPONSE, **GENERATION_400, **GENERATION_ERRORS}))
class GenerateSocialPostView(GenerateView):
    request_serializer = s.SocialPostRequestSerializer
    content_type = ContentType.SOCIAL_POST


class ProductGenerateView(APIView):
    """The product-scoped generation endpoints: the product in the path, the rest in the body."""

    permission_classes = [IsSeller]
    throttle_classes = with_default_throttles(AIGenerateThrottle)
    request_serializer: type[serializers.Serializer]

    def post(self, request, pk):
        product = seller_product(request.user, pk)
        params = self.request_serializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        return generation_response(request, product=product, data=data, content_request=s.content_request(data))


@extend_schema_view(post=extend_schema(
    tags=["products"], summary="Generate a description, hashtags or a social post for a product",
    request=s.ProductGenerateRequestSerializer, parameters=[PREFER_HEADER],
    responses={200: s.AnyGenerationResponseSerializer, 202: ASYNC_RESPONSE, **GENERATION_400, **GENERATION_ERRORS}))
class ProductGenerateAIContentView(ProductGenerateView):
    request_serializer = s.ProductGenerateRequestSerializer


@extend_schema_view(post=extend_schema(
    tags=["products"], summary="Write a new version of a product's AI content, in a language",
    request=s.GenerateContentRequestSerializer, parameters=[PREFER_HEADER],
    responses={200: s.AnyGenerationResponseSerializer, 202: ASYNC_RESPONSE, **GENERATION_400, **GENERATION_ERRORS}))
class ProductGenerateContentView(ProductGenerateView):
    request_serializer = s.GenerateContentRequestSerializer


# --- Review -----------------------------------------------------------------------------------

@extend_schema_view(get=extend_schema(
    tags=["products"], summary="The AI content written for a product, newest first", parameters=PAGE_PARAMETERS,
    responses={200: s.AIContentSerializer(many=True), **error_responses(403, 404)}))
class ProductContentListView(generics.ListAPIView):
    permission_classes = [IsSeller]
    serializer_class = s.AIContentSerializer
    filter_backends = [FilterBackend]
    filterset_class = AIContentFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no product
            return AIContent.objects.none()
        product = seller_product(self.request.user, self.kwargs["pk"])
        return AIContent.objects.filter(product=product)


class ProductContentDetailView(APIView):
    permission_classes = [IsSeller]

    def get_content(self, pk, content_id) -> AIContent:
        product = seller_product(self.request.user, pk)
        content = AIContent.objects.filter(product=product, pk=content_id).first()
        if content is None:
            raise NotFound("No such content for this product.")
        return content

    @extend_schema(tags=["products"], summary="One AI content", responses={200: s.AIContentSerializer,
                                                                         **error_responses(403, 404)})
    def get(self, request, pk, content_id):
        return Response(s.AIContentSerializer(self.get_content(pk, content_id)).data)

    @extend_schema(tags=["products"], summary="Edit, approve or reject AI content (and apply a description)",
                   request=s.AIContentUpdateSerializer,
                   responses={200: s.AIContentSerializer, **error_responses(
                       403, 404, s400="Invalid input, a text that breaks the platform's rules, or `apply` on "
                                      "something other than an approved description (`not_applicable`).")})
    def put(self, request, pk, content_id):
        return self._update(request, pk, content_id, partial=False)

    @extend_schema(tags=["products"], summary="Edit, approve or reject AI content (and apply a description)",
                   request=s.AIContentUpdateSerializer(partial=True),
                   responses={200: s.AIContentSerializer, **error_responses(403, 404)})
    def patch(self, request, pk, content_id):
        return self._update(request, pk, content_id, partial=True)

    def _update(self, request, pk, content_id, *, partial: bool):
        content = self.get_content(pk, content_id)
        params = s.AIContentUpdateSerializer(data=request.data, partial=partial)
        params.is_valid(raise_exception=True)
        content = content_services.content_update(content=content, actor=request.user, data=params.validated_data)
        return Response(s.AIContentSerializer(content).data)


# --- Jobs, usage, replies ---------------------------------------------------------------------

class AIJobView(APIView):
    @extend_schema(tags=TAGS, summary="An AI job: its status, then its result or error",
                   responses={200: s.AIJobSerializer, **error_responses(404, s404="No such job of yours.")})
    def get(self, request, job_id):
        jobs_of_user = AIJob.objects.filter(user=request.user, pk=job_id)
        jobs.jobs_fail_stale(queryset=jobs_of_user)  # correct even with no worker and no beat
        job = jobs_of_user.first()
        if job is None:
            raise NotFound("No such job.")
        return Response(s.AIJobSerializer(job).data)


class AIUsageView(APIView):
    @extend_schema(tags=TAGS, summary="Your AI usage by day and feature, and your quota",
                   parameters=[s.UsageQuerySerializer],
                   responses={200: s.UsageResponseSerializer, **error_responses(400)})
    def get(self, request):
        params = s.UsageQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(usage_report(user=request.user, days=params.validated_data["days"]))


class ReplySuggestionsView(APIView):
    permission_classes = [IsSeller]
    throttle_classes = with_default_throttles(AIGenerateThrottle)

    @extend_schema(tags=TAGS, summary="Three replies to suggest to the seller in a customer chat",
                   request=s.ReplySuggestionsRequestSerializer,
                   description="From the `messages` given, or from one of your chat conversations (`conversation`: "
                               "its last messages and its product, as `GET /api/chat/conversations/{id}/"
                               "ai_suggestions/` reads them).",
                   responses={200: s.ReplySuggestionsResponseSerializer, **GENERATION_400, **error_responses(
                       403, 404, 429, 502, s403="Not a seller, or reply suggestions are switched off (`ai_disabled`).",
                       s404="No such product or conversation of yours.",
                       s429="Too many requests (`throttled`) or the AI quota of the last 24 hours is spent "
                            "(`quota_exceeded`).")})
    def post(self, request):
        params = s.ReplySuggestionsRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        if "conversation" in data:
            conversation = conversation_context(seller=request.user, conversation_id=data["conversation"])
            if conversation is None:
                raise NotFound("No such conversation of yours.")
            suggestions = replies.conversation_reply_suggestions(user=request.user, conversation=conversation,
                                                                 language=data["language"])
            return Response({"suggestions": suggestions})
        product = seller_product(request.user, data["product_id"]) if data.get("product_id") else None
        suggestions = replies.reply_suggestions(user=request.user, messages=data["messages"], product=product,
                                                 language=data["language"])
        return Response({"suggestions": suggestions})


class RecommendationsView(APIView):
    """Read from the precomputed table (ai.recommendations): a fixed number of queries whatever
    the limit. Anonymous shoppers without a product get popular products rather than a 401."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS, summary="Recommended products: beside a product, or for the signed-in shopper",
        parameters=[s.RecommendationsQuerySerializer],
        responses={
            200: PolymorphicProxySerializer(
                component_name="Recommendations", resource_type_field_name=None,
                serializers=[s.ProductRecommendationsSerializer, s.ShopperRecommendationsSerializer]),
            **error_responses(400, 404, s404="No such product on sale (`not_found`)."),
        })
    def get(self, request):
        params = s.RecommendationsQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        limit, product_id = params.validated_data["limit"], params.validated_data.get("product_id")
        rows = PublicRows(request)
        if product_id is not None:
            product = Product.objects.public().filter(pk=product_id).first()
            if product is None:
                raise NotFound()
            lists = recommendations.recommendations_for_product(product=product, limit=limit)
            rows.count_holds(p for products in lists.values() for p in products)
            return Response({"product_id": product.pk, **{kind: [rows.product(p) for p in products]
                                                          for kind, products in lists.items()}})
        if request.user.is_authenticated:
            products, strategy = recommendations.recommendations_for_user(user=request.user, limit=limit)
        else:
            products, strategy = recommendations.popular_products(limit=limit), "popular"
        return Response({"results": rows.products(products), "strategy": strategy})
