from django.urls import path

from ai import views
from sellflow import converters  # noqa: F401  (registers <id:...>)

app_name = "ai"

urlpatterns = [
    path("search/", views.SearchView.as_view(), name="search"),
    path("generate/description/", views.GenerateDescriptionView.as_view(), name="generate-description"),
    path("generate/hashtags/", views.GenerateHashtagsView.as_view(), name="generate-hashtags"),
    path("generate/social-post/", views.GenerateSocialPostView.as_view(), name="generate-social-post"),
    path("jobs/<id:job_id>/", views.AIJobView.as_view(), name="job"),
    path("usage/", views.AIUsageView.as_view(), name="usage"),
    path("chat/suggestions/", views.ReplySuggestionsView.as_view(), name="reply-suggestions"),
    path("recommendations/", views.RecommendationsView.as_view(), name="recommendations"),
]
