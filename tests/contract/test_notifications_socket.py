"""The notifications socket the document's frontend opens beside its REST calls (WebSocket /
Real-time Features: `?token=<access>`, as for /ws/chat/): a paid order reaches its seller as a
frame carrying exactly the item GET /api/notifications/ lists."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from sellflow.asgi import application
from tests.contract import document as doc
from tests.contract.conftest import add_to_cart, check_out, pay

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_paid_order_reaches_the_seller_as_the_rest_lists_it(seller_tab, buyer_tab, listed_product):
    add_to_cart(buyer_tab, listed_product)
    order = check_out(buyer_tab)

    async def scenario():
        socket = WebsocketCommunicator(application, f"/ws/notifications/?token={seller_tab.storage['access']}")
        assert (await socket.connect())[0]
        assert await socket.receive_json_from(timeout=2) == {"type": "unread_count", "unread": 0}
        processed = await sync_to_async(pay)(buyer_tab, order)
        frame = await socket.receive_json_from(timeout=2)
        await socket.disconnect()
        return processed, frame

    processed, frame = async_to_sync(scenario)()

    assert processed["status"] == "completed"
    (listed,) = seller_tab.fetch("GET", doc.PATH_NOTIFICATIONS).json()
    assert frame == {"type": "notification", "notification": listed}
    assert (listed["type"], listed["title"], listed["is_read"]) == ("order", f"New order {order['order_id']}, paid",
                                                                   False)
