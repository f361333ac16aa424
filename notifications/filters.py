import django_filters

from notifications.models import Notification, NotificationType


class NotificationFilter(django_filters.FilterSet):
    is_read = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true", field_name="is_read"
    )
    type = django_filters.ChoiceFilter(choices=NotificationType.choices)

    class Meta:
        model = Notification
        fields = ["is_read", "type"]
