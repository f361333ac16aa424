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
    path("orders/", views.BuyerOrderListView.as_view(), name="orders"),
    path("orders/seller_orders/", views.SellerOrderListView.as_view(), name="seller-orders"),
    path("orders/<id:pk>/", views.OrderDetailView.as_view(), name="order"),
    path("orders/<id:pk>/receipt/", views.OrderReceiptView.as_view(), name="order-receipt"),
    path("orders/<id:pk>/cancel/", views.OrderCancelView.as_view(), name="order-cancel"),
    path("orders/<id:pk>/confirm/", views.OrderConfirmView.as_view(), name="order-confirm"),
    path("orders/<id:pk>/ship/", views.OrderShipView.as_view(), name="order-ship"),
    path("orders/<id:pk>/deliver/", views.OrderDeliverView.as_view(), name="order-deliver"),
    path("orders/<id:pk>/refund/", views.OrderRefundView.as_view(), name="order-refund"),
    path("payments/<id:pk>/process/", views.PaymentProcessView.as_view(), name="payment-process"),
]
