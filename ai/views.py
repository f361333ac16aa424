from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ai import search
from ai import serializers as s
from products.selectors import PublicRows
from sellflow.pagination import PAGE_PARAMETERS, HeaderPagination
from sellflow.schema import error_responses

TAGS = ["ai"]


class SearchView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(tags=TAGS, summary="Search the catalog in plain words (price, stock, colour, size, category)",
                   parameters=[s.SearchQuerySerializer, *PAGE_PARAMETERS],
                   responses={200: s.SearchResponseSerializer, **error_responses(400, 404, s404="No such page.")})
    def get(self, request):
        params = s.SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        interpretation = search.interpret(params.validated_data["q"])
        chosen = params.validated_data.get("category", "")
        if chosen:  # the shopper's own choice wins over a category read in the words; the chips say so
            interpretation.category = search.category_named(chosen)
        products = search.products_for(interpretation, category=chosen)
        paginator = HeaderPagination()
        page = paginator.paginate_queryset(products, request, view=self)
        rows = PublicRows(request)
        body = {"query": params.validated_data["q"], "interpreted": interpretation.as_dict(),
                "count": paginator.page.paginator.count, "results": [rows.product(product) for product in page]}
        return Response(body, headers=paginator.get_headers())
