"""Paying an order through POST /api/orders/payments/{id}/process/: the test gateway's three
outcomes, redirects and phone prompts, the timer, a provider that does not answer, ownership."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from notifications.models import Notification
from orders.models import Order, Payment, PaymentAttempt, ReservationStatus, StockReservation
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db


def process(client, payment_id, **headers):
    return client.post(f"/api/orders/payments/{payment_id}/process/", format="json", **headers)


def test_a_card_payment_that_settles_confirms_the_order_and_sells_the_stock(
        buyer, buyer_client, shop, place_order, django_capture_on_commit_callbacks):
    product = ProductFactory(seller=shop, price=Decimal("45.00"), stock_quantity=5, low_stock_threshold=3)
    order = place_order(product, 2)

    with django_capture_on_commit_callbacks(execute=True):
        response = process(buyer_client, order["payments"][0]["id"])

    assert response.status_code == 200
    payment = Payment.objects.get()
    assert response.json() == {"status": "completed", "transaction_id": payment.transaction_id,
                               "payment_id": payment.pk, "order_status": "confirmed"}
    assert payment.transaction_id == f"TXN-{payment.reference}"
    assert (payment.status, payment.amount_paid, payment.gateway) == ("completed", Decimal("100.00"), "test")
    product.refresh_from_db()
    assert product.stock_quantity == 3  # sold now, not when held
    assert StockReservation.objects.get().status == ReservationStatus.CONVERTED
    (attempt,) = PaymentAttempt.objects.all()
    assert (attempt.action, attempt.gateway, attempt.outcome, attempt.reference) == (
        "initiate", "test", "completed", payment.reference)
    titles = set(Notification.objects.values_list("user__email", "title"))
    assert (shop.email, f"New order {order['order_id']}, paid") in titles
    assert (buyer.email, f"Order {order['order_id']} confirmed") in titles
    assert (shop.email, f"Low stock: {product.name}") in titles  # 3 left, at the alert
    detail = buyer_client.get(f"/api/orders/orders/{order['id']}/").json()
    transitions = [(e["from_status"], e["to_status"]) for e in detail["timeline"]]
    assert transitions == [("", "pending"), ("pending", "confirmed")]

    # Paying again charges nothing more.
    again = process(buyer_client, payment.pk)
    assert again.json()["status"] == "completed" and PaymentAttempt.objects.count() == 1


def test_a_declined_payment_can_be_tried_again_with_a_new_reference(buyer_client, place_order, settings):
    order = place_order()
    payment_id = order["payments"][0]["id"]
    settings.PAYMENT_TEST_OUTCOME = "decline"

    declined = process(buyer_client, payment_id)
    assert declined.status_code == 200
    assert declined.json()["status"] == "failed" and "Declined" in declined.json()["error"]
    assert declined.json()["order_status"] == "pending"
    first_reference = Payment.objects.get().reference

    settings.PAYMENT_TEST_OUTCOME = "success"
    paid = process(buyer_client, payment_id)
    assert paid.json()["status"] == "completed"
    assert Payment.objects.get().reference != first_reference
    assert list(PaymentAttempt.objects.values_list("outcome", flat=True)) == ["failed", "completed"]


def test_a_redirect_payment_answers_its_authorization_url_again_without_a_new_attempt(
        buyer_client, place_order, settings):
    settings.PAYMENT_TEST_OUTCOME = "pending"
    settings.PAYMENT_RETURN_URL = "https://shop.example/checkout/complete"
    order = place_order()

    first = process(buyer_client, order["payments"][0]["id"]).json()
    second = process(buyer_client, order["payments"][0]["id"]).json()

    reference = Payment.objects.get().reference
    assert first["status"] == "pending"
    assert first["authorization_url"] == f"https://shop.example/checkout/complete?reference={reference}"
    assert second == first
    assert PaymentAttempt.objects.count() == 1


def test_mobile_money_asks_the_buyer_to_approve_on_the_phone(buyer_client, place_order, settings):
    settings.PAYMENT_TEST_OUTCOME = "pending"
    order = place_order(payment_method="mobile_money", mobile_money_provider="mtn")

    body = process(buyer_client, order["payments"][0]["id"]).json()

    assert body["status"] == "pending"
    assert body["next_action"]["type"] == "approve_on_phone"
    assert Payment.objects.get().status == "processing"


def test_cash_on_delivery_is_not_processed_online(buyer_client, place_order):
    order = place_order(payment_method="cash_on_delivery")

    response = process(buyer_client, order["payments"][0]["id"])

    assert response.status_code == 409 and response.json()["code"] == "payment_not_payable"


def test_another_buyers_payment_is_not_found(place_order, shop_client):
    order = place_order()
    stranger = authenticated_client(UserFactory(account_type="buyer"))

    assert process(stranger, order["payments"][0]["id"]).status_code == 404
    assert process(shop_client, order["payments"][0]["id"]).status_code == 404  # the seller does not pay
    assert Payment.objects.get().status == "pending"


def test_a_payment_after_the_timer_is_refused_and_the_stock_is_free_again(buyer_client, shop, place_order):
    order = place_order(ProductFactory(seller=shop, stock_quantity=2), 2)
    Order.objects.filter(pk=order["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = process(buyer_client, order["payments"][0]["id"])

    assert response.status_code == 409
    assert response.json()["details"] == {"payment_status": "failed", "order_status": "cancelled",
                                          "cancel_reason": "payment_timeout"}
    assert StockReservation.objects.get().status == ReservationStatus.RELEASED
    assert PaymentAttempt.objects.count() == 0


def test_a_provider_that_does_not_answer_is_a_502_and_the_attempt_is_kept(buyer_client, place_order, settings):
    settings.PAYMENT_GATEWAY_CARD = "paystack"
    settings.PAYSTACK_SECRET_KEY = "sk_test_local"
    settings.PAYSTACK_API_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    order = place_order()

    response = process(buyer_client, order["payments"][0]["id"])

    assert response.status_code == 502 and response.json()["code"] == "provider_error"
    (attempt,) = PaymentAttempt.objects.all()
    assert (attempt.gateway, attempt.outcome) == ("paystack", "error")
    assert Payment.objects.get().status == "pending"  # nothing happened: it can be tried again


def test_a_method_no_gateway_takes_is_refused(buyer_client, place_order, settings):
    order = place_order(payment_method="paypal")
    settings.PAYMENT_GATEWAY_PAYPAL = "stripe"  # reconfigured since: Stripe takes cards only
    settings.STRIPE_SECRET_KEY = "sk_test"

    response = process(buyer_client, order["payments"][0]["id"])

    assert response.status_code == 400 and response.json()["code"] == "method_unavailable"


def test_a_retried_process_with_the_same_key_charges_once(buyer_client, place_order):
    order = place_order()
    payment_id = order["payments"][0]["id"]

    first = process(buyer_client, payment_id, HTTP_IDEMPOTENCY_KEY="pay-1")
    retry = process(buyer_client, payment_id, HTTP_IDEMPOTENCY_KEY="pay-1")

    assert first.json() == retry.json() and retry["Idempotent-Replayed"] == "true"
    assert PaymentAttempt.objects.count() == 1


def test_without_the_test_gateway_a_method_with_no_real_gateway_is_off(buyer_client, place_order, settings):
    order = place_order()
    settings.PAYMENT_TEST_GATEWAY = False  # production: no money-less payments

    response = process(buyer_client, order["payments"][0]["id"])

    assert response.status_code == 400 and response.json()["code"] == "method_unavailable"
    assert Payment.objects.get().status == "pending" and Order.objects.get().status == "pending"


def test_production_settings_take_no_money_less_payments():
    import subprocess
    import sys

    code = ("from django.conf import settings; "
            "print(settings.PAYMENT_TEST_GATEWAY, repr(settings.PAYMENT_GATEWAY_CARD))")
    env = {"DATABASE_URL": "postgres://u:p@db:5432/x", "PATH": "/usr/bin:/bin",
           "DJANGO_SECRET_KEY": "k3y-" + "x9Qv7Lm2Zt8Rb4Nw6Hc1Jd5Pf0Gs3Ky" * 2,
           "DJANGO_SETTINGS_MODULE": "sellflow.settings", "DJANGO_ENV_FILE": "/nonexistent"}
    output = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], env=env,
                            capture_output=True, text=True, check=True).stdout

    assert output.strip() == "False ''"


def test_the_deploy_check_warns_about_the_money_less_gateway(settings):
    from orders.checks import money_less_payments

    settings.DEBUG, settings.PAYMENT_TEST_GATEWAY = False, True
    assert [w.id for w in money_less_payments(None)] == ["orders.W001"]
    settings.PAYMENT_TEST_GATEWAY = False
    assert money_less_payments(None) == []
