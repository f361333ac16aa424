"""The document's cart and checkout flow (section 3, "Frontend Integration Guide: Cart & Checkout
Flow" and "Payment Integration"): add to cart, update, remove, clear, check out by card and by
mobile money, process the payment, the provider's webhook, the buyer's and the seller's orders."""

import hashlib
import hmac
import json
import re
from decimal import Decimal

import pytest

from accounts.models import User
from orders.gateways.test import sign_test_webhook
from tests.contract import document as doc
from tests.contract.conftest import ADDRESS_FIELDS, add_to_cart, assert_has_fields, check_out, pay
from tests.fake_servers import FakeJSONServer

pytestmark = pytest.mark.django_db

ORDER_ID = re.compile(r"^SF[A-Z0-9]{8}$")
PAYSTACK_SECRET = "sk_test_contract_paystack"


def money(value: str) -> Decimal:
    return Decimal(value)


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
        assert (removed.json()["items"], removed.json()["total"], removed.json()["item_count"]) == ([], "0.00", 0)

        add_to_cart(buyer_tab, listed_product)
        cleared = buyer_tab.fetch("DELETE", doc.PATH_CART_CLEAR)

        assert cleared.status_code == 200
        assert (cleared.json()["items"], cleared.json()["item_count"]) == ([], 0)

    def test_the_documents_cart_and_checkout_figures(self, seller_tab, buyer_tab, listed_product):
        # The document's cart of 2 x 89.99 totals "179.98" (lines 290-305) and its order "197.98"
        # (line 379): the seller charges 18.00 for delivery, which the cart's total leaves out.
        User.objects.filter(pk=seller_tab.user["id"]).update(shipping_fee=Decimal("18.00"))
        add_to_cart(buyer_tab, listed_product)

        cart = buyer_tab.fetch("GET", doc.PATH_CART).json()

        assert (cart["items"][0]["total"], cart["total"], cart["item_count"]) == ("179.98", "179.98", 2)

        order = check_out(buyer_tab)

        assert order["total_amount"] == doc.CHECKOUT_RESPONSE["total_amount"] == "197.98"


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
        assert detail["payments"][0]["status"] == "completed"

    def test_by_mobile_money_with_the_documents_body(self, buyer_tab, listed_product):
        # "Mobile Money (MTN, Vodafone, AirtelTigo)" (line 756): the document's body names no
        # network; its phone +233 50... is on Telecel (formerly Vodafone).
        add_to_cart(buyer_tab, listed_product)

        order = check_out(buyer_tab, payment_method="mobile_money")

        assert_has_fields(order, doc.CHECKOUT_RESPONSE)
        assert order["status"] == "pending"
        (payment,) = order["payments"]
        assert payment["method"] == "mobile_money"
        assert payment["mobile_money_provider"] in ("telecel", "vodafone")

        processed = pay(buyer_tab, order)

        assert_has_fields(processed, doc.PROCESS_PAYMENT_RESPONSE)
        assert processed["status"] == "completed"
        assert buyer_tab.fetch("GET", doc.path_order(order["id"])).json()["status"] == "confirmed"

    @pytest.mark.parametrize("method", ["bank_transfer", "paypal"])
    def test_by_the_other_supported_methods(self, buyer_tab, listed_product, method):
        # "Currently Supported Methods" (lines 753-758): the document's body with the method.
        add_to_cart(buyer_tab, listed_product)

        order = check_out(buyer_tab, payment_method=method)

        assert order["payments"][0]["method"] == method
        processed = pay(buyer_tab, order)
        assert_has_fields(processed, doc.PROCESS_PAYMENT_RESPONSE)

    @pytest.mark.parametrize("source", ["facebook", "website"])
    def test_the_order_source_in_the_documents_words(self, buyer_tab, listed_product, source):
        # "track order source" (line 371), in the words the document gives sources (line 430).
        add_to_cart(buyer_tab, listed_product)

        order = check_out(buyer_tab, source=source)

        assert order["source"] == source


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
    def deliver(client, body: bytes, signature: str):
        return client.post(doc.PATH_PAYMENT_WEBHOOK, body, content_type="application/json",
                           HTTP_X_PAYSTACK_SIGNATURE=signature)

    def test_a_card_paid_on_the_providers_page_is_confirmed_by_its_signed_webhook(
            self, paystack, buyer_tab, open_tab, listed_product):
        add_to_cart(buyer_tab, listed_product)
        order = check_out(buyer_tab)

        redirect = pay(buyer_tab, order)

        assert redirect["status"] == "pending"
        assert redirect["authorization_url"] == "https://checkout.paystack.com/ac_contract"
        payment = buyer_tab.fetch("GET", doc.path_order(order["id"])).json()["payments"][0]
        body = self.charge_success(payment)
        provider = open_tab().client  # the provider's server: no user, no token

        forged = self.deliver(provider, body, "0" * 128)
        assert forged.status_code == 400
        assert buyer_tab.fetch("GET", doc.path_order(order["id"])).json()["status"] == "pending"

        signature = hmac.new(PAYSTACK_SECRET.encode(), body, hashlib.sha512).hexdigest()
        delivered = self.deliver(provider, body, signature)

        assert delivered.status_code == 200, delivered.json()
        detail = buyer_tab.fetch("GET", doc.path_order(order["id"])).json()
        assert detail["status"] == "confirmed"
        assert detail["payments"][0]["status"] == "completed"
        # Providers deliver again until they are answered 200: a redelivery changes nothing.
        assert self.deliver(provider, body, signature).status_code == 200
        assert buyer_tab.fetch("GET", doc.path_order(order["id"])).json() == detail

    def test_the_webhook_after_an_immediate_payment_changes_nothing(self, paid_order, open_tab):
        payment = paid_order["payments"][0]
        body = json.dumps({"id": "evt_contract_1", "type": "payment.succeeded", "reference": payment["reference"],
                           "transaction_id": payment["transaction_id"], "amount": payment["amount"],
                           "currency": payment["currency"]}).encode()

        response = open_tab().client.post(doc.PATH_PAYMENT_WEBHOOK, body, content_type="application/json",
                                          HTTP_X_TEST_SIGNATURE=sign_test_webhook(body))

        assert response.status_code == 200, response.json()


class TestOrders:
    @pytest.mark.parametrize("status", ["pending", "confirmed", "shipped", "delivered", "cancelled"])
    def test_the_documents_status_filter_values(self, buyer_tab, status):
        # List My Orders, line 392.
        response = buyer_tab.fetch("GET", f"{doc.PATH_ORDERS}?status={status}")

        assert (response.status_code, response.json()) == (200, [])

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
        assert response.json()[0]["status"] == "confirmed"
        # The buyer's account sells nothing: none of its orders are its sales.
        assert buyer_tab.fetch("GET", doc.PATH_SELLER_ORDERS).json() == []
        assert seller_tab.fetch("GET", doc.path_order(paid_order["id"])).status_code == 200
