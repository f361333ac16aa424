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
