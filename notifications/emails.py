"""Emails from NotificationTemplate rows, falling back to the defaults shipped with the code,
wrapped in the shared branded layout and sent as text + HTML."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, Engine, Template, TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.html import linebreaks

from notifications.models import NotificationTemplate

logger = logging.getLogger(__name__)

# The shipped email any notification can be told with, whatever template its sender asked for.
FALLBACK_KEY = "notification"


def _render_text(template: Template, context: dict) -> str:
    """Subjects and text bodies are plain text: "Kofi's order & co" is sent as written, never
    HTML-escaped. Only the HTML part escapes."""
    return template.render(Context(context, autoescape=False))


def _default(key: str, context: dict) -> tuple[str, str, str]:
    base = f"notifications/email/{key}"
    engine = Engine.get_default()
    subject = _render_text(engine.get_template(f"{base}.subject.txt"), context).strip()
    text = _render_text(engine.get_template(f"{base}.txt"), context)
    return subject, text, render_to_string(f"{base}.html", context)


def render_email(key: str, context: dict) -> tuple[str, str, str]:
    """(subject, text, html body without the layout) for `key`."""
    row = NotificationTemplate.objects.filter(key=key, is_active=True).first()
    if row is not None:
        try:
            text = _render_text(Template(row.text_body), context)
            if row.html_body:
                html = Template(row.html_body).render(Context(context))
            else:  # a row with only a text body still sends a readable HTML part: the text, escaped
                html = linebreaks(text, autoescape=True)
            return _render_text(Template(row.subject), context).strip(), text, html
        except Exception:
            # Whatever broke the row (its syntax, a missing include, a tag's argument), the mail
            # still goes out with the shipped default.
            logger.exception("notification template %s is broken; sending the default", key)
    try:
        return _default(key, context)
    except TemplateDoesNotExist:
        if key == FALLBACK_KEY:
            raise
        logger.warning("no email template %r; sending the %r default instead", key, FALLBACK_KEY)
        return _default(FALLBACK_KEY, context)


def send_templated_email(*, to: str, key: str, context: dict) -> None:
    context = {"frontend_url": settings.FRONTEND_URL, **context}
    subject, text, html = render_email(key, context)
    message = EmailMultiAlternatives(subject=" ".join(subject.split())[:200], body=text, to=[to])
    layout = render_to_string("notifications/email/layout.html", {**context, "content": html, "subject": subject})
    message.attach_alternative(layout, "text/html")
    message.send()
