"""The document's cart and checkout flow (section 3, "Frontend Integration Guide: Cart & Checkout
Flow" and "Payment Integration"): add to cart, update, remove, clear, check out by card and by
mobile money, process the payment, the provider's webhook, the buyer's and the seller's orders."""

import hashlib
import hmac
import json
import re
from decimal import Decimal

import pytest

from orders.gateways.test import sign_test_webhook
from tests.contract import document as doc
from tests.contract.conftest import ADDRESS_FIELDS, add_to_cart, assert_has_fields, check_out, pay
from tests.fake_servers import FakeJSONServer

pytestmark = pytest.mark.django_db

ORDER_ID = re.compile(r"^SF[A-Z0-9]{8}$")
PAYSTACK_SECRET = "sk_test_contract_paystack"


def money(value: str) -> Decimal:
    return Decimal(value)


def order_state(buyer_tab, seller_tab, order_id: int) -> dict:
    """Everything a payment event could change, as both sides see it: the order (its status,
    amounts, payments with their status, amounts paid and transaction ids, its timeline) and
    each side's notifications."""
    detail = buyer_tab.fetch("GET", doc.path_order(order_id)).json()
    return {"order": detail, "timeline_length": len(detail["timeline"]),
            "buyer_notifications": buyer_tab.fetch("GET", doc.PATH_NOTIFICATIONS).json(),
            "seller_notifications": seller_tab.fetch("GET", doc.PATH_NOTIFICATIONS).json()}


class TestCart:
    def test_add_update_remove_and_clear(self, buyer_tab, listed_product):
        empty = buyer_tab.fetch("GET", doc.PATH_CART)
        assert empty.status_code == 200
        assert_has_fields(empty.json(), doc.ADD_TO_CART_RESPONSE)
        assert (empty.json()["items"], empty.json()["item_count"]) == ([], 0)

        added = add_to_cart(buyer_tab, listed_product)

        assert_has_fields(added.json(), doc.ADD_TO_CART_RESPONSE)
        assert (added.json()["total"], added.json()["item_count"]) == ("179.98", 2)
        cart = buyer_tab.fetch("GET", doc.PATH_CART)
        assert cart.status_code == 200
        assert_has_fields(cart.json(), doc.CART_RESPONSE)
        (line,) = cart.json()["items"]
        expected_line = {**doc.CART_RESPONSE["items"][0], "id": line["id"], "product": listed_product["id"]}
        assert {key: line[key] for key in expected_line} == expected_line
        assert (cart.json()["total"], cart.json()["item_count"]) == ("179.98", 2)

        updated = buyer_tab.fetch("PUT", doc.path_cart_update(line["id"]), doc.UPDATE_CART_ITEM_REQUEST)

        assert updated.status_code == 200, updated.json()
        assert_has_fields(updated.json(), doc.CART_RESPONSE)
        assert (updated.json()["items"][0]["quantity"], updated.json()["items"][0]["total"]) == (3, "269.97")
        assert (updated.json()["total"], updated.json()["item_count"]) == ("269.97", 3)

        removed = buyer_tab.fetch("DELETE", doc.path_cart_remove(line["id"]))

        assert removed.status_code == 200
        assert_has_fields(removed.json(), doc.ADD_TO_CART_RESPONSE)
        assert (removed.json()["items"], removed.json()["total"], removed.json()["item_count"]) == ([], "0.00", 0)

        add_to_cart(buyer_tab, listed_product)
        cleared = buyer_tab.fetch("DELETE", doc.PATH_CART_CLEAR)

        assert cleared.status_code == 200
        assert_has_fields(cleared.json(), doc.ADD_TO_CART_RESPONSE)
        assert (cleared.json()["items"], cleared.json()["total"], cleared.json()["item_count"]) == ([], "0.00", 0)
        assert buyer_tab.fetch("GET", doc.PATH_CART).json()["items"] == []

    def test_the_documents_cart_and_checkout_figures(self, seller_tab, buyer_tab, listed_product):
        # The document's cart of 2 x 89.99 totals "179.98" (lines 290-305) and its order "197.98"
        # (line 379): the seller charges 18.00 for delivery, which the cart's total leaves out.
        # The document never sets a shipping fee: this PATCH is ours, not the document's; the
        # seller's profile is where a seller sets it.
        fee = seller_tab.fetch("PATCH", doc.PATH_PROFILE, {"shipping_fee": "18.00"})
        assert (fee.status_code, fee.json()["shipping_fee"]) == (200, "18.00")
        add_to_cart(buyer_tab, listed_product)

        cart = buyer_tab.fetch("GET", doc.PATH_CART).json()

        assert (cart["items"][0]["total"], cart["total"], cart["item_count"]) == ("179.98", "179.98", 2)

        order = check_out(buyer_tab)

        assert order["total_amount"] == doc.CHECKOUT_RESPONSE["total_amount"] == "197.98"
        assert (order["subtotal"], order["shipping_fee"]) == ("179.98", "18.00")
        assert order["payments"][0]["amount"] == "197.98"


class TestCheckout:
    def test_by_card_then_process_payment(self, buyer_tab, listed_product):
        add_to_cart(buyer_tab, listed_product)
        cart = buyer_tab.fetch("GET", doc.PATH_CART).json()

        order = check_out(buyer_tab)

        assert_has_fields(order, doc.CHECKOUT_RESPONSE)
        assert order["status"] == "pending"
        assert ORDER_ID.match(order["order_id"]), order["order_id"]
        assert money(order["total_amount"]) == money(cart["items"][0]["total"]) + money(order["shipping_fee"])
        assert order["shipping_address"] == {key: doc.CHECKOUT_REQUEST[key] for key in ADDRESS_FIELDS}
        assert (order["payment_method"], order["source"], order["buyer_note"]) == (
            "card", "instagram", "Please gift wrap")
        (item,) = order["items"]
        assert (item["product"], item["quantity"]) == (listed_product["id"], 2)
        (payment,) = order["payments"]
        assert (payment["method"], payment["amount"], payment["status"]) == ("card", order["total_amount"], "pending")
        assert buyer_tab.fetch("GET", doc.PATH_CART).json()["items"] == []

        processed = pay(buyer_tab, order)

        assert_has_fields(processed, doc.PROCESS_PAYMENT_RESPONSE)
        assert processed["status"] == "completed" and processed["transaction_id"]
        detail = buyer_tab.fetch("GET", doc.path_order(order["id"])).json()
        assert detail["status"] == "confirmed"  # Payment Flow, line 765: "Order confirmed"
        assert (detail["payments"][0]["status"], detail["payments"][0]["transaction_id"]) == (
            "completed", processed["transaction_id"])
        assert detail["payments"][0]["amount_paid"] == order["total_amount"]

    def test_by_mobile_money_with_the_documents_body(self, buyer_tab, listed_product):
        # "Mobile Money (MTN, Vodafone, AirtelTigo)" (line 756): the document's body names no
        # network; its phone +233 50... is on Telecel (formerly Vodafone).
        add_to_cart(buyer_tab, listed_product)

        order = check_out(buyer_tab, payment_method="mobile_money")

        assert_has_fields(order, doc.CHECKOUT_RESPONSE)
        assert order["status"] == "pending"
        assert ORDER_ID.match(order["order_id"]), order["order_id"]
        assert money(order["total_amount"]) == Decimal("179.98") + money(order["shipping_fee"])
        assert order["shipping_address"] == {key: doc.CHECKOUT_REQUEST[key] for key in ADDRESS_FIELDS}
        assert (order["payment_method"], order["source"], order["buyer_note"]) == (
            "mobile_money", "instagram", "Please gift wrap")
        (item,) = order["items"]
        assert (item["product"], item["quantity"]) == (listed_product["id"], 2)
        (payment,) = order["payments"]
        assert (payment["method"], payment["amount"], payment["status"]) == (
            "mobile_money", order["total_amount"], "pending")
        # Telecel's 050 prefix; Vodafone Ghana's old name is no longer stored.
        assert payment["mobile_money_provider"] == "telecel"

        processed = pay(buyer_tab, order)

        assert_has_fields(processed, doc.PROCESS_PAYMENT_RESPONSE)
        assert processed["status"] == "completed" and processed["transaction_id"]
        detail = buyer_tab.fetch("GET", doc.path_order(order["id"])).json()
        assert detail["status"] == "confirmed"
        assert (detail["payments"][0]["status"], detail["payments"][0]["transaction_id"]) == (
            "completed", processed["transaction_id"])

    @pytest.mark.parametrize("method", ["bank_transfer", "paypal"])
    def test_by_the_other_supported_methods(self, buyer_tab, listed_product, method):
        # "Currently Supported Methods" (lines 753-758): the document's body with the method.
        add_to_cart(buyer_tab, listed_product)

        order = check_out(buyer_tab, payment_method=method)

        assert_has_fields(order, doc.CHECKOUT_RESPONSE)
        assert (order["status"], order["payment_method"], order["payments"][0]["method"]) == ("pending", method, method)
        processed = pay(buyer_tab, order)
        assert_has_fields(processed, doc.PROCESS_PAYMENT_RESPONSE)
        detail = buyer_tab.fetch("GET", doc.path_order(order["id"])).json()
        assert processed["status"] == detail["payments"][0]["status"]

    @pytest.mark.parametrize("source", ["facebook", "website"])
    def test_the_order_source_in_the_documents_words(self, buyer_tab, listed_product, source):
        # "track order source" (line 371), in the words the document gives sources (line 430).
        add_to_cart(buyer_tab, listed_product)

        order = check_out(buyer_tab, source=source)

        assert_has_fields(order, doc.CHECKOUT_RESPONSE)
        assert order["source"] == source
        assert buyer_tab.fetch("GET", doc.path_order(order["id"])).json()["source"] == source


class TestPaymentWebhook:
    """Payment Flow (lines 762-765): redirect to the provider, the provider processes the payment,
    its webhook to POST /api/webhooks/payment/ (line 770) updates the payment and confirms the order."""

    @pytest.fixture
    def paystack(self, settings):
        with FakeJSONServer() as server:
            settings.PAYMENT_GATEWAY_CARD = "paystack"
            settings.PAYSTACK_SECRET_KEY, settings.PAYSTACK_API_URL = PAYSTACK_SECRET, server.url
            server.routes["/transaction/initialize"] = lambda received: (200, {
                "status": True, "message": "Authorization URL created", "data": {
                    "authorization_url": "https://checkout.paystack.com/ac_contract", "access_code": "ac_contract",
                    "reference": received.json()["reference"]}})
            yield server

    @staticmethod
    def charge_success(payment: dict, event_id: int = 4099260516) -> bytes:
        return json.dumps({"event": "charge.success", "data": {
            "id": event_id, "status": "success", "reference": payment["reference"],
            "amount": int(money(payment["amount"]) * 100), "currency": payment["currency"],
            "channel": "card", "paid_at": "2026-12-06T10:30:00.000Z"}}).encode()

    @staticmethod
    def deliver(provider, body: bytes, signature: str):
        return provider.post_bytes(doc.PATH_PAYMENT_WEBHOOK, body, HTTP_X_PAYSTACK_SIGNATURE=signature)

    def test_a_card_paid_on_the_providers_page_is_confirmed_by_its_signed_webhook(
            self, paystack, seller_tab, buyer_tab, open_tab, listed_product):
        add_to_cart(buyer_tab, listed_product)
        order = check_out(buyer_tab)

        redirect = pay(buyer_tab, order)

        assert redirect["status"] == "pending"
        assert redirect["authorization_url"] == "https://checkout.paystack.com/ac_contract"
        payment = buyer_tab.fetch("GET", doc.path_order(order["id"])).json()["payments"][0]
        body = self.charge_success(payment)
        provider = open_tab()  # the provider's server: no user, no token

        forged = self.deliver(provider, body, "0" * 128)
        assert forged.status_code == 400
        assert buyer_tab.fetch("GET", doc.path_order(order["id"])).json()["status"] == "pending"

        signature = hmac.new(PAYSTACK_SECRET.encode(), body, hashlib.sha512).hexdigest()
        delivered = self.deliver(provider, body, signature)

        assert delivered.status_code == 200, delivered.json()
        assert delivered.json() == {"received": True, "outcome": "confirmed"}
        confirmed = order_state(buyer_tab, seller_tab, order["id"])
        detail = confirmed["order"]
        assert detail["status"] == "confirmed"
        assert (detail["payments"][0]["status"], detail["payments"][0]["amount_paid"]) == (
            "completed", order["total_amount"])
        assert detail["payments"][0]["transaction_id"] == "4099260516"
        assert [row["title"] for row in confirmed["seller_notifications"]] == [
            f"New order {order['order_id']}, paid"]
        assert [row["title"] for row in confirmed["buyer_notifications"]] == [f"Order {order['order_id']} confirmed"]

        # Providers deliver again until they are answered 200: a redelivery changes nothing.
        again = self.deliver(provider, body, signature)

        assert (again.status_code, again.json()) == (200, {"received": True, "outcome": "duplicate"})
        assert order_state(buyer_tab, seller_tab, order["id"]) == confirmed

    def test_the_webhook_after_an_immediate_payment_changes_nothing(self, paid_order, seller_tab, buyer_tab,
                                                                    open_tab):
        payment = paid_order["payments"][0]
        body = json.dumps({"id": "evt_contract_1", "type": "payment.succeeded", "reference": payment["reference"],
                           "transaction_id": payment["transaction_id"], "amount": payment["amount"],
                           "currency": payment["currency"]}).encode()
        provider = open_tab()
        before = order_state(buyer_tab, seller_tab, paid_order["id"])
        assert before["order"]["status"] == "confirmed" and before["timeline_length"] >= 2
        assert before["buyer_notifications"] and before["seller_notifications"]

        response = provider.post_bytes(doc.PATH_PAYMENT_WEBHOOK, body, HTTP_X_TEST_SIGNATURE=sign_test_webhook(body))

        assert response.status_code == 200, response.json()
        assert response.json() == {"received": True, "outcome": "already"}
        assert order_state(buyer_tab, seller_tab, paid_order["id"]) == before

        resent = provider.post_bytes(doc.PATH_PAYMENT_WEBHOOK, body, HTTP_X_TEST_SIGNATURE=sign_test_webhook(body))

        assert (resent.status_code, resent.json()) == (200, {"received": True, "outcome": "duplicate"})
        assert order_state(buyer_tab, seller_tab, paid_order["id"]) == before


def order_in_each_status(seller_tab, buyer_tab, product: dict) -> dict[str, int]:
    """One order of the buyer's in each status the document filters by (line 392), reached through
    the API: the document's checkout and payment, then the buyer's cancel and the seller's ship
    and deliver, which are our requests (the document names no path for them). Each is paid or
    cancelled before the next checkout: an unverified buyer may hold only two open orders."""
    steps = {"cancelled": ["cancel"], "confirmed": [], "shipped": ["ship"], "delivered": ["ship", "deliver"]}
    orders = {}
    for status, actions in steps.items():
        add_to_cart(buyer_tab, product, quantity=1)
        order = check_out(buyer_tab)
        orders[status] = order["id"]
        if status != "cancelled":
            pay(buyer_tab, order)
        for action in actions:
            tab = buyer_tab if action == "cancel" else seller_tab
            response = tab.fetch("POST", f"{doc.path_order(order['id'])}{action}/")
            assert response.status_code == 200, response.json()
        assert buyer_tab.fetch("GET", doc.path_order(order["id"])).json()["status"] == status
    add_to_cart(buyer_tab, product, quantity=1)
    orders["pending"] = check_out(buyer_tab)["id"]
    return orders


class TestOrders:
    def test_the_documents_status_filter_values(self, seller_tab, buyer_tab, listed_product):
        # List My Orders, line 392: each filter value answers its own order and none of the others.
        orders = order_in_each_status(seller_tab, buyer_tab, listed_product)
        everything = buyer_tab.fetch("GET", doc.PATH_ORDERS).json()
        assert sorted(order["id"] for order in everything) == sorted(orders.values())

        for status, order_id in orders.items():
            response = buyer_tab.fetch("GET", f"{doc.PATH_ORDERS}?status={status}")

            assert response.status_code == 200
            assert [(order["id"], order["status"]) for order in response.json()] == [(order_id, status)]

    def test_the_buyer_lists_and_opens_their_orders(self, buyer_tab, paid_order):
        response = buyer_tab.fetch("GET", doc.PATH_ORDERS)

        assert response.status_code == 200
        assert_has_fields(response.json(), [doc.CHECKOUT_RESPONSE])
        assert [order["id"] for order in response.json()] == [paid_order["id"]]
        assert response.json()[0] == paid_order

        confirmed = buyer_tab.fetch("GET", f"{doc.PATH_ORDERS}?status=confirmed").json()
        pending = buyer_tab.fetch("GET", f"{doc.PATH_ORDERS}?status=pending").json()
        assert ([order["id"] for order in confirmed], pending) == ([paid_order["id"]], [])

        detail = buyer_tab.fetch("GET", doc.path_order(paid_order["id"]))
        assert detail.status_code == 200
        assert_has_fields(detail.json(), doc.CHECKOUT_RESPONSE)

    def test_the_seller_lists_the_orders_of_their_products(self, seller_tab, buyer_tab, paid_order):
        response = seller_tab.fetch("GET", doc.PATH_SELLER_ORDERS)

        assert response.status_code == 200
        assert_has_fields(response.json(), [doc.CHECKOUT_RESPONSE])
        assert [order["id"] for order in response.json()] == [paid_order["id"]]
        # The seller sees the buyer's order as the buyer does: the same status, amounts and address.
        assert response.json()[0] == paid_order
        assert (paid_order["status"], paid_order["seller"]["id"], paid_order["buyer"]["id"]) == (
            "confirmed", seller_tab.user["id"], buyer_tab.user["id"])
        # The buyer's account sells nothing: none of its orders are its sales.
        assert buyer_tab.fetch("GET", doc.PATH_SELLER_ORDERS).json() == []
        detail = seller_tab.fetch("GET", doc.path_order(paid_order["id"]))
        assert (detail.status_code, detail.json()) == (200, paid_order)
