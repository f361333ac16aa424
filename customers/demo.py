"""The demo seller's customers, loaded by `manage.py seed_demo`: everyone who ordered from the
demo seller (recorded here as the orders' announcements would, so a demo seeded before this app,
or with no worker running, shows them too) and two who only wrote from Instagram and WhatsApp."""

from accounts.demo import demo_seller
from customers.models import CustomerHandle
from customers.services import Identity, customer_add, customers_record_orders
from orders.models import Order

# People who have not ordered yet: (identity, tags).
CONTACTS = (
    (Identity(handle=("instagram", "17841400000000001"), username="akosua.styles", name="Akosua Boateng"),
     ["instagram", "new"]),
    (Identity(phone="+233241234567", handle=("whatsapp", "233241234567"), name="Yaw Darko"), ["wholesale"]),
)


def seed(context) -> None:
    seller = demo_seller()
    customers_record_orders(order_ids=Order.objects.filter(seller=seller).values_list("pk", flat=True))
    for identity, tags in CONTACTS:
        platform, platform_user_id = identity.handle
        known = CustomerHandle.objects.filter(seller=seller, platform=platform, platform_user_id=platform_user_id)
        if not known.exists():  # kept as the seller left it on a re-run
            customer_add(seller=seller, identity=identity, country="Ghana", tags=tags)

