from django.urls import path

from sellflow import converters  # noqa: F401  (registers <id:...>)
from social import views

app_name = "social"

urlpatterns = [
    path("accounts/", views.SocialAccountListCreateView.as_view(), name="accounts"),
    path("accounts/disconnect/", views.SocialDisconnectView.as_view(), name="disconnect"),
    path("accounts/<id:pk>/", views.SocialAccountDetailView.as_view(), name="account"),
    path("accounts/<id:pk>/insights/", views.SocialAccountInsightsView.as_view(), name="account-insights"),
    path("oauth/<slug:platform>/start/", views.OAuthStartView.as_view(), name="oauth-start"),
    path("oauth/<slug:platform>/callback/", views.OAuthCallbackView.as_view(), name="oauth-callback"),
    path("posts/", views.SocialPostListCreateView.as_view(), name="posts"),
    path("posts/<id:pk>/", views.SocialPostDetailView.as_view(), name="post"),
    path("posts/<id:pk>/publish/", views.SocialPostPublishView.as_view(), name="post-publish"),
    path("posts/<id:pk>/retry/", views.SocialPostRetryView.as_view(), name="post-retry"),
    path("schedules/", views.ScheduleListCreateView.as_view(), name="schedules"),
    path("media/", views.PostImageUploadView.as_view(), name="post-images"),
]
