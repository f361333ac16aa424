"""`GET /api/health/`: is the service and what it depends on answering?"""

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from sellflow.celery import app as celery_app

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_cache() -> str:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)
    return "ok"


def check_broker() -> str:
    if celery_app.conf.task_always_eager:
        return "eager"
    with celery_app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    return "ok"


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


HealthSerializer = inline_serializer(
    "Health",
    fields={
        "status": serializers.ChoiceField(choices=["ok", "unavailable"]),
        "database": serializers.CharField(),
        "cache": serializers.CharField(),
        "broker": serializers.CharField(help_text="`ok`, `eager` (no broker: tasks run in-process) or `error`."),
        "error": serializers.CharField(required=False),
        "code": serializers.CharField(required=False),
        "details": serializers.DictField(required=False),
    },
)


class HealthView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        tags=["health"],
        summary="Health of the service and its dependencies",
        responses={200: HealthSerializer, 503: HealthSerializer},
    )
    def get(self, request):
        body: dict = {"status": "ok"}
        failures: dict[str, str] = {}
        for name, check in CHECKS.items():
            try:
                body[name] = check()
            except Exception as exc:  # any failure of a dependency is a 503, never a 500
                logger.warning("health check %s failed: %s", name, exc)
                body[name] = "error"
                failures[name] = exc.__class__.__name__
        if not failures:
            return Response(body)
        body.update(
            status="unavailable",
            error=f"Unavailable: {', '.join(failures)}.",
            code="unavailable",
            details=failures,
        )
        return Response(body, status=503)
