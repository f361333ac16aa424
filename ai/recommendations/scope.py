"""What the recommendations are about: the two kinds of list and their length, which products
are public, recommendable and buyable, and which order lines are purchases."""

from django.db.models import Q
from django.utils import timezone

from ai.models import RecommendationKind
from orders.models import SOLD_STATUSES
from products.holds import buyable
from products.models import ProductStatus

SIMILAR, BOUGHT_TOGETHER = RecommendationKind.SIMILAR.value, RecommendationKind.BOUGHT_TOGETHER.value
KINDS = (SIMILAR, BOUGHT_TOGETHER)

TOP_K = 20  # neighbours kept per product and kind: the endpoints' largest `limit`


def is_public(prefix: str = "") -> Q:
    """Product.objects.public() as a condition, through a relation with a prefix."""
    return Q(**{f"{prefix}deleted_at__isnull": True, f"{prefix}status": ProductStatus.ACTIVE,
                f"{prefix}seller__is_active": True})


def is_recommendable(prefix: str = "") -> Q:
    """What the lists are computed over: on sale with stock on hand. Holds come and go between two
    hourly runs, so a product held in full keeps its place in the lists and is left out when read."""
    return is_public(prefix) & Q(**{f"{prefix}stock_quantity__gt": 0})


def is_buyable(prefix: str = "") -> Q:
    """What is shown: on sale, and stock buyers can take now (on hand, not all of it held)."""
    return is_public(prefix) & buyable(timezone.now(), prefix)


def is_purchase(prefix: str = "") -> Q:
    # Lines of sales only: pending, cancelled (which includes expired) and refunded orders say
    # nothing about what goes together.
    return Q(**{f"{prefix}order__status__in": SOLD_STATUSES, f"{prefix}product__isnull": False})
