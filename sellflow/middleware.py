"""Request ids and the access log line, the body size limit, the Content-Security-Policy, an `Allow`
header that matches the schema."""

import logging
import time
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.utils.functional import SimpleLazyObject, empty

from sellflow.body_limit import body_limit_for, too_large_response
from sellflow.redaction import redact
from sellflow.request_id import bind_request_id
from sellflow.schema import documented_methods

access_logger = logging.getLogger("sellflow.access")

# Query parameters whose values are credentials: an OAuth callback's code and state, a socket's
# token. The access log shows that they were there, never what they were.
SECRET_QUERY_PARAMETERS = frozenset({"code", "state", "token", "access_token"})


class RequestIdMiddleware:
    """Binds the request id, puts it on the response, writes one access log line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = bind_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        started = time.monotonic()

        response = self.get_response(request)

        response["X-Request-ID"] = request_id
        access_logger.info(
            "%s %s %s %.1fms user=%s",
            request.method,
            loggable_path(request)[:300],
            response.status_code,
            (time.monotonic() - started) * 1000,
            known_user_id(request) or "-",
        )
        return response


def loggable_path(request) -> str:
    """The path and query as logged: the values of credential parameters and a payment link's
    token replaced."""
    query = request.META.get("QUERY_STRING", "")
    if not query or not any(name in query for name in SECRET_QUERY_PARAMETERS):
        return redact(request.get_full_path())
    pairs = [(name, "[redacted]" if name in SECRET_QUERY_PARAMETERS else value)
             for name, value in parse_qsl(query, keep_blank_values=True)]
    return f"{redact(request.path)}?{urlencode(pairs, safe='[]')}"


def known_user_id(request) -> int | None:
    """The id of the user the request has already loaded. Never loaded here: a log line makes no
    query, nor waits again for a database (or its pool) that already failed the request."""
    user = getattr(request, "user", None)
    # A lazy object has no public "loaded yet?": `_wrapped is empty` is how Django's own code asks.
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:  # noqa: SLF001
        return None
    return getattr(user, "pk", None)


class BodySizeLimitMiddleware:
    """Refuses bodies announced as larger than their path's limit before anything reads them.

    Under ASGI sellflow.body_limit.BodySizeLimit has refused them already, chunked ones
    included; this serves the WSGI entry point (and the test client), where Django reads at most
    Content-Length bytes and a body without a length as empty, so the header is all there is."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = body_limit_for(request.path_info)
        try:
            length = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > limit:
            return too_large_response(limit)
        return self.get_response(request)


# The admin, Swagger UI and ReDoc are served from here with all their assets: they run this
# origin's script files and nothing inline, are framed by nobody and post forms only here.
PAGE_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    # Swagger UI and ReDoc set styles at run time; the admin's email preview carries its own.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    # ReDoc's search runs in a worker made from its own bundle.
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# JSON, files, scripts: nothing in them may run, load or be framed if opened as a page.
RESOURCE_POLICY = "default-src 'none'; frame-ancestors 'none'"


class ContentSecurityPolicyMiddleware:
    """A Content-Security-Policy on every response that has none: PAGE_POLICY on HTML,
    RESOURCE_POLICY on anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" in response:
            return response
        is_page = response.get("Content-Type", "").startswith("text/html")
        if is_page and settings.DEBUG and response.status_code >= 500:
            return response  # Django's debug page works with inline script; never served in production
        response["Content-Security-Policy"] = PAGE_POLICY if is_page else RESOURCE_POLICY
        return response


class DocumentedAllowMiddleware:
    """`Allow` advertises the methods the OpenAPI schema documents for the path. A method kept only
    as an alias of another path (`GET /api/auth/profile/` for `GET /api/auth/user/me/`, left out of
    the schema so that it appears once) still answers, but is not advertised; HEAD goes with GET."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = request.resolver_match
        if match is None or not response.has_header("Allow"):
            return response
        documented = documented_methods(match.func)
        if documented is None:
            return response
        keep = documented | {"OPTIONS"} | ({"HEAD"} if "GET" in documented else set())
        advertised = [method.strip() for method in response["Allow"].split(",")]
        response["Allow"] = ", ".join(method for method in advertised if method.upper() in keep)
        return response
