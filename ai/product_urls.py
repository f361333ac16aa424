"""The AI's routes under a product (/api/products/{id}/...), the API document's paths: the AI app
routes them itself, so the catalog never imports it."""

from django.urls import path

from ai import views
from sellflow import converters  # noqa: F401  (registers <id:...>)

app_name = "ai-products"

urlpatterns = [
    path("<id:pk>/generate_ai_content/", views.ProductGenerateAIContentView.as_view(), name="generate-ai-content"),
    path("<id:pk>/generate_content/", views.ProductGenerateContentView.as_view(), name="generate-content"),
    path("<id:pk>/content/", views.ProductContentListView.as_view(), name="content"),
    path("<id:pk>/content/<id:content_id>/", views.ProductContentDetailView.as_view(), name="content-detail"),
]
