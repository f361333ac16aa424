"""The one error path: domain errors and every DRF/Django error become the conventions' shape.

    {"error": "Human readable sentence.", "code": "machine_readable_code", "details": {}}
"""

import logging
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.log import log_response
from django.views.decorators.csrf import csrf_exempt
from psycopg_pool import PoolTimeout
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import set_rollback

from sellflow.request_id import current_request_id

logger = logging.getLogger("sellflow.errors")


class ApplicationError(Exception):
    """A domain rule said no. Services raise it; the handler renders it."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"
    message = "The request could not be processed."

    def __init__(self, message: str | None = None, *, code: str | None = None, status_code: int | None = None,
                 details: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        self.message = message or self.message
        self.code = code or self.code
        self.status_code = status_code or self.status_code
        self.details = details or {}
        self.headers = headers or {}  # e.g. Retry-After on a 429
        super().__init__(self.message)


class Conflict(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"
    message = "The request conflicts with the current state."


class ProviderError(ApplicationError):
    status_code = status.HTTP_502_BAD_GATEWAY
    code = "provider_error"
    message = "An outside provider failed to answer."


class ServiceUnavailable(ApplicationError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "unavailable"
    message = "This service is not available right now."


class DatabaseBusy(ServiceUnavailable):
    """Every pooled database connection stayed busy for DATABASE_POOL_TIMEOUT: the server is
    saturated, not broken, and the client may try again shortly."""

    message = "The service is busy; try again in a moment."

    def __init__(self):
        super().__init__(headers={"Retry-After": "1"})


def _pool_exhausted(exc: BaseException | None) -> bool:
    """Django wraps psycopg_pool's PoolTimeout in its own OperationalError: look down the chain."""
    while exc is not None:
        if isinstance(exc, PoolTimeout):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def database_busy(exc: BaseException | None, request) -> DatabaseBusy | None:
    """The answer to give when `exc` is the pool's timeout (logged here, as a warning: a busy
    server is no fault to trace), else None. Shared by DRF's handler and Django's handler500."""
    if not _pool_exhausted(exc):
        return None
    logger.warning("Database pool exhausted: %s %s", request.method, request.path)
    return DatabaseBusy()


# Codes and sentences for DRF's own exceptions, keyed by class (most specific first).
_DRF_ERRORS: list[tuple[type[exceptions.APIException], str, str]] = [
    (exceptions.ValidationError, "invalid", "The submitted data is not valid."),
    (exceptions.ParseError, "parse_error", "The request body could not be parsed."),
    (exceptions.NotAuthenticated, "not_authenticated", "Authentication credentials were not provided."),
    (exceptions.PermissionDenied, "permission_denied", "You do not have permission to perform this action."),
    (exceptions.NotFound, "not_found", "Not found."),
    (exceptions.MethodNotAllowed, "method_not_allowed", "Method not allowed."),
    (exceptions.NotAcceptable, "not_acceptable", "The requested response format is not available."),
    (exceptions.UnsupportedMediaType, "unsupported_media_type", "Unsupported media type in the request."),
    (exceptions.Throttled, "throttled", "Too many requests."),
]


def error_body(error: str, code: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": error, "code": code, "details": details or {}}


def _first_message(detail: Any) -> str | None:
    if isinstance(detail, (list, tuple)) and detail:
        return _first_message(detail[0])
    if isinstance(detail, dict) and detail:
        return _first_message(next(iter(detail.values())))
    if detail:
        return str(detail)
    return None


def _render_api_exception(exc: exceptions.APIException) -> tuple[str, str, dict[str, Any]]:
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        first = _first_message(detail)
        sentence = f"The submitted data is not valid: {first}" if first else "The submitted data is not valid."
        return sentence, "invalid", _plain(detail)

    if isinstance(exc, exceptions.AuthenticationFailed):
        # Every failed authentication (bad, expired, blacklisted or revoked token; unknown or
        # inactive user) means the same to a client: this token cannot be used.
        detail = exc.detail
        if isinstance(detail, dict) and detail.get("detail"):
            sentence = str(detail["detail"])
        else:
            sentence = _first_message(detail) or "Authentication failed."
        return sentence, "token_not_valid", {}

    for exc_class, code, default_sentence in _DRF_ERRORS:
        if isinstance(exc, exc_class):
            detail = exc.detail
            sentence = str(detail) if isinstance(detail, str) else (_first_message(detail) or default_sentence)
            details: dict[str, Any] = {}
            if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
                details["retry_after"] = int(exc.wait + 0.999)
            return sentence, code, details

    code = getattr(exc, "default_code", None) or "error"
    return _first_message(exc.detail) or "The request could not be processed.", str(code), {}


def _plain(value: Any) -> Any:
    """ErrorDetail strings and nested containers as plain JSON values."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return str(value)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER: every error a view raises leaves in the conventions' shape."""
    headers: dict[str, str] = {}

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    else:
        exc = database_busy(exc, context["request"]) or exc

    if isinstance(exc, ApplicationError):
        set_rollback()
        return Response(error_body(exc.message, exc.code, exc.details), status=exc.status_code, headers=exc.headers)

    if isinstance(exc, RequestDataTooBig):
        # Django's own limit on what it reads into memory (a JSON body, a form's fields), said as
        # the ASGI wrapper says its own.
        set_rollback()
        return Response(error_body("The request body is too large.", "too_large",
                                   {"max_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}), status=413)

    if isinstance(exc, SuspiciousOperation):
        # Too many form fields or files, a malformed multipart body...: the client's fault.
        set_rollback()
        logger.warning("Suspicious request refused: %s", exc)
        return Response(error_body("The request could not be accepted.", "bad_request"), status=400)

    if isinstance(exc, exceptions.APIException):
        set_rollback()
        sentence, code, details = _render_api_exception(exc)
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait + 0.999))
        return Response(error_body(sentence, code, details), status=exc.status_code, headers=headers)

    set_rollback()
    request_id = current_request_id()
    logger.exception("Unhandled error in %s", context.get("view").__class__.__name__)
    return Response(
        error_body("Internal server error.", "server_error", {"request_id": request_id}),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


# Django's own handlers, for what never reaches a DRF view (unknown paths, plain Django views).
def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def json_not_found(request, exception=None):
    if not _is_api(request):
        from django.views.defaults import page_not_found

        return page_not_found(request, exception)
    return JsonResponse(error_body("Not found.", "not_found"), status=404)


def json_server_error(request):
    # Django calls handler500 inside its `except` block, so the exception is sys.exc_info()'s:
    # a pool timeout in a middleware, a plain Django view or the admin is a 503 here.
    busy = database_busy(sys.exc_info()[1], request)
    if busy is not None:
        return _database_busy_response(request, busy)
    if not _is_api(request):
        from django.views.defaults import server_error

        return server_error(request)
    return JsonResponse(
        error_body("Internal server error.", "server_error", {"request_id": current_request_id()}), status=500
    )


def _database_busy_response(request, busy: DatabaseBusy) -> HttpResponse:
    if _is_api(request):
        body = error_body(busy.message, busy.code, busy.details)
        response = JsonResponse(body, status=busy.status_code, headers=busy.headers)
    else:  # a page (the admin), answered in HTML as its other errors are
        response = HttpResponse("<h1>Service Unavailable (503)</h1>", status=busy.status_code, headers=busy.headers)
    # Logged as Django logs a 503 that a view returns (as the DRF path's is), before Django would
    # log it as an uncaught exception, with the pool's traceback.
    log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)
    return response


def json_bad_request(request, exception=None):
    if not _is_api(request):
        from django.views.defaults import bad_request

        return bad_request(request, exception)
    return JsonResponse(error_body("Bad request.", "bad_request"), status=400)


def json_permission_denied(request, exception=None):
    if not _is_api(request):
        from django.views.defaults import permission_denied

        return permission_denied(request, exception)
    body = error_body("You do not have permission to perform this action.", "permission_denied")
    return JsonResponse(body, status=403)


@csrf_exempt
def api_not_found_view(request, *args, **kwargs):
    """The last /api/ route: unknown API paths answer JSON even when DEBUG is on."""
    return JsonResponse(error_body("Not found.", "not_found"), status=404)


def csrf_failure(request, reason=""):
    if not _is_api(request):
        from django.views.csrf import csrf_failure as django_csrf_failure

        return django_csrf_failure(request, reason)
    return JsonResponse(error_body("CSRF verification failed.", "permission_denied", {"reason": reason}), status=403)
