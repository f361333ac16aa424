import django_filters
from django.db.models import Q

from orders.models import Order, OrderStatus
from sellflow.platforms import PlatformFilter


class BuyerOrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)

    class Meta:
        model = Order
        fields = ["status"]


class SellerOrderFilter(BuyerOrderFilter):
    source = PlatformFilter()
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte",
                                              help_text="Orders placed on or after this day (YYYY-MM-DD, UTC).")
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte",
                                               help_text="Orders placed on or before this day (YYYY-MM-DD, UTC).")
    search = django_filters.CharFilter(method="filter_search", max_length=100,
                                       help_text="An order id, or the buyer's name, email or phone.")

    class Meta:
        model = Order
        fields = ["status", "source", "created_after", "created_before", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(order_id__iexact=value) | Q(full_name__icontains=value) | Q(buyer__email__icontains=value)
            | Q(phone__contains=value) | Q(buyer__first_name__icontains=value) | Q(buyer__last_name__icontains=value)
        )
