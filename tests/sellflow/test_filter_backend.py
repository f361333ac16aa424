"""The one filter backend skips building a filterset when a list asks for no filter, but only for
filtersets that would do nothing then: not one with a required filter, a filter reading suffixed
parameters (a range's `price_min`), or filtering of its own."""

import django_filters
import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from notifications.filters import NotificationFilter
from orders.filters import BuyerOrderFilter
from products.filters import PublicProductFilter, SellerProductFilter
from products.models import Product
from sellflow.filters import FilterBackend, filters_only_when_asked
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db


class RangeFilter(django_filters.FilterSet):
    price = django_filters.RangeFilter()

    class Meta:
        model = Product
        fields = ["price"]


class RequiredFilter(django_filters.FilterSet):
    status = django_filters.CharFilter(required=True)

    class Meta:
        model = Product
        fields = ["status"]


class DefaultFilter(django_filters.FilterSet):
    class Meta:
        model = Product
        fields = ["status"]

    @property
    def qs(self):
        return super().qs.filter(status="active")


def filtered(filterset_class, query: str = ""):
    view = type("View", (), {"filterset_class": filterset_class})()
    request = Request(APIRequestFactory().get(f"/?{query}"))
    return FilterBackend().filter_queryset(request, Product.objects.order_by("pk"), view)


def test_the_projects_filtersets_are_skipped_without_a_filter():
    assert all(filters_only_when_asked(f) for f in (PublicProductFilter, SellerProductFilter, BuyerOrderFilter,
                                                    NotificationFilter))


def test_a_range_filter_is_applied_from_its_suffixed_parameters():
    cheap, dear = ProductFactory(price=5), ProductFactory(price=50)

    assert not filters_only_when_asked(RangeFilter)
    assert list(filtered(RangeFilter, "price_min=10")) == [dear]
    assert list(filtered(RangeFilter)) == [cheap, dear]


def test_a_required_filter_still_refuses_a_request_without_it():
    ProductFactory()

    assert not filters_only_when_asked(RequiredFilter)
    with pytest.raises(ValidationError):
        filtered(RequiredFilter)


def test_a_filterset_filtering_by_default_still_filters():
    active, _draft = ProductFactory(status="active"), ProductFactory(status="draft")

    assert not filters_only_when_asked(DefaultFilter)
    assert list(filtered(DefaultFilter)) == [active]
