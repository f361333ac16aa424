"""OpenAPI generation: every operation documents the conventions' error responses, and every
paginated list its `X-Total-Count` and `Link` headers; `documented_methods` tells which methods of a
route the schema documents (what `Allow` advertises).

The schema states what the code enforces, so that a request the schema calls valid is accepted:
- request bodies are documented as JSON (and multipart where a view takes files): the form
  encoding the parsers also take cannot carry null, lists or objects;
- a decimal's pattern says its sign, digits and places as its min_value, max_value, max_digits and
  decimal_places allow (drf-spectacular's allows "", "-" and any sign);
- a list that may not be empty says `minItems: 1`;
- a string that may not be blank says so with a pattern (DRF trims whitespace before it checks);
- a file field with `openapi_content_type` names the media types of its multipart part
  (`encoding`), so a client (or a fuzzer) knows an image upload takes JPEG, PNG or WebP;
- a serializer with `openapi_form_encoded = True` (multipart only) says "an empty part" where
  JSON would say null;
- a field class or a validator with an `openapi_schema` dict (or function) adds it to the field's schema, and a
  serializer class with one adds it to its request schema (`anyOf` of `required` lists, for "send
  this or that", or "this one when that one has such a value"), and makes its body required;
- django-filter parameters state the type, range and length of the form field that parses them.
Rules OpenAPI 3.0 cannot state (the database's state, a value equal to another field's, a
signature) are in the fields' descriptions.
"""

from decimal import Decimal
from functools import cache

from django import forms
from django.core.validators import RegexValidator
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny, IsAuthenticated


class SessionJWTScheme(SimpleJWTScheme):
    # The API's authentication is simplejwt's bearer token, documented as drf-spectacular does it.
    target_class = "sellflow.authentication.SessionJWTAuthentication"


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="Human readable sentence.")
    code = serializers.CharField(help_text="Machine readable code, e.g. `invalid`, `not_found`, `throttled`.")
    details = serializers.DictField(
        help_text="Field → messages for validation errors; other context otherwise.",
    )


_ERROR_DESCRIPTIONS = {
    "400": "Invalid input (`invalid`, `parse_error`, or a domain code).",
    "401": "Missing or unusable token (`not_authenticated`, `token_not_valid`).",
    "403": "Authenticated but not allowed (`permission_denied`).",
    "404": "No such object, or not yours (`not_found`).",
    "409": "Conflicts with the current state.",
    "410": "No longer available (`link_expired`, or a domain code).",
    "413": "Request body too large (`too_large`).",
    "415": "Unsupported media type (`unsupported_media_type`).",
    "429": "Too many requests (`throttled`); see `Retry-After`.",
    "502": "An outside provider failed (`provider_error`).",
    "503": "Not available right now (`unavailable`).",
}

_LIST_HEADERS = {
    "X-Total-Count": {"schema": {"type": "integer"}, "description": "Number of items across all pages."},
    "Link": {
        "schema": {"type": "string"},
        "description": 'RFC 8288 links to the `first`, `last`, `prev` and `next` pages.',
    },
}


def error_responses(*status_codes: int, **descriptions: str) -> dict[int, OpenApiResponse]:
    """Error responses a view can give beyond the automatic ones, for `extend_schema(responses=)`:
    `error_responses(401, 409, s409="Already verified (`already_verified`).")`."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=descriptions.get(f"s{code}", _ERROR_DESCRIPTIONS[str(code)]))
        for code in status_codes
    }


_RETRY_AFTER_HEADER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}

_REQUEST_ID_HEADER = {
    "X-Request-ID": {
        "schema": {"type": "string"},
        "description": "Id of this request, also in the server's log lines (and in 500 error details).",
    }
}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for status_code in self._error_status_codes():
            if status_code not in responses:
                response = self._get_response_for_code(ErrorSerializer, status_code, direction=direction)
                response["description"] = _ERROR_DESCRIPTIONS[status_code]
                responses[status_code] = response
        return responses

    def _error_status_codes(self) -> list[str]:
        view = self.view
        codes = []
        if self._validates_input():
            codes.append("400")
        if view.get_authenticators():
            codes.append("401")  # a bad token is refused even where none is required
        if any(not isinstance(permission, (AllowAny, IsAuthenticated)) for permission in view.get_permissions()):
            codes.append("403")
        if "{" in self.path or self._is_list_view():
            codes.append("404")  # no such object, or a page past the end
        if self.method in {"POST", "PUT", "PATCH"}:
            codes += ["413", "415"]
        if view.get_throttles():
            codes.append("429")
        return codes

    def _validates_input(self) -> bool:
        """A body, a list's filters and pages, or declared query parameters (OpenApiParameter or a
        serializer of them): what the schema refuses is a 400."""
        return self.method in {"POST", "PUT", "PATCH"} or self._is_list_view() or any(
            not isinstance(parameter, OpenApiParameter) or parameter.location == OpenApiParameter.QUERY
            for parameter in self.get_override_parameters()
        )

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = {**_REQUEST_ID_HEADER, **super()._get_response_headers_for_code(status_code, direction)}
        if status_code == "429":  # declared by the view (error_responses) or added above: the same header
            headers = {**headers, **_RETRY_AFTER_HEADER}
        if status_code.startswith("2") and self._is_list_view() and self._get_paginator():
            headers = {**_LIST_HEADERS, **headers}
        return headers


    # --- Requests: what the code enforces, stated -------------------------------------------

    def map_parsers(self):
        # The form encoding has no null, list or object: documented, it would call valid what
        # the serializers refuse. FormParser still parses (HTML forms), undocumented.
        parsers = [parser for parser in self.view.get_parsers() if not isinstance(parser, FormParser)]
        return list(dict.fromkeys(parser.media_type for parser in parsers)) or super().map_parsers()

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request" or not isinstance(schema, dict) or "$ref" in schema:
            return schema
        # A blank-allowed string with a format is oneOf(format, ""): the rules go to the first.
        target = schema["oneOf"][0] if "oneOf" in schema and getattr(field, "allow_blank", False) else schema
        target.update(_request_constraints(field, target))
        for source in (type(field), *field.validators):
            target.update(_openapi_schema(source))
        return schema

    def _get_request_body(self, direction="request"):
        request_body = super()._get_request_body(direction)
        if not request_body:
            return request_body
        declared = self.get_request_serializer()
        by_media_type = declared if isinstance(declared, dict) else dict.fromkeys(request_body["content"], declared)
        for media_type, serializer in by_media_type.items():
            serializer = force_instance(getattr(serializer, "request", serializer))  # OpenApiRequest or not
            # A body whose schema requires something (even a PATCH's) cannot be left out.
            if _openapi_schema(serializer):
                request_body["required"] = True
            if media_type.startswith("multipart/") and media_type in request_body["content"]:
                encoding = _file_encodings(serializer)
                if encoding:
                    request_body["content"][media_type].setdefault("encoding", {}).update(encoding)
        return request_body

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request":
            schema.update(_openapi_schema(serializer))
            if getattr(serializer, "openapi_form_encoded", False):
                _null_as_empty_part(schema)
        return schema


def _request_constraints(field, schema: dict) -> dict:
    """What DRF refuses that drf-spectacular's schema of `field` does not say."""
    if isinstance(field, serializers.DecimalField) and schema.get("type") == "string":
        pattern = decimal_pattern(field)
        if field.allow_null:  # DRF reads "" in a nullable decimal as null
            pattern = f"^(?:{pattern[1:-1]})?$"
        return {"pattern": pattern}
    if isinstance(field, (serializers.ListField, serializers.ListSerializer)) and not field.allow_empty:
        return {"minItems": max(schema.get("minItems", 0), 1)}
    if (isinstance(field, serializers.CharField) and field.trim_whitespace and not field.allow_blank
            and not {"pattern", "format", "enum"} & set(schema)
            and not any(isinstance(validator, RegexValidator) for validator in field.validators)):
        return {"pattern": r"\S"}  # surrounding whitespace is trimmed: a blank string is refused
    return {}


def _null_as_empty_part(schema: dict) -> None:
    """A multipart body carries text, never null: DRF reads an empty part of a nullable field as
    null, so that is what the schema of a multipart-only serializer says."""
    for name, subschema in schema.get("properties", {}).items():
        if subschema.pop("nullable", False):
            outer = {key: subschema.pop(key) for key in ("description", "readOnly", "writeOnly") if key in subschema}
            # anyOf, not oneOf: a string that may be blank matches both, and is still valid once.
            schema["properties"][name] = {"anyOf": [subschema, {"type": "string", "maxLength": 0}], **outer}


def _file_encodings(serializer) -> dict:
    """Multipart parts whose file field (or list of them) names the media types it takes."""
    encodings = {}
    for name, field in getattr(serializer, "fields", {}).items():
        content_type = getattr(getattr(field, "child", field), "openapi_content_type", None)
        if content_type and not field.read_only:
            encodings[name] = {"contentType": content_type}
    return encodings


def _openapi_schema(source) -> dict:
    """What a field class, validator or serializer says of itself: `openapi_schema`, a dict or a
    function returning one (for rules that follow the configuration)."""
    declared = getattr(source, "openapi_schema", None)
    return (declared() if callable(declared) else declared) or {}


def decimal_pattern(field: serializers.DecimalField) -> str:
    """The strings a DecimalField takes (a subset where the exact set has no simple regex: no
    leading zeros, at most as many integer digits as the largest value has)."""
    places = field.decimal_places or 0
    digits = _integer_digits(field, places)
    integer = f"(?:0|[1-9][0-9]{{0,{max(digits - 1, 0)}}})"
    fraction = rf"(?:\.[0-9]{{1,{places}}})?" if places else ""
    minimum = field.min_value
    if minimum is not None and Decimal(minimum) > 0 and places and Decimal(minimum) <= Decimal(10) ** -places:
        non_zero_fraction = "|".join("0" * i + f"[1-9][0-9]{{0,{places - 1 - i}}}" for i in range(places))
        return rf"^(?:[1-9][0-9]{{0,{max(digits - 1, 0)}}}{fraction}|0\.(?:{non_zero_fraction}))$"
    sign = "" if minimum is not None and Decimal(minimum) >= 0 else "-?"
    return f"^{sign}{integer}{fraction}$"


def _integer_digits(field: serializers.DecimalField, places: int) -> int:
    digits = (field.max_digits or 30) - places
    if field.max_value is None:
        return digits
    largest = Decimal(field.max_value)
    whole = len(str(int(largest)))
    all_nines = largest >= Decimal(10) ** whole - Decimal(10) ** -places  # 99999999.99: all of its digits
    return min(digits, whole if all_nines else whole - 1)


_FILTER_BOUNDS = {
    "integer": (("min_value", "minimum"), ("max_value", "maximum")),
    "number": (("min_value", "minimum"), ("max_value", "maximum")),
    "string": (("min_length", "minLength"), ("max_length", "maxLength")),
}


class FilterFieldExtension(DjangoFilterExtension):
    """django-filter's parameters, with the type and bounds of the form field that parses them
    (`IntegerField(min_value=1)` is an integer from 1, not any number)."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        form_field = filter_field.field
        for parameter in parameters:
            schema = parameter["schema"]
            whole = isinstance(form_field, forms.IntegerField) and not isinstance(form_field, forms.DecimalField)
            if whole and schema.get("type") == "number":
                schema["type"] = "integer"
            for attribute, keyword in _FILTER_BOUNDS.get(schema.get("type"), ()):
                value = getattr(form_field, attribute, None)
                if value is not None:
                    schema[keyword] = int(value) if int(value) == value else float(value)
        return parameters


@cache
def documented_methods(callback) -> frozenset[str] | None:
    """The methods of a DRF route (`request.resolver_match.func`) that the schema documents, upper
    case: those whose handler is not `extend_schema(exclude=True)`. None for a route that is not a DRF
    view, or whose every method is excluded (an alias path, left out of the schema whole)."""
    view_class = getattr(callback, "cls", None)
    if view_class is None:
        return None
    generator = SchemaGenerator()
    documented = set()
    for method in view_class().allowed_methods:
        if method in {"OPTIONS", "HEAD"}:
            continue
        view = generator.create_view(callback, method)
        if not view.schema.is_excluded():
            documented.add(method)
    return frozenset(documented) or None
