"""The project's URLconf plus views that exercise the shared machinery from tests only."""

from django.db.utils import OperationalError
from django.http import JsonResponse
from django.urls import path
from psycopg_pool import PoolTimeout
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from sellflow.permissions import IsSeller
from sellflow.urls import handler404, handler500  # noqa: F401  (the project's own handlers, under test)
from sellflow.urls import urlpatterns as project_urlpatterns


class BrokenView(APIView):
    def get(self, request):
        raise RuntimeError("something deep went wrong")


def raise_pool_timeout(*args, **kwargs):
    try:
        raise PoolTimeout("couldn't get a connection after 10.00 sec")
    except PoolTimeout as timeout:
        raise OperationalError(str(timeout)) from timeout  # as Django's connect() wraps it


class PoolExhaustedView(APIView):
    def get(self, request):
        raise_pool_timeout()


def pool_exhausted_django_view(request):
    raise_pool_timeout()


def count_users_django_view(request):
    return JsonResponse({"users": User.objects.count()})


def broken_django_view(request):
    raise RuntimeError("a plain Django view failed")


class UserRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email"]


class UserListView(generics.ListAPIView):
    serializer_class = UserRowSerializer
    queryset = User.objects.order_by("id")
    filterset_fields = ["account_type"]
    search_fields = ["email"]
    ordering_fields = ["email"]


class SellerOnlyView(APIView):
    permission_classes = [IsSeller]

    def get(self, request):
        return Response({"seller": request.user.pk})


urlpatterns = [
    path("api/test/seller-only/", SellerOnlyView.as_view()),
    path("api/test/broken/", BrokenView.as_view()),
    path("api/test/pool-exhausted/", PoolExhaustedView.as_view()),
    path("api/test/broken-django/", broken_django_view),
    path("api/test/pool-exhausted-django/", pool_exhausted_django_view),
    path("api/test/users-django/", count_users_django_view),
    path("test/broken-page/", broken_django_view),
    path("api/test/users/", UserListView.as_view()),
    *project_urlpatterns,
]
