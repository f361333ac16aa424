"""The social app's route under a product (/api/products/{id}/...), the API document's path: the
social app routes it itself, so the catalog never imports it."""

from django.urls import path

from sellflow import converters  # noqa: F401  (registers <id:...>)
from social import views

app_name = "social-products"

urlpatterns = [
    path("<id:pk>/create_social_post/", views.ProductSocialPostView.as_view(), name="create-social-post"),
]
