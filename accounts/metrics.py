"""The `metrics` object of a seller's profile. Each app registers the figures it owns
(products, orders, revenue, response rate...) so accounts never imports them."""

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from accounts.models import User

SellerMetric = Callable[[User], Any]
_seller_metrics: dict[str, SellerMetric] = {}


def register_seller_metric(name: str) -> Callable[[SellerMetric], SellerMetric]:
    def register(metric: SellerMetric) -> SellerMetric:
        _seller_metrics[name] = metric
        return metric

    return register


def seller_metrics(user: User) -> dict[str, Any] | None:
    if not user.is_seller:
        return None
    return {name: metric(user) for name, metric in _seller_metrics.items()}


_PROFILE_COMPLETION_FIELDS = ("first_name", "last_name", "phone", "avatar", "bio", "company_name", "country", "city")


@register_seller_metric("profile_completion")
def profile_completion(user: User) -> int:
    """Percentage of the storefront profile a buyer sees that is filled in."""
    filled = sum(1 for field in _PROFILE_COMPLETION_FIELDS if getattr(user, field))
    return round(100 * filled / len(_PROFILE_COMPLETION_FIELDS))


@register_seller_metric("days_on_sellflow")
def days_on_sellflow(user: User) -> int:
    return (timezone.now() - user.date_joined).days
