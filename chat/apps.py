from django.apps import AppConfig


class ChatConfig(AppConfig):
    """Conversations between a seller and their customers: the inbox, messages in order, reactions
    and reply templates."""

    name = "chat"
    verbose_name = "Chat"

    def ready(self):
        from ai.assistant import register_assistant_tools
        from ai.conversations import register_conversation_reader
        from chat import (
            metrics,  # noqa: F401  (registers the sellers' response time and rate)
            receivers,  # noqa: F401  (connects them)
        )
        from chat.assistant_tools import ASSISTANT_TOOLS
        from chat.selectors import seller_conversation_reply_context

        # POST /api/ai/chat/suggestions/ with a `conversation` reads it through this: ai sits below chat.
        register_conversation_reader(seller_conversation_reply_context)
        # The seller's assistant answers with these tools over the seller's own data.
        register_assistant_tools(ASSISTANT_TOOLS)
