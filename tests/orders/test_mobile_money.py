"""Mobile money checkout as the API document's frontend sends it: `payment_method: "mobile_money"`
and a `phone`, no network. The network is told from the wallet number; a number that does not
tell still makes the order, and paying it asks for the network (400 `provider_required`)."""

import importlib
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from orders.models import Order, Payment, PaymentAttempt
from tests.fake_servers import FakeJSONServer
from tests.orders.factories import PaymentFactory
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

CHECKOUT = "/api/orders/checkout/"
CHOICES = ["mtn", "telecel", "airteltigo"]
# The API document's checkout body, paid by mobile money: no network named.
DOCUMENT_BODY = {
    "full_name": "John Doe", "phone": "+233501234567", "address_line1": "123 Main Street",
    "address_line2": "Apt 4B", "city": "Accra", "state": "Greater Accra", "postal_code": "00233",
    "country": "Ghana", "delivery_instructions": "Leave at door", "payment_method": "mobile_money",
    "buyer_note": "Please gift wrap", "source": "instagram",
}


def process_url(payment_id) -> str:
    return f"/api/orders/payments/{payment_id}/process/"


@pytest.fixture
def checkout(buyer_client, shop):
    """Put a product of the shop in the cart and check out by mobile money; returns the response."""

    def check_out(**fields):
        product = ProductFactory(seller=shop, price=Decimal("45.00"), stock_quantity=5)
        added = buyer_client.post("/api/orders/cart/add_item/", {"product_id": product.pk}, format="json")
        assert added.status_code == 200, added.json()
        return buyer_client.post(CHECKOUT, {**DOCUMENT_BODY, **fields}, format="json")

    return check_out


def payment_of(response) -> dict:
    assert response.status_code == 201, response.json()
    (payment,) = response.json()["payments"]
    return payment


# --- The network told from the number ---------------------------------------------------------

def test_the_documents_checkout_body_orders_and_pays_by_mobile_money(checkout, buyer_client):
    payment = payment_of(checkout())  # +233 50: Telecel

    assert (payment["method"], payment["mobile_money_provider"]) == ("mobile_money", "telecel")
    assert Payment.objects.get().wallet_number == "+233501234567"
    paid = buyer_client.post(process_url(payment["id"]), format="json")
    assert paid.status_code == 200, paid.json()
    assert (paid.json()["status"], paid.json()["order_status"]) == ("completed", "confirmed")


@pytest.mark.parametrize("phone, network", [
    ("+233241234567", "mtn"), ("+233541234567", "mtn"), ("+233551234567", "mtn"), ("+233591234567", "mtn"),
    ("+233531234567", "mtn"), ("+233256123456", "mtn"),
    ("+233201234567", "telecel"), ("+233501234567", "telecel"),
    ("+233261234567", "airteltigo"), ("+233271234567", "airteltigo"), ("+233561234567", "airteltigo"),
    ("+233571234567", "airteltigo"),
    ("0244123456", "mtn"), ("0204123456", "telecel"), ("0574123456", "airteltigo"),  # local forms
])
def test_the_network_is_told_from_the_phone(checkout, phone, network):
    payment = payment_of(checkout(phone=phone))

    assert payment["mobile_money_provider"] == network


def test_a_wallet_number_other_than_the_phone_is_the_one_that_tells(checkout):
    payment = payment_of(checkout(phone="+233241234567", wallet_number="0271234567"))

    assert payment["mobile_money_provider"] == "airteltigo"
    assert Payment.objects.get().wallet_number == "+233271234567"
    assert Order.objects.get().phone == "+233241234567"


def test_a_network_the_buyer_names_wins_over_the_number(checkout):
    # An MTN number moved to AirtelTigo keeps its code: the buyer knows better than the table.
    payment = payment_of(checkout(phone="+233241234567", mobile_money_provider="airteltigo"))

    assert payment["mobile_money_provider"] == "airteltigo"


def test_vodafone_is_taken_as_telecel(checkout):
    payment = payment_of(checkout(phone="+233241234567", mobile_money_provider="vodafone"))

    assert payment["mobile_money_provider"] == "telecel"
    assert Payment.objects.get().mobile_money_provider == "telecel"


@pytest.mark.parametrize("provider", ["glo", "MTN", "", 7])
def test_a_network_no_one_knows_is_refused_at_checkout(checkout, provider):
    response = checkout(mobile_money_provider=provider)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["details"]) == ["mobile_money_provider"]
    assert not Order.objects.exists()


def test_other_payment_methods_keep_no_network_or_wallet(checkout):
    payment = payment_of(checkout(payment_method="card", mobile_money_provider="mtn"))

    assert payment["mobile_money_provider"] == ""
    assert Payment.objects.get().wallet_number == ""


# --- A number that does not tell --------------------------------------------------------------

@pytest.mark.parametrize("phone", [
    "+447911123456",  # not Ghana's
    "+2348031234567",  # Nigeria's MTN: not a Ghana wallet
    "+233302123456",  # an Accra fixed line
    "+233281234567",  # Expresso: no wallet network
])
def test_a_number_that_does_not_tell_still_orders_and_paying_asks_for_the_network(checkout, buyer_client, phone):
    response = checkout(phone=phone)

    payment = payment_of(response)  # 201: the order is made, its stock held
    assert payment["mobile_money_provider"] == ""
    assert response.json()["status"] == "pending"

    asked = buyer_client.post(process_url(payment["id"]), format="json")

    assert asked.status_code == 400
    assert asked.json() == {
        "error": "Say which mobile money network the wallet is on (mobile_money_provider): its number does not tell.",
        "code": "provider_required",
        "details": {"field": "mobile_money_provider", "choices": CHOICES, "wallet_number": phone},
    }
    assert Payment.objects.get().status == "pending" and not PaymentAttempt.objects.exists()  # nothing was sent


def test_the_buyer_names_the_network_when_paying_and_it_is_kept(checkout, buyer_client, settings):
    payment = payment_of(checkout(phone="+447911123456"))
    assert buyer_client.post(process_url(payment["id"]), format="json").json()["code"] == "provider_required"
    settings.PAYMENT_TEST_OUTCOME = "decline"

    declined = buyer_client.post(process_url(payment["id"]), {"mobile_money_provider": "vodafone"}, format="json")

    assert declined.status_code == 200, declined.json()
    assert declined.json()["status"] == "failed"
    assert Payment.objects.get().mobile_money_provider == "telecel"
    settings.PAYMENT_TEST_OUTCOME = "success"
    paid = buyer_client.post(process_url(payment["id"]), format="json")  # the network is remembered
    assert paid.status_code == 200, paid.json()
    assert (paid.json()["status"], paid.json()["order_status"]) == ("completed", "confirmed")
    order = buyer_client.get(f"/api/orders/orders/{Order.objects.get().pk}/").json()
    assert order["payments"][0]["mobile_money_provider"] == "telecel"


def test_naming_the_network_is_a_new_request_for_idempotency(checkout, buyer_client):
    payment = payment_of(checkout(phone="+447911123456"))
    url = process_url(payment["id"])
    assert buyer_client.post(url, format="json", HTTP_IDEMPOTENCY_KEY="pay-1").status_code == 400

    same_key = buyer_client.post(url, {"mobile_money_provider": "mtn"}, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    new_key = buyer_client.post(url, {"mobile_money_provider": "mtn"}, format="json", HTTP_IDEMPOTENCY_KEY="pay-2")

    assert (same_key.status_code, same_key.json()["code"]) == (409, "idempotency_key_reused")
    assert new_key.status_code == 200 and new_key.json()["status"] == "completed"


def test_the_buyer_may_correct_an_inferred_network_on_a_new_try(checkout, buyer_client):
    payment = payment_of(checkout(phone="+233241234567"))

    paid = buyer_client.post(process_url(payment["id"]), {"mobile_money_provider": "airteltigo"}, format="json")

    assert paid.status_code == 200 and paid.json()["status"] == "completed"
    assert Payment.objects.get().mobile_money_provider == "airteltigo"


@pytest.mark.parametrize("provider", ["glo", "Vodafone", "", None, ["mtn"]])
def test_a_network_no_one_knows_is_refused_when_paying(checkout, buyer_client, provider):
    payment = payment_of(checkout(phone="+447911123456"))

    response = buyer_client.post(process_url(payment["id"]), {"mobile_money_provider": provider}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and list(response.json()["details"]) == ["mobile_money_provider"]
    assert Payment.objects.get().mobile_money_provider == "" and not PaymentAttempt.objects.exists()


def test_a_card_payment_ignores_a_network(buyer_client, place_order):
    order = place_order()

    paid = buyer_client.post(process_url(order["payments"][0]["id"]), {"mobile_money_provider": "mtn"}, format="json")

    assert paid.status_code == 200 and paid.json()["status"] == "completed"
    assert Payment.objects.get().mobile_money_provider == ""


def test_a_payment_already_paid_answers_paid_whatever_network_is_sent(checkout, buyer_client):
    payment = payment_of(checkout())
    assert buyer_client.post(process_url(payment["id"]), format="json").json()["status"] == "completed"

    again = buyer_client.post(process_url(payment["id"]), {"mobile_money_provider": "mtn"}, format="json")

    assert again.status_code == 200 and again.json()["status"] == "completed"
    assert Payment.objects.get().mobile_money_provider == "telecel" and PaymentAttempt.objects.count() == 1


def test_the_schema_asks_for_no_network_at_checkout(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]

    checkout_request = components["CheckoutRequest"]
    assert "mobile_money_provider" not in checkout_request.get("required", [])
    assert "anyOf" not in checkout_request
    assert components["MobileMoneyProviderInputEnum"]["enum"] == [*CHOICES, "vodafone"]
    assert components["MobileMoneyProviderEnum"]["enum"] == CHOICES
    process = schema["paths"]["/api/orders/payments/{id}/process/"]["post"]
    assert "400" in process["responses"] and not process["requestBody"].get("required", False)


# --- Through a real gateway's client ----------------------------------------------------------

def test_paystack_is_sent_telecels_code_for_a_network_given_as_vodafone(checkout, buyer_client, settings):
    with FakeJSONServer() as paystack:
        paystack.routes["/charge"] = (200, {"status": True, "message": "Charge attempted", "data": {
            "reference": "x", "status": "pay_offline", "display_text": "Approve it"}})
        settings.PAYSTACK_SECRET_KEY, settings.PAYSTACK_API_URL = "sk_test_momo", paystack.url
        settings.PAYMENT_GATEWAY_MOBILE_MONEY = "paystack"
        payment = payment_of(checkout(phone="+447911123456"))

        response = buyer_client.post(process_url(payment["id"]), {"mobile_money_provider": "vodafone"},
                                     format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["next_action"] == {"type": "approve_on_phone", "message": "Approve it"}
    (charge,) = paystack.received
    assert charge.json()["mobile_money"] == {"phone": "+447911123456", "provider": "vod"}


# --- Stored Vodafone payments -----------------------------------------------------------------

def test_the_migration_renames_stored_vodafone_payments_to_telecel():
    vodafone = PaymentFactory(order__payment_method="mobile_money", mobile_money_provider="vodafone")
    mtn = PaymentFactory(order__payment_method="mobile_money", mobile_money_provider="mtn")
    migration = importlib.import_module("orders.migrations.0006_mobile_money_telecel")
    state = MigrationExecutor(connection).loader.project_state(("orders", "0006_mobile_money_telecel"))

    migration.vodafone_to_telecel(state.apps, None)

    vodafone.refresh_from_db()
    mtn.refresh_from_db()
    assert (vodafone.mobile_money_provider, mtn.mobile_money_provider) == ("telecel", "mtn")
    migration.telecel_to_vodafone(state.apps, None)
    vodafone.refresh_from_db()
    assert vodafone.mobile_money_provider == "vodafone"
