"""The one filter backend: django-filter's (its filtersets raise, so an unknown enum value or a
malformed number or date is a 400 `invalid`), also refusing a present but empty value where the
schema states something other than free text (`?created_before=`, `?status=`, `?is_read=`), which
django-filter would read as no filter at all."""

from functools import cache

import django_filters
from django.forms import MultiWidget
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

# Filters whose schema is a free string (or a list, for ordering): an empty value is a value.
FREE_TEXT_FILTERS = (django_filters.CharFilter, django_filters.OrderingFilter)


@cache
def filters_only_when_asked(filterset_class: type[django_filters.FilterSet]) -> bool:
    """Whether the filterset does nothing when none of its filters' names is in the query: no filter
    is required, each reads the parameter of its own name (a range filter reads `price_min`...), and
    the filterset filters the ordinary way (no `qs` or `filter_queryset` of its own)."""
    plain = (filterset_class.qs is django_filters.FilterSet.qs
             and filterset_class.filter_queryset is django_filters.FilterSet.filter_queryset)
    return plain and not any(declared.extra.get("required") or isinstance(declared.field.widget, MultiWidget)
                             for declared in filterset_class.base_filters.values())


class FilterBackend(DjangoFilterBackend):
    raise_exception = True

    def filter_queryset(self, request, queryset, view):
        # A list's plain first page asks for no filter: no filterset to build and validate for nothing.
        filterset_class = self.get_filterset_class(view, queryset)
        if (filterset_class is not None and filters_only_when_asked(filterset_class)
                and not any(name in request.query_params for name in filterset_class.base_filters)):
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            blank = {
                name: ["This field may not be blank."]
                for name, declared in filterset.filters.items()
                if not isinstance(declared, FREE_TEXT_FILTERS) and "" in request.query_params.getlist(name)
            }
            if blank:
                raise ValidationError(blank)
        return filterset


class QuerySerializer(serializers.Serializer):
    """A query string read with a serializer, as strict as the filter backend: a present but empty
    value (`?to=`) of a field that is not free text is refused, where DRF would read it as absent."""

    def to_internal_value(self, data):
        if hasattr(data, "getlist"):
            blank = {name: ["This field may not be blank."] for name, field in self.fields.items()
                     if not isinstance(field, serializers.CharField) and "" in data.getlist(name)}
            if blank:
                raise ValidationError(blank)
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.BOOL)
class BooleanQueryFilter(django_filters.TypedChoiceFilter):
    """`true` or `false` (anything else is a 400), a boolean in the schema: django-filter's own
    BooleanFilter also takes `null`, `1`, `yes`..., which the schema does not say."""

    def __init__(self, **kwargs):
        super().__init__(choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true",
                         **kwargs)
