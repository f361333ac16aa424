"""Generations run in the background: the API answers 202 with a job, a Celery task does the
work, and the user's notifications socket hears when it is over."""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from ai.models import AIJob, JobStatus
from ai.providers import get_provider
from ai.results import generation_body
from ai.services.content import ContentRequest, content_generate
from ai.services.generation import ensure_enabled, ensure_language, ensure_quota
from ai.tasks import run_ai_job as run_ai_job_task
from notifications.realtime import send_to_user
from products.models import Product
from sellflow.exceptions import ApplicationError, error_body
from sellflow.transactions import after_commit

logger = logging.getLogger(__name__)

JOB_KIND = "ai_generation"


def job_url(job: AIJob) -> str:
    return f"/api/ai/jobs/{job.pk}/"


def job_start(*, user: User, product: Product, request: ContentRequest, regenerate: bool) -> AIJob:
    """Check what can be refused at once (switch, language, quota), then queue the work."""
    ensure_enabled(user=user, feature=request.content_type)
    ensure_language(provider=get_provider(), language=request.language)
    ensure_quota(user=user)
    with transaction.atomic():
        job = AIJob.objects.create(user=user, feature=request.content_type, params={
            "product_id": product.pk, "request": request.as_params(), "regenerate": regenerate})
        after_commit(run_ai_job_task.delay, job.pk)
    return job


def job_run(*, job_id: int) -> None:
    """Run a queued job once: a second delivery of the task finds it claimed and stops. A job
    whose row is gone is not found by the claim either. The result kept is the body the
    synchronous endpoint answers (ai.results.generation_body)."""
    claimed = AIJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now())
    if not claimed:
        return
    job = AIJob.objects.select_related("user").get(pk=job_id)
    try:
        product = Product.objects.alive().filter(seller=job.user, pk=job.params["product_id"]).first()
        if product is None:
            raise ApplicationError("The product is gone.", code="not_found", status_code=404)
        content, cached = content_generate(user=job.user, product=product,
                                           request=ContentRequest(**job.params["request"]),
                                           regenerate=job.params.get("regenerate", False))
    except ApplicationError as error:
        _finish(job, status=JobStatus.FAILED,
                error={"status": error.status_code, **error_body(error.message, error.code, error.details)})
    except Exception:
        logger.exception("AI job %s failed", job_id)
        _finish(job, status=JobStatus.FAILED,
                error={"status": 500, **error_body("The generation failed unexpectedly.", "server_error")})
    else:
        _finish(job, status=JobStatus.DONE, result=generation_body(content, cached=cached))


def _finish(job: AIJob, **fields: Any) -> None:
    with transaction.atomic():
        updated = AIJob.objects.filter(pk=job.pk, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).update(
            finished_at=timezone.now(), **fields)
        if updated:
            after_commit(send_to_user, job.user_id, {
                "type": "job", "kind": JOB_KIND, "id": job.pk, "feature": job.feature,
                "status": fields["status"], "url": job_url(job)})


def stale_before() -> datetime:
    return timezone.now() - timedelta(minutes=settings.AI_JOB_STALE_MINUTES)


def jobs_fail_stale(*, queryset: QuerySet[AIJob] | None = None) -> int:
    """Jobs that never finished (no worker took them, or it died) are reported failed, so a
    client polling them gets an answer."""
    stale = (queryset if queryset is not None else AIJob.objects).filter(
        status__in=[JobStatus.QUEUED, JobStatus.RUNNING], created_at__lt=stale_before())
    count = 0
    for job in stale:
        _finish(job, status=JobStatus.FAILED, error={
            "status": 503, **error_body("The generation did not finish in time. Please try again.", "unavailable")})
        count += 1
    return count
