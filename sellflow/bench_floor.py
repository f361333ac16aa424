"""The benchmark's floor: a fixed 20-item JSON array through the same server, middleware and
DRF stack as the catalog, without touching the database. Mounted only when
BENCH_FLOOR_ENDPOINT is set (bench/run.py does)."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

FLOOR_ITEMS = [
    {"id": n, "name": f"Item {n}", "price": f"{10 + n}.00", "currency": "GHS", "in_stock": True} for n in range(1, 21)
]


class FloorView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(exclude=True)
    def get(self, request):
        return Response(FLOOR_ITEMS)
