"""The chat app's route under a customer (/api/customers/{id}/conversations/): the chat routes it
itself, since the customers app sits below the chat and never imports it."""

from django.urls import path

from chat import views
from sellflow import converters  # noqa: F401  (registers <id:...>)

app_name = "chat-customers"

urlpatterns = [
    path("<id:pk>/conversations/", views.CustomerConversationListView.as_view(), name="customer-conversations"),
]
