"""Demo orders between the demo buyer and the demo seller, loaded by `manage.py seed_demo`:
one paid and shipped, one cash-on-delivery order waiting for the seller, and a cart in progress."""

from decimal import Decimal

from django.test.utils import override_settings

from accounts.demo import demo_buyer, demo_seller
from orders.models import Order
from orders.services.cart import cart_add_item
from orders.services.checkout import checkout
from orders.services.orders import order_ship
from orders.services.payments import payment_process
from products.models import Product

ADDRESS = {
    "full_name": "Kwame Mensah", "phone": "+233501234567", "address_line1": "12 Oxford Street", "city": "Accra",
    "state": "Greater Accra", "country": "Ghana", "delivery_instructions": "Call on arrival",
}


def _buy(buyer, products, **checkout_fields) -> Order:
    for product, quantity in products:
        cart_add_item(user=buyer, product=product, variant_id=None, quantity=quantity)
    return checkout(user=buyer, **ADDRESS, **checkout_fields)


# The demo's history is not news: its notification emails stay out of the console.
@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", PAYMENT_TEST_OUTCOME="success")
def seed(context) -> None:
    seller, buyer = demo_seller(), demo_buyer()
    if Order.objects.filter(buyer=buyer).exists():
        return
    if not seller.shipping_fee:
        seller.shipping_fee, seller.free_shipping_threshold = Decimal("15.00"), Decimal("500.00")
        seller.save(update_fields=["shipping_fee", "free_shipping_threshold"])
    products = {p.name: p for p in Product.objects.public().filter(seller=seller, stock_quantity__gt=0)}
    if len(products) < 3:
        return
    first, second, third, *_ = products.values()

    paid = _buy(buyer, [(first, 1), (second, 2)], payment_method="card", source="instagram",
                buyer_note="It's a gift, please wrap it.")
    payment_process(payment=paid.payments.get())
    order_ship(order=paid, actor=seller, carrier="Ghana Post EMS", tracking_number="EE123456789GH")

    _buy(buyer, [(third, 1)], payment_method="cash_on_delivery", source="whatsapp")
    cart_add_item(user=buyer, product=second, variant_id=None, quantity=1)
