"""The catalog's figures in a seller's profile `metrics`."""

from accounts.metrics import register_seller_metric
from products.models import Product, ProductStatus


@register_seller_metric("products")
def product_counts(user) -> dict[str, int]:
    alive = Product.objects.alive().filter(seller=user)
    return {
        "total": alive.count(),
        "active": alive.filter(status=ProductStatus.ACTIVE).count(),
        "out_of_stock": alive.filter(stock_quantity=0).count(),
    }
