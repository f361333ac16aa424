import django_filters

from ai.models import AIContent, ContentStatus, ContentType
from sellflow.platforms import SOCIAL_CHOICES, PlatformFilter


class AIContentFilter(django_filters.FilterSet):
    content_type = django_filters.ChoiceFilter(choices=ContentType.choices)
    platform = PlatformFilter(choices=SOCIAL_CHOICES)
    language = django_filters.CharFilter()
    status = django_filters.ChoiceFilter(choices=ContentStatus.choices)

    class Meta:
        model = AIContent
        fields = ["content_type", "platform", "language", "status"]
