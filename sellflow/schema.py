"""OpenAPI generation: every operation documents the conventions' error responses, and every
paginated list its `X-Total-Count` and `Link` headers."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer
from rest_framework import serializers
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
        if self.method in {"POST", "PUT", "PATCH"} or self._is_list_view():
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

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = {**_REQUEST_ID_HEADER, **super()._get_response_headers_for_code(status_code, direction)}
        if status_code == "429":  # declared by the view (error_responses) or added above: the same header
            headers = {**headers, **_RETRY_AFTER_HEADER}
        if status_code.startswith("2") and self._is_list_view() and self._get_paginator():
            headers = {**_LIST_HEADERS, **headers}
        return headers

