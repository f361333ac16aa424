import pytest

from notifications.models import NotificationTemplate

pytestmark = pytest.mark.django_db


def test_template_change_page_previews_the_email(operator_client):
    template = NotificationTemplate.objects.create(
        key="notification", subject="[Shop] {{ notification.title }}",
        text_body="Akwaaba {{ user.first_name }}!", html_body="<p>Akwaaba <b>{{ user.first_name }}</b></p>",
    )

    page = operator_client.get(f"/admin/notifications/notificationtemplate/{template.pk}/change/").content.decode()

    assert "[Shop] New order SF7K2M9Q4P" in page
    assert "Akwaaba Ama!" in page
    assert "srcdoc=" in page and "Akwaaba &lt;b&gt;Ama&lt;/b&gt;" in page  # the HTML, escaped into the frame


def test_a_broken_template_previews_the_shipped_default(operator_client):
    template = NotificationTemplate.objects.create(key="notification", subject="{% if %}", text_body="x")

    page = operator_client.get(f"/admin/notifications/notificationtemplate/{template.pk}/change/").content.decode()

    assert "New order SF7K2M9Q4P" in page


def change(operator_client, template, **fields):
    form = {"key": template.key, "subject": template.subject, "text_body": template.text_body,
            "html_body": template.html_body, "is_active": "on", "_save": "Save", **fields}
    return operator_client.post(f"/admin/notifications/notificationtemplate/{template.pk}/change/", form)


@pytest.mark.parametrize("field, source", [
    ("subject", "{% if %}"),
    ("text_body", "Hello {{ user.first_name|nosuchfilter }}"),
    ("html_body", "<p>{% include 'notifications/email/nowhere.html' %}</p>"),
])
def test_a_template_that_does_not_render_is_refused_on_its_field(operator_client, field, source):
    template = NotificationTemplate.objects.create(key="notification", subject="{{ notification.title }}",
                                                   text_body="{{ notification.body }}", html_body="")

    response = change(operator_client, template, **{field: source})

    assert response.status_code == 200  # the form again, not a redirect
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field] and "does not render" in errors[field][0]
    template.refresh_from_db()
    assert getattr(template, field) != source


def test_a_template_that_renders_is_saved(operator_client):
    template = NotificationTemplate.objects.create(key="notification", subject="x", text_body="x")

    response = change(operator_client, template, subject="[Shop] {{ notification.title }}")

    assert response.status_code == 302
    template.refresh_from_db()
    assert template.subject == "[Shop] {{ notification.title }}"
