import django_filters
from django.db.models import Q

from chat.models import Conversation, ConversationStatus
from sellflow.filters import BooleanQueryFilter
from sellflow.platforms import PlatformFilter


class ConversationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ConversationStatus.choices,
                                         help_text="Without it, archived conversations are left out.")
    source = PlatformFilter()
    search = django_filters.CharFilter(method="search_customer",
                                       help_text="Part of the customer's name, email or phone, or the subject.")
    unread = BooleanQueryFilter(method="filter_unread",
                                help_text="Only those with (or without) messages you have not read.")

    class Meta:
        model = Conversation
        fields = ["status", "source"]

    def search_customer(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(customer__name__icontains=value) | Q(customer__email__icontains=value)
                               | Q(customer__phone__icontains=value) | Q(subject__icontains=value))

    def filter_unread(self, queryset, name, value):
        return queryset.filter(my_unread__gt=0) if value else queryset.filter(my_unread=0)
