"""Product recommendations: owns the ProductRecommendation table. Computes each product's
"similar" and "bought together" neighbours (co-purchases and co-views blended with TF-IDF
content similarity, popular products of the category when evidence runs short) and reads them
back for the endpoints, computing on demand what the table does not hold yet.

scope: what is recommended and what counts as a purchase; content: TF-IDF similarity;
interactions: co-purchases and co-views; catalog: what a refresh works over; popularity: the
padding and the popular list; scoring: blending and ranking; refresh: writing the table;
read: reading it back; serve: the endpoints' lists (read, computed by refresh when missing)."""

from ai.recommendations.content import CORPUS, Corpus
from ai.recommendations.popularity import popular_product_ids
from ai.recommendations.read import popular_products
from ai.recommendations.refresh import (
    recommendations_refresh_all,
    recommendations_refresh_product,
    recommendations_refresh_products,
)
from ai.recommendations.serve import recommendations_for_product, recommendations_for_user

__all__ = [
    "CORPUS",
    "Corpus",
    "popular_product_ids",
    "popular_products",
    "recommendations_for_product",
    "recommendations_for_user",
    "recommendations_refresh_all",
    "recommendations_refresh_product",
    "recommendations_refresh_products",
]
