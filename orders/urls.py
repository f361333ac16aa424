from django.urls import path

from orders import views
from sellflow import converters  # noqa: F401  (registers <id:...>)

app_name = "orders"

urlpatterns = [
    path("cart/", views.CartView.as_view(), name="cart"),
    path("cart/add_item/", views.CartAddItemView.as_view(), name="cart-add-item"),
    path("cart/update_item/<id:item_id>/", views.CartUpdateItemView.as_view(), name="cart-update-item"),
    path("cart/remove_item/<id:item_id>/", views.CartRemoveItemView.as_view(), name="cart-remove-item"),
    path("cart/clear/", views.CartClearView.as_view(), name="cart-clear"),
    path("checkout/", views.CheckoutView.as_view(), name="checkout"),
]
