import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q

from accounts.validators import normalize_phone
from customers.models import Customer, CustomerHandle, CustomerTag, tag_name
from sellflow.filters import BooleanQueryFilter
from sellflow.platforms import Platform, PlatformFilter

ORDERING_FIELDS = (("last_seen", "last_seen"), ("first_seen", "first_seen"), ("orders_count", "orders_count"),
                   ("total_spent", "total_spent"), ("name", "name"))


class CustomerOrderingFilter(django_filters.OrderingFilter):
    """Whatever order is asked, ties fall newest customer first, so pages never overlap."""

    def filter(self, queryset, value):
        queryset = super().filter(queryset, value)
        return queryset.order_by(*queryset.query.order_by, "-pk") if value else queryset


class CustomerFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search", max_length=100,
        help_text="Part of the name, email, phone (as typed, local or international) or a platform username.")
    tag = django_filters.CharFilter(method="filter_tag", max_length=50, help_text="Customers with this tag.")
    platform = PlatformFilter(method="filter_platform",
                              help_text="Customers with a handle on this platform; `website`: with a SellFlow "
                                        "account too.")
    has_orders = BooleanQueryFilter(method="filter_has_orders",
                                    help_text="Customers with orders (not cancelled) or without.")
    seen_after = django_filters.DateFilter(field_name="last_seen", lookup_expr="date__gte",
                                           help_text="Last seen on or after this day (YYYY-MM-DD, UTC).")
    seen_before = django_filters.DateFilter(field_name="last_seen", lookup_expr="date__lte",
                                            help_text="Last seen on or before this day (YYYY-MM-DD, UTC).")
    ordering = CustomerOrderingFilter(fields=ORDERING_FIELDS, help_text="last_seen (the default, newest first), "
                                                                        "first_seen, orders_count, total_spent, "
                                                                        "name; `-` for descending.")

    class Meta:
        model = Customer
        fields = ["search", "tag", "platform", "has_orders", "seen_after", "seen_before"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        username = value.removeprefix("@")
        handles = CustomerHandle.objects.filter(customer=OuterRef("pk")).filter(
            Q(username__icontains=username) | Q(platform_user_id=value))
        found = (Q(name__icontains=value) | Q(email__icontains=value) | Q(phone__contains="".join(value.split()))
                 | Exists(handles))
        try:
            found |= Q(phone=normalize_phone(value))
        except ValidationError:  # not a phone number: the other fields are searched
            pass
        return queryset.filter(found)

    def filter_tag(self, queryset, name, value):
        return queryset.filter(Exists(CustomerTag.objects.filter(customer=OuterRef("pk"), name=tag_name(value))))

    def filter_platform(self, queryset, name, value):
        on_platform = Exists(CustomerHandle.objects.filter(customer=OuterRef("pk"), platform=value))
        if value == Platform.WEBSITE:
            on_platform |= Q(buyer__isnull=False)
        return queryset.filter(on_platform)

    def filter_has_orders(self, queryset, name, value: bool):
        return queryset.filter(orders_count__gt=0) if value else queryset.filter(orders_count=0)
