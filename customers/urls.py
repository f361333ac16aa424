from django.urls import path

from customers import views
from sellflow import converters  # noqa: F401  (registers <id:...>)

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListCreateView.as_view(), name="list"),
    path("<id:pk>/", views.CustomerDetailView.as_view(), name="detail"),
    path("<id:pk>/merge/", views.CustomerMergeView.as_view(), name="merge"),
    path("<id:pk>/orders/", views.CustomerOrderListView.as_view(), name="orders"),
]
