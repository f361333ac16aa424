from django.urls import path

from chat import views
from sellflow import converters  # noqa: F401  (registers <id:...>)

app_name = "chat"

urlpatterns = [
    path("conversations/", views.ConversationListCreateView.as_view(), name="conversations"),
    path("conversations/<id:pk>/", views.ConversationDetailView.as_view(), name="conversation"),
    path("conversations/<id:pk>/archive/", views.ConversationArchiveView.as_view(), name="conversation-archive"),
    path("conversations/<id:pk>/read/", views.ConversationReadView.as_view(), name="conversation-read"),
    path("conversations/<id:pk>/messages/", views.ConversationMessagesView.as_view(), name="conversation-messages"),
    path("conversations/<id:pk>/order/", views.ConversationOrderView.as_view(), name="conversation-order"),
    path("pay/<str:token>/", views.PaymentLinkView.as_view(), name="payment-link"),
    path("conversations/<id:pk>/ai_suggestions/", views.ConversationAISuggestionsView.as_view(),
         name="conversation-ai-suggestions"),
    path("messages/", views.MessageSendView.as_view(), name="messages"),
    path("messages/<id:pk>/react/", views.MessageReactView.as_view(), name="message-react"),
    path("templates/", views.ReplyTemplateListCreateView.as_view(), name="templates"),
    path("templates/<id:pk>/", views.ReplyTemplateDetailView.as_view(), name="template"),
    path("templates/<id:pk>/send/", views.ReplyTemplateSendView.as_view(), name="template-send"),
    path("stats/", views.ChatStatsView.as_view(), name="stats"),
    path("assistant/templates/", views.AssistantTemplatesView.as_view(), name="assistant-templates"),
    path("assistant/templates/<id:pk>/start/", views.AssistantTemplateStartView.as_view(),
         name="assistant-template-start"),
]
