"""Emails from NotificationTemplate rows, falling back to the defaults shipped with the code,
wrapped in the shared branded layout and sent as text + HTML."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, Template, TemplateSyntaxError
from django.template.loader import render_to_string

from notifications.models import NotificationTemplate

logger = logging.getLogger(__name__)


def _default(key: str, context: dict) -> tuple[str, str, str]:
    base = f"notifications/email/{key}"
    subject = render_to_string(f"{base}.subject.txt", context).strip()
    return subject, render_to_string(f"{base}.txt", context), render_to_string(f"{base}.html", context)


def render_email(key: str, context: dict) -> tuple[str, str, str]:
    """(subject, text, html body without the layout) for `key`."""
    row = NotificationTemplate.objects.filter(key=key, is_active=True).first()
    if row is not None:
        try:
            ctx = Context(context)
            html = Template(row.html_body).render(ctx) if row.html_body else ""
            return Template(row.subject).render(ctx).strip(), Template(row.text_body).render(ctx), html
        except TemplateSyntaxError:
            logger.exception("notification template %s is broken; sending the default", key)
    return _default(key, context)


def send_templated_email(*, to: str, key: str, context: dict) -> None:
    context = {"frontend_url": settings.FRONTEND_URL, **context}
    subject, text, html = render_email(key, context)
    message = EmailMultiAlternatives(subject=" ".join(subject.split())[:200], body=text, to=[to])
    layout = render_to_string("notifications/email/layout.html", {**context, "content": html, "subject": subject})
    message.attach_alternative(layout, "text/html")
    message.send()
