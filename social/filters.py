import django_filters

from sellflow.platforms import SOCIAL_CHOICES, PlatformFilter
from social.models import AccountStatus, SocialAccount


class SocialAccountFilter(django_filters.FilterSet):
    platform = PlatformFilter(choices=SOCIAL_CHOICES)
    status = django_filters.ChoiceFilter(choices=AccountStatus.choices)

    class Meta:
        model = SocialAccount
        fields = ["platform", "status"]
