"""Every word the catalog says to sellers (as orders/notifications.py for orders): the titles
and bodies of its notifications, and the reasons its history records carry. Services call these
by name (`notifications.low_stock(product)`); no copy text sits in stock code."""

from notifications.models import NotificationType
from notifications.services import notify
from products.models import Product

# --- Reasons the records carry (shown in the product's history) --------------------------------

EDITED_IN_ADMIN_REASON = "Edited in the admin"


# --- Told to the seller -----------------------------------------------------------------------

def low_stock(product: Product) -> None:
    """The product's stock just fell to (or below) the seller's alert threshold."""
    notify(
        user=product.seller,
        type=NotificationType.PRODUCT,
        title=f"Low stock: {product.name}"[:200],
        body=f"{product.stock_quantity} left (your alert is at {product.low_stock_threshold}).",
        data={"product_id": product.pk, "stock_quantity": product.stock_quantity,
              "path": f"/products/{product.pk}"},
    )
