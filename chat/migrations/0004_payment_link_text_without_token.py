"""Payment link messages sent before: their text no longer carries the link (the text is the inbox
preview, notifications' body and the AI's reading of the conversation), and their link is the
frontend's page, the token in its fragment (chat.paylinks.payment_link_url)."""

from datetime import UTC

from django.conf import settings
from django.db import migrations

OLD_PATH = "/api/chat/pay/"
PREVIEW_LENGTH = 140


def link_text(order) -> str:
    until = order.expires_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"Payment link for order {order.order_id}: {order.total_amount:.2f} {order.currency}, valid until {until}."


def preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_LENGTH else text[:PREVIEW_LENGTH - 1] + "…"


def payment_links_without_token(apps, schema_editor):
    Message = apps.get_model("chat", "Message")
    Conversation = apps.get_model("chat", "Conversation")
    links = Message.objects.filter(message_type="payment_link", content__contains=OLD_PATH).select_related("order")
    for message in links.iterator(chunk_size=500):
        old_url = (message.metadata or {}).get("url", "")
        token = old_url.split(OLD_PATH, 1)[1].strip("/") if OLD_PATH in old_url else ""
        if message.order is not None and message.order.expires_at is not None:
            message.content = link_text(message.order)
        else:
            message.content = message.content.split(" here: ", 1)[0] + "."
        if token:
            message.metadata = {**message.metadata, "url": f"{settings.FRONTEND_URL}/pay#{token}"}
        message.save(update_fields=["content", "metadata"])
        Conversation.objects.filter(pk=message.conversation_id, last_sequence=message.sequence).update(
            last_message_preview=preview(message.content))


class Migration(migrations.Migration):

    dependencies = [
        ("chat", "0003_assistant_sessions"),
        ("orders", "0007_order_referral"),
    ]

    operations = [
        migrations.RunPython(payment_links_without_token, migrations.RunPython.noop),
    ]
