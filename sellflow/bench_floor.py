"""The benchmark's floor: the first public list page's body, byte for byte, through the same
server, middleware and DRF stack as the catalog, without touching the database.

Mounted only when BENCH_FLOOR_ENDPOINT is set (bench/run.py and bench/compare.py do). The body
is built once per process and origin (scheme and host: list bodies hold absolute URLs), by the
first floor request, which runs the public list view itself on an unfiltered first page; every
later request answers those bytes. So floor and list carry the same payload and a floor-to-list
ratio measures what the list's database and serialization work costs, not a smaller body (the
stock DRF peer's `/floor/` is built the same way from its first list page).
"""

from django.http import HttpRequest, HttpResponse
from django.urls import resolve
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

LIST_PATH = "/api/products/public/list/"  # resolved, not imported: sellflow/ imports no app
_BODIES: dict[str, bytes] = {}  # origin -> the first public list page as rendered then


def list_page_body(request: HttpRequest) -> HttpResponse:
    origin = f"{request.scheme}://{request.get_host()}"
    if origin not in _BODIES:
        page = resolve(LIST_PATH).func(request)  # the floor's URL has no query string: the first page
        if page.status_code != 200:
            return page
        _BODIES[origin] = page.content
    return HttpResponse(_BODIES[origin], content_type="application/json")


class FloorView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def dispatch(self, request, *args, **kwargs):
        self.http_request = request  # Django's request, which the list view is called with
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(exclude=True)
    def get(self, request):
        return list_page_body(self.http_request)
