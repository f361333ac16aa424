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
                                       help_text="Part of the subject, or of the customer's name, email or phone "
                                                 "(the seller), or the seller's name (the buyer).")
    unread = BooleanQueryFilter(method="filter_unread",
                                help_text="Only those with (or without) messages you have not read.")

    class Meta:
        model = Conversation
        fields = ["status", "source"]

    def search_customer(self, queryset, name, value):
        """The customer card is the seller's: a buyer searching by it would read it back letter by letter."""
        value = value.strip()
        if not value:
            return queryset
        user = self.request.user
        as_seller = Q(seller=user) & (Q(customer__name__icontains=value) | Q(customer__email__icontains=value)
                                      | Q(customer__phone__icontains=value))
        as_buyer = Q(buyer=user) & (Q(seller__company_name__icontains=value) | Q(seller__first_name__icontains=value)
                                    | Q(seller__last_name__icontains=value))
        return queryset.filter(Q(subject__icontains=value) | as_seller | as_buyer)

    def filter_unread(self, queryset, name, value):
        return queryset.filter(my_unread__gt=0) if value else queryset.filter(my_unread=0)
