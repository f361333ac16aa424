"""Idempotent POSTs (conventions: Idempotency and concurrency). A request carrying an
`Idempotency-Key` does its work once per user, key and path within IDEMPOTENCY_KEY_HOURS; a
retry, even one racing the first, gets the first successful answer back. Used by checkout,
payment processing, social publishing and payment links through the `idempotent` decorator. A
view open without an account (a payment link) names what its keys belong to instead of a user
(`idempotent(anonymous_scope=...)`)."""

import hashlib
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.http.request import RawPostDataException
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from sellflow.exceptions import ApplicationError, Conflict, error_body
from sellflow.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER, {"type": "string", "maxLength": MAX_KEY_LENGTH}, OpenApiParameter.HEADER, required=False,
    description=f"Any unique string (a UUID): a retry with the same key within "
                f"{settings.IDEMPOTENCY_KEY_HOURS} h returns the first answer and does the work once.",
)


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was already used for a different request."


def request_fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request_content(request)):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def request_content(request) -> bytes:
    """The request's body; for a multipart body already parsed (its stream is read once), its
    fields and files, each file by name, size and digest."""
    try:
        return request.body
    except RawPostDataException:
        pass
    parts = [f"{name}={value}" for name, values in sorted(request.POST.lists()) for value in values]
    for name, files in sorted(request.FILES.lists()):
        for upload in files:
            content = hashlib.sha256()
            for chunk in upload.chunks():
                content.update(chunk)
            upload.seek(0)
            parts.append(f"{name}:{upload.name}:{upload.size}:{content.hexdigest()}")
    return "\n".join(parts).encode("utf-8", "surrogatepass")


# anonymous_scope(request, **view_kwargs): what an anonymous request's key belongs to, e.g.
# "payment-link-order:42". It may raise the view's own errors (an invalid link is a 404).
AnonymousScope = Callable[..., str]


def record_owner(request, anonymous_scope: AnonymousScope | None, view_kwargs: dict) -> dict:
    """The fields a key is unique under: the signed-in user and the path, or for a request without
    an account its scope and the URL's pattern (its parameters are what the scope stands for, and
    may be a secret, as a payment link's token, not to be kept twice)."""
    if request.user and request.user.is_authenticated:
        return {"user": request.user, "scope": "", "path": request.path}
    if anonymous_scope is None:
        raise ImproperlyConfigured("An idempotent view open without an account needs an anonymous_scope.")
    route = request.resolver_match.route if request.resolver_match else request.path
    return {"user": None, "scope": anonymous_scope(request, **view_kwargs), "path": route}


def _record(request, key: str, owner: dict) -> IdempotencyRecord:
    fresh_after = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    lookup = {**owner, "key": key}
    IdempotencyRecord.objects.filter(created_at__lt=fresh_after, **lookup).delete()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(fingerprint=request_fingerprint(request), **lookup)
    except IntegrityError:
        return IdempotencyRecord.objects.get(**lookup)


# Longer than any request can run (gateway calls time out well before): a lease that runs out
# means the request that took it is gone.
LEASE_SECONDS = 300
RETRY_AFTER_SECONDS = 2


class RequestInProgress(Conflict):
    code = "request_in_progress"
    message = "A request with this Idempotency-Key is still being processed; retry in a moment."


def idempotent(view_method=None, *, anonymous_scope: AnonymousScope | None = None):
    """Wrap an APIView's `post` (`@idempotent`, or `@idempotent(anonymous_scope=...)` on a view
    open without an account). Under the record's row lock, a retry of a finished request gets
    its answer back, and a request takes a short lease on the key; the view then runs on its own
    (no transaction held across it, so gateway calls hold no locks), and a successful answer is
    stored. A racing retry meanwhile is told to wait (409 request_in_progress, Retry-After); a
    failed attempt stores nothing and the key can be retried."""
    if view_method is None:
        return lambda method: _idempotent(method, anonymous_scope)
    return _idempotent(view_method, anonymous_scope)


def _idempotent(view_method, anonymous_scope: AnonymousScope | None):
    @wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view_method(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            raise ApplicationError(f"{HEADER} is at most {MAX_KEY_LENGTH} characters.", code="invalid",
                                   details={HEADER: [f"Ensure this value has at most {MAX_KEY_LENGTH} characters."]})
        record = _record(request, key, record_owner(request, anonymous_scope, kwargs))
        now = timezone.now()
        with transaction.atomic():
            record = IdempotencyRecord.objects.select_for_update().get(pk=record.pk)
            if record.fingerprint != request_fingerprint(request):
                raise IdempotencyKeyReused()
            if record.completed_at is not None:
                response = Response(record.response_body, status=record.response_status)
                response["Idempotent-Replayed"] = "true"
                return response
            if record.locked_until is not None and record.locked_until > now:
                error = RequestInProgress()
                return Response(error_body(error.message, error.code, {"retry_after": RETRY_AFTER_SECONDS}),
                                status=error.status_code, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
            lease = now + timedelta(seconds=LEASE_SECONDS)
            record.locked_until = lease
            record.save(update_fields=["locked_until"])

        response = None
        try:
            response = view_method(view, request, *args, **kwargs)
        finally:
            done = response is not None and 200 <= response.status_code < 300
            # Only while this request still holds its lease: never another request's answer or lease.
            IdempotencyRecord.objects.filter(pk=record.pk, locked_until=lease, completed_at__isnull=True).update(
                locked_until=None,
                **({"response_status": response.status_code, "response_body": response.data,
                    "completed_at": timezone.now()} if done else {}),
            )
        return response

    return wrapper


def idempotency_records_prune() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
