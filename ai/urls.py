from django.urls import path

from ai import views

app_name = "ai"

urlpatterns = [
    path("search/", views.SearchView.as_view(), name="search"),
]
