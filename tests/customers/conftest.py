# The orders app's checkout helpers: a verified buyer, a shop, and an order placed through the API.
from tests.orders.conftest import buyer, place_order, shop, shop_client  # noqa: F401
