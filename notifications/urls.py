from django.urls import path

from notifications import views
from sellflow import converters  # noqa: F401  (registers <id:...>)

app_name = "notifications"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="list"),
    path("<id:pk>/", views.NotificationDetailView.as_view(), name="detail"),
    path("<id:pk>/mark_as_read/", views.MarkAsReadView.as_view(), name="mark-as-read"),
    path("<id:pk>/mark_read/", views.MarkReadAliasView.as_view()),
    path("mark_all_read/", views.MarkAllReadView.as_view(), name="mark-all-read"),
    path("count/", views.UnreadCountView.as_view(), name="count"),
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("devices/", views.DeviceCreateView.as_view(), name="devices"),
    path("devices/config/", views.PushConfigView.as_view(), name="push-config"),
    path("devices/<id:pk>/", views.DeviceDeleteView.as_view(), name="device"),
]
