from django import forms
from django.contrib import admin
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils.html import escape, format_html

from notifications.emails import render_email
from notifications.models import Device, Notification, NotificationPreference, NotificationTemplate


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "type", "title", "is_read", "created_at")
    list_filter = ("type", "is_read")
    search_fields = ("user__email", "title")
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "in_app_enabled", "email_enabled", "push_enabled", "email_daily_digest")
    search_fields = ("user__email",)
    raw_id_fields = ("user",)


# What a preview is rendered with: a plausible notification for a demo user.
PREVIEW_CONTEXT = {
    "user": {"first_name": "Ama", "email": "ama@example.com"},
    "notification": {"type": "order", "title": "New order SF7K2M9Q4P", "body": "Handwoven Kente Stole x 2",
                     "data": {"order_id": 42, "path": "/orders/42"}},
    "link": "https://app.sellflow.example/orders/42",
    "notifications": [{"title": "New order SF7K2M9Q4P", "body": "Handwoven Kente Stole x 2"},
                      {"title": "Message from Kofi", "body": "Is the stole still available?"}],
    "total": 2,
    "more": 0,
}


class NotificationTemplateForm(forms.ModelForm):
    """Refuses a template that does not render, on the field at fault: otherwise the operator's
    change would silently give way to the shipped default at every send."""

    class Meta:
        model = NotificationTemplate
        fields = ["key", "subject", "text_body", "html_body", "is_active"]

    def _renders(self, field: str, *, html: bool) -> str:
        source = self.cleaned_data[field]
        try:
            Template(source).render(Context(PREVIEW_CONTEXT, autoescape=html))
        except Exception as exc:  # the same breakage render_email falls back from
            raise forms.ValidationError(f"This template does not render: {exc}") from exc
        return source

    def clean_subject(self) -> str:
        return self._renders("subject", html=False)

    def clean_text_body(self) -> str:
        return self._renders("text_body", html=False)

    def clean_html_body(self) -> str:
        return self._renders("html_body", html=True)


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    form = NotificationTemplateForm
    list_display = ("key", "subject", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("key", "subject")
    readonly_fields = ("preview",)
    fields = ("key", "subject", "text_body", "html_body", "is_active", "preview")

    @admin.display(description="Preview (saved version, with sample data)")
    def preview(self, template: NotificationTemplate) -> str:
        if not template.pk:
            return "Save the template to see a preview."
        subject, text, html = render_email(template.key, PREVIEW_CONTEXT)
        page = render_to_string("notifications/email/layout.html",
                                {"content": html, "subject": subject, "frontend_url": "https://app.sellflow.example"})
        return format_html(
            '<p><b>Subject:</b> {}</p><pre style="white-space:pre-wrap">{}</pre>'
            '<iframe sandbox srcdoc="{}" style="width:640px;height:480px;border:1px solid #ccc"></iframe>',
            subject, text, escape(page),  # the rendered page is "safe" HTML; in an attribute it must be escaped
        )


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "platform", "last_seen", "created_at")
    list_filter = ("platform",)
    search_fields = ("user__email",)
    raw_id_fields = ("user",)
    exclude = ("token",)
    readonly_fields = ("token_hash",)
