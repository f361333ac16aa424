"""A seller's catalog as CSV: the export, the import and its background jobs."""

import csv
import json
from datetime import date

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from products import catalog_csv
from products import serializers as s
from products.catalog_import import services as catalog_import
from products.models import CatalogImport
from products.views.schema import TAGS
from sellflow.permissions import IsSeller
from sellflow.schema import error_responses
from sellflow.throttling import UPLOAD_THROTTLES, with_default_throttles


class CSVRenderer(BaseRenderer):
    """Lets clients ask for `text/csv`; the export streams its own body."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data).encode() if data is not None else b""

class _Echo:
    def write(self, value):
        return value

class CatalogExportView(APIView):
    permission_classes = [IsSeller]
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(tags=TAGS, summary="The seller's catalog as CSV",
                   responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        writer = csv.writer(_Echo())
        rows = (writer.writerow(row) for row in catalog_csv.export_rows(request.user))
        response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="sellflow-catalog-{date.today():%Y%m%d}.csv"'
        return response

def import_job_body(job: CatalogImport) -> dict:
    return {
        "id": job.pk, "status": job.status, "dry_run": job.dry_run, "report": job.report, "error": job.error,
        "url": catalog_import.job_url(job.pk), "created_at": job.created_at, "finished_at": job.finished_at,
    }

class CatalogImportView(APIView):
    permission_classes = [IsSeller]
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = with_default_throttles(*UPLOAD_THROTTLES)

    @extend_schema(tags=TAGS, summary="Create or update products from a CSV file (matched by SKU)",
                   description="A file of more rows than the server imports in one request always runs in the "
                               "background (202). One import at a time per seller, and a daily number of them.",
                   request={"multipart/form-data": s.CatalogImportSerializer},
                   parameters=[OpenApiParameter("Prefer", str, OpenApiParameter.HEADER,
                                                description="`respond-async` runs the import in the background.")],
                   responses={200: s.ImportReportSerializer, 202: s.CatalogImportJobSerializer,
                              **error_responses(409, 429, s409="Another import is running (`import_in_progress`).",
                                                s429="Too many uploads (`throttled`), or today's imports are spent "
                                                     "(`quota_exceeded`); see `Retry-After`.")})
    def post(self, request):
        serializer = s.CatalogImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        prefers_async = "respond-async" in request.headers.get("Prefer", "")
        try:
            job, queued = catalog_import.catalog_import_submit(
                seller=request.user, upload=data["file"], dry_run=data["dry_run"],
                background=data["async"] or prefers_async)
        except catalog_csv.CatalogFileError as error:
            raise ValidationError({"file": [str(error)]}) from error
        if not queued:
            return Response(job.report)
        job.refresh_from_db()
        headers = {"Location": catalog_import.job_url(job.pk)}
        if prefers_async:
            headers["Preference-Applied"] = "respond-async"
        return Response(s.CatalogImportJobSerializer(import_job_body(job)).data, status=status.HTTP_202_ACCEPTED,
                        headers=headers)

class CatalogImportJobView(APIView):
    permission_classes = [IsSeller]

    @extend_schema(tags=TAGS, summary="A background import: its state, and its report when done",
                   responses={200: s.CatalogImportJobSerializer})
    def get(self, request, job_id):
        job = get_object_or_404(CatalogImport.objects.filter(seller=request.user), pk=job_id)
        return Response(s.CatalogImportJobSerializer(import_job_body(job)).data)
