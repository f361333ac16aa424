from django.apps import AppConfig


class ChatConfig(AppConfig):
    """Conversations between a seller and their customers: the inbox, messages in order, reactions
    and reply templates."""

    name = "chat"
    verbose_name = "Chat"

    def ready(self):
        from chat import receivers  # noqa: F401  (connects them)
