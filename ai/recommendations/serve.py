"""What the endpoints answer: the stored lists (read), computed at once (refresh) when the table
holds nothing for them yet. The one module that reads and writes, so that neither read nor
refresh imports the other."""

import heapq

from accounts.models import User
from ai.recommendations.popularity import popular_product_ids
from ai.recommendations.read import buyer_history, personal_products, personal_scores, popular_products, stored_lists
from ai.recommendations.refresh import recommendations_refresh_product
from products.models import Product

# Seeds computed on demand for a shopper whose history has nothing precomputed around it.
ON_DEMAND_SEEDS = 3


def recommendations_for_product(*, product: Product, limit: int) -> dict[str, list[Product]]:
    """The product's similar and bought-together products, best first. Three queries when
    precomputed; computed (and stored) at once when the table has nothing for it."""
    lists = stored_lists(product.pk, limit)
    if not any(lists.values()):
        recommendations_refresh_product(product_id=product.pk)
        lists = stored_lists(product.pk, limit)
    return lists


def recommendations_for_user(*, user: User, limit: int) -> tuple[list[Product], str]:
    """What to show a signed-in shopper: the neighbours of what they recently ordered, saved
    and viewed, summed with those weights ("personal"), topped up with popular products; popular
    products alone while they have no history ("popular"). A fixed number of queries."""
    seeds, exclude = buyer_history(user)
    popular = popular_product_ids()
    if not seeds:
        return popular_products(limit=limit, exclude=exclude), "popular"
    scores = personal_scores(seeds, exclude)
    if scores is None:  # nothing precomputed around them yet: compute their strongest seeds now
        for seed in heapq.nlargest(ON_DEMAND_SEEDS, seeds, key=lambda pk: (seeds[pk], pk)):
            recommendations_refresh_product(product_id=seed)
        scores = personal_scores(seeds, exclude) or {}
    return personal_products(scores, exclude=exclude, popular=popular, limit=limit)
