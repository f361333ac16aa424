import django_filters
from django import forms
from django.utils import timezone

from products.holds import available_stock
from products.models import Product, ProductStatus
from products.search import search_products
from products.selectors import category_and_descendant_ids, stock_rank

ORDERING_FIELDS = (("created_at", "created_at"), ("price", "price"), ("name", "name"), ("view_count", "view_count"))


class ProductFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(method="filter_category", help_text="Category id or slug, with its children.")
    min_price = django_filters.NumberFilter(field_name="price", lookup_expr="gte", min_value=0, max_value=10**10)
    max_price = django_filters.NumberFilter(field_name="price", lookup_expr="lte", min_value=0, max_value=10**10)
    in_stock = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true", method="filter_in_stock"
    )
    search = django_filters.CharFilter(
        method="filter_search", max_length=200,
        help_text="Words in the name, SKU, tags, category, variants or description, in any form, accents or not, "
                  "typos forgiven, synonyms understood (at most 10 words are read).")
    ordering = django_filters.OrderingFilter(
        fields=ORDERING_FIELDS, help_text="created_at, price, name, view_count; `-` for descending.")

    class Meta:
        model = Product
        fields = ["category", "min_price", "max_price", "in_stock", "search"]

    def filter_category(self, queryset, name, value):
        return queryset.filter(category_id__in=category_and_descendant_ids(value.strip()))

    def filter_in_stock(self, queryset, name, value: bool):
        return queryset.filter(stock_quantity__gt=0) if value else queryset.filter(stock_quantity=0)

    def search_ordering(self) -> tuple:
        """How matches are ordered when the client asks for no explicit order."""
        return ("-search_rank",)

    def filter_search(self, queryset, name, value):
        ordering = () if "ordering" in self.data else self.search_ordering()
        return search_products(queryset, value, rank_ordering=ordering)


class SellerProductFilter(ProductFilter):
    status = django_filters.ChoiceFilter(choices=ProductStatus.choices)

    class Meta(ProductFilter.Meta):
        fields = ["status", *ProductFilter.Meta.fields]


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class InStockFirstOrderingFilter(django_filters.OrderingFilter):
    """Whatever order a buyer picks applies within "in stock" and then "sold out"."""

    def filter(self, queryset, value):
        queryset = super().filter(queryset, value)
        return queryset.order_by(stock_rank(), *queryset.query.order_by, "-id") if value else queryset


class PublicProductFilter(ProductFilter):
    seller = IntegerFilter(field_name="seller_id", min_value=1, max_value=2**63 - 1)
    ordering = InStockFirstOrderingFilter(fields=ORDERING_FIELDS,
                                          help_text="created_at, price, name, view_count; `-` for descending.")

    def search_ordering(self) -> tuple:
        # Buyers see what they can buy now first, best matches first among those.
        return (stock_rank(), "-search_rank")

    def filter_in_stock(self, queryset, name, value: bool):
        # What buyers can still take, held stock excepted (the seller's own filter counts on hand).
        queryset = queryset.alias(available=available_stock(timezone.now()))
        return queryset.filter(available__gt=0) if value else queryset.filter(available__lte=0)

    class Meta(ProductFilter.Meta):
        fields = ["seller", *ProductFilter.Meta.fields]
