"""Guest orders and gateways that need the payer's email (Paystack, for every method it takes): a
customer without an email is refused such a method when the seller orders for them (400
`email_required`, nothing written, the methods that would do named), and a payment link is never
sent to such a gateway without one (409 `email_required`). Paystack is the local fake server the
gateway's own tests use, so whatever reaches it is seen."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from chat.models import Message
from customers.models import GuestOrder
from orders.models import Order, Payment, PaymentAttempt, PaymentStatus, StockReservation
from tests.chat.conftest import CONVERSATIONS, conversation_url
from tests.fake_servers import FakeJSONServer
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

ADDRESS = {"full_name": "Kofi Asante", "phone": "+233241112233", "address_line1": "4 Market Street",
           "city": "Kumasi", "country": "Ghana"}


@pytest.fixture
def paystack(settings):
    """Paystack switched on against the local fake; the methods are assigned by each test."""
    with FakeJSONServer() as server:
        server.routes["/transaction/initialize"] = (200, {"status": True, "message": "ok", "data": {
            "authorization_url": "https://checkout.paystack.com/abc", "access_code": "abc"}})
        settings.PAYSTACK_SECRET_KEY, settings.PAYSTACK_API_URL = "sk_test_guest", server.url
        yield server


@pytest.fixture
def bag(seller):
    return ProductFactory(seller=seller, name="Leather bag", price=Decimal("45.00"), stock_quantity=5)


def conversation_with(client, **customer) -> dict:
    response = client.post(CONVERSATIONS, customer, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def phone_only(seller_client) -> dict:
    return conversation_with(seller_client, customer_phone="+233241112233", customer_name="Kofi")


def order_for(client, conversation: dict, bag, payment_method: str = "card"):
    return client.post(conversation_url(conversation["id"], "order"),
                       {"lines": [{"product_id": bag.pk, "quantity": 2}], "payment_method": payment_method,
                        **ADDRESS}, format="json")


def token_of(link: dict) -> str:
    return link["metadata"]["url"].rsplit("#", 1)[-1]  # {FRONTEND_URL}/pay#<token>


def nothing_written() -> bool:
    return not (Order.objects.exists() or GuestOrder.objects.exists() or StockReservation.objects.exists()
                or Payment.objects.exists() or Message.objects.filter(order__isnull=False).exists())


def test_a_customer_without_email_is_refused_a_paystack_card_order_and_told_what_would_do(
        seller_client, phone_only, bag, paystack, settings):
    settings.PAYMENT_GATEWAY_CARD = "paystack"  # mobile money and the rest stay on the test gateway

    response = order_for(seller_client, phone_only, bag)

    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "email_required"
    assert body["error"] == ("This customer has no email: Paystack needs one for card payments. Add an email to "
                             "the customer, or choose mobile money, bank transfer, PayPal or cash on delivery.")
    assert body["details"] == {"field": "email", "gateway": "paystack", "payment_method": "card",
                               "choices": ["mobile_money", "bank_transfer", "paypal", "cash_on_delivery"]}
    assert nothing_written() and paystack.received == []
    bag.refresh_from_db()
    assert bag.stock_quantity == 5


@pytest.mark.parametrize("method", ["card", "mobile_money", "bank_transfer"])
def test_with_every_method_on_paystack_only_cash_on_delivery_would_do(seller_client, phone_only, bag, paystack,
                                                                       settings, method):
    settings.PAYMENT_GATEWAY_CARD = settings.PAYMENT_GATEWAY_MOBILE_MONEY = "paystack"
    settings.PAYMENT_GATEWAY_BANK_TRANSFER, settings.PAYMENT_GATEWAY_PAYPAL = "paystack", ""

    refused = order_for(seller_client, phone_only, bag, payment_method=method)

    assert (refused.status_code, refused.json()["code"]) == (400, "email_required")
    assert refused.json()["details"]["choices"] == ["cash_on_delivery"]
    assert refused.json()["error"].endswith("Add an email to the customer, or choose cash on delivery.")
    assert nothing_written()
    cash = order_for(seller_client, phone_only, bag, payment_method="cash_on_delivery")
    assert cash.status_code == 201, cash.json()
    assert paystack.received == []


def test_a_method_on_a_gateway_that_needs_no_email_is_ordered_without_one(seller_client, phone_only, bag, paystack,
                                                                          settings):
    settings.PAYMENT_GATEWAY_CARD = "paystack"

    response = order_for(seller_client, phone_only, bag, payment_method="mobile_money")  # the test gateway

    assert response.status_code == 201, response.json()
    assert Order.objects.get().email == ""


def test_a_customer_with_an_email_orders_through_paystack_and_the_link_sends_it(seller_client, bag, paystack,
                                                                                settings):
    settings.PAYMENT_GATEWAY_CARD = "paystack"
    conversation = conversation_with(seller_client, customer_email="esi@example.com", customer_name="Esi")

    ordered = order_for(seller_client, conversation, bag)
    assert ordered.status_code == 201, ordered.json()
    assert paystack.received == []  # nothing goes to the gateway before the customer pays
    paid = APIClient().post(f"/api/chat/pay/{token_of(ordered.json()['messages'][1])}/", {}, format="json")

    assert paid.status_code == 200, paid.json()
    assert paid.json()["authorization_url"] == "https://checkout.paystack.com/abc"
    (initialize,) = paystack.received
    assert (initialize.path, initialize.json()["email"]) == ("/transaction/initialize", "esi@example.com")


def test_a_link_whose_method_moved_to_paystack_is_refused_without_sending_a_blank_email(
        seller_client, phone_only, bag, paystack, settings):
    ordered = order_for(seller_client, phone_only, bag)  # card on the test gateway: no email needed then
    assert ordered.status_code == 201, ordered.json()
    settings.PAYMENT_GATEWAY_CARD = "paystack"  # the operator switches card payments over meanwhile
    link = f"/api/chat/pay/{token_of(ordered.json()['messages'][1])}/"

    refused = APIClient().post(link, {}, format="json")

    assert refused.status_code == 409, refused.json()
    assert refused.json()["code"] == "email_required"
    assert refused.json()["details"] == {"field": "email", "gateway": "paystack", "payment_method": "card"}
    assert "nothing was charged" in refused.json()["error"]
    assert paystack.received == []
    payment = Payment.objects.get()
    assert (payment.status, payment.gateway) == (PaymentStatus.PENDING, "")
    assert not PaymentAttempt.objects.exists()
    # Still payable once card payments go back to a gateway that needs no email.
    settings.PAYMENT_GATEWAY_CARD = "test"
    assert APIClient().post(link, {}, format="json").status_code == 200
