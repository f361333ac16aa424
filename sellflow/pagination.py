"""List pagination of the conventions: the body is a JSON array, the page metadata travels in
`X-Total-Count` and an RFC 8288 `Link` header. `page` and `page_size` are read as the schema states
them (whole numbers, at least 1, `page_size` at most `max_page_size`): anything else is a 400
`invalid` naming the parameter, as a bad body is, never silently clamped or ignored. A page past the
end stays a 404."""

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class HeaderPagination(PageNumberPagination):
    """Lists a user owns (their products, orders, notifications...): 100 a page unless asked,
    up to 500. The document's frontend reads lists as plain arrays and does not page."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request) -> int:
        value = self._query_integer(request, self.page_size_query_param, max_value=self.max_page_size)
        return self.page_size if value is None else value

    def get_page_number(self, request, paginator) -> int:
        value = self._query_integer(request, self.page_query_param)
        return 1 if value is None else value

    @staticmethod
    def _query_integer(request, name: str, *, max_value: int | None = None) -> int | None:
        """The query parameter `name` as a whole number from 1 (to `max_value`), None when absent."""
        if name not in request.query_params:
            return None
        field = serializers.IntegerField(min_value=1, max_value=max_value)
        try:
            return field.run_validation(request.query_params[name])
        except serializers.ValidationError as error:
            raise serializers.ValidationError({name: error.detail}) from None

    def get_paginated_response(self, data):
        return Response(data, headers=self.get_headers())

    def get_headers(self) -> dict[str, str]:
        page = self.page
        url = self.request.build_absolute_uri()
        last = page.paginator.num_pages

        def page_url(number: int) -> str:
            if number == 1:
                return remove_query_param(url, self.page_query_param)
            return replace_query_param(url, self.page_query_param, number)

        links = [(page_url(1), "first"), (page_url(last), "last")]
        if page.has_previous():
            links.insert(0, (page_url(page.previous_page_number()), "prev"))
        if page.has_next():
            links.insert(0, (page_url(page.next_page_number()), "next"))
        return {
            "X-Total-Count": str(page.paginator.count),
            "Link": ", ".join(f'<{href}>; rel="{rel}"' for href, rel in links),
        }

    def get_paginated_response_schema(self, schema):
        return schema

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size, "default": self.page_size})
                parameter["description"] = _page_size_description(type(self))
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update({"minimum": 1})
        return parameters


class CatalogPagination(HeaderPagination):
    """The public catalog (the list, a vendor's page, search): 20 a page unless asked, up to 100."""

    page_size = 20
    max_page_size = 100


def page_parameters(pagination: type[HeaderPagination]) -> list[OpenApiParameter]:
    """For views that paginate by hand (their body is not a plain list): the same query parameters."""
    return [
        OpenApiParameter("page", {"type": "integer", "minimum": 1}),
        OpenApiParameter("page_size", {"type": "integer", "minimum": 1, "maximum": pagination.max_page_size,
                                       "default": pagination.page_size},
                         description=_page_size_description(pagination)),
    ]


def _page_size_description(pagination: type[HeaderPagination]) -> str:
    return (f"Items a page: {pagination.page_size} unless asked, at most {pagination.max_page_size}. "
            "`X-Total-Count` tells how many there are, `Link` where the next page is.")


PAGE_PARAMETERS = page_parameters(HeaderPagination)
CATALOG_PAGE_PARAMETERS = page_parameters(CatalogPagination)
