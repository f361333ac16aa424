"""The money path's hard cases: a buyer charged twice, stale events, flagged money going back,
refunds that fail at the provider, the grace period never double-booking stock, and retries
that race each other."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from notifications.models import Notification
from orders.gateways.test import sign_test_webhook
from orders.models import Order, Payment, PaymentAttempt, Refund, StockReservation
from orders.tasks import expire_overdue_orders, refund_owed_payments
from sellflow.models import IdempotencyRecord
from tests.accounts.factories import UserFactory
from tests.orders.factories import hold
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

WEBHOOK = "/api/webhooks/payment/"


def send(api_client, event: dict):
    body = json.dumps(event).encode()
    return api_client.post(WEBHOOK, body, content_type="application/json",
                           HTTP_X_TEST_SIGNATURE=sign_test_webhook(body))


def process(client, order, **headers):
    return client.post(f"/api/orders/payments/{order['payments'][0]['id']}/process/", **headers)


def overdue(order_id: int) -> None:
    past = timezone.now() - timedelta(minutes=1)
    Order.objects.filter(pk=order_id).update(expires_at=past)
    StockReservation.objects.filter(order_id=order_id).update(expires_at=past)


def test_a_second_charge_for_a_settled_payment_goes_back_and_operators_hear(
        api_client, buyer_client, place_order, django_capture_on_commit_callbacks):
    operator = UserFactory(is_staff=True)
    order = place_order()
    process(buyer_client, order)
    payment = Payment.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = send(api_client, {"id": "evt-2", "type": "payment.succeeded", "reference": payment.reference,
                                     "transaction_id": "TXN-SECOND", "amount": "100.00", "currency": "GHS"})

    assert response.json()["outcome"] == "duplicate_charge"
    refund = PaymentAttempt.objects.get(action="refund")
    assert (refund.reference, refund.outcome) == ("TXN-SECOND", "completed")
    payment.refresh_from_db()
    assert (payment.status, payment.amount_paid, payment.amount_refunded) == ("completed", Decimal("100.00"), 0)
    assert Notification.objects.get(user=operator).title == f"Second charge on {order['order_id']}: refund completed"


def test_a_failure_of_an_earlier_try_leaves_the_current_one_alone(api_client, buyer_client, place_order, settings):
    order = place_order()
    settings.PAYMENT_TEST_OUTCOME = "decline"
    process(buyer_client, order)
    first_reference = Payment.objects.get().reference
    settings.PAYMENT_TEST_OUTCOME = "pending"
    process(buyer_client, order)

    response = send(api_client, {"id": "evt-f", "type": "payment.failed", "reference": first_reference})

    assert response.json()["outcome"] == "stale_failure"
    assert Payment.objects.get().status == "processing"


def test_two_payment_requests_at_once_never_reach_the_gateway_twice(buyer_client, place_order):
    order = place_order()
    Payment.objects.update(status="processing")  # the first request is at the gateway right now

    response = process(buyer_client, order)

    assert response.status_code == 409 and response.json()["code"] == "payment_in_progress"
    assert not PaymentAttempt.objects.exists()


def test_a_retry_racing_its_first_request_is_told_to_wait(buyer_client, place_order, buyer):
    order = place_order()
    path = f"/api/orders/payments/{order['payments'][0]['id']}/process/"
    from sellflow.idempotency import request_fingerprint  # the same fingerprint the first request left

    class Request:
        method, body = "POST", b""

    Request.path = path
    IdempotencyRecord.objects.create(user=buyer, key="k1", path=path, fingerprint=request_fingerprint(Request),
                                     locked_until=timezone.now() + timedelta(seconds=30))

    response = process(buyer_client, order, HTTP_IDEMPOTENCY_KEY="k1")

    assert response.status_code == 409 and response.json()["code"] == "request_in_progress"
    assert Payment.objects.get().status == "pending"


def test_a_refused_request_with_a_key_still_keeps_the_expiry_it_caused(buyer_client, place_order):
    order = place_order()
    overdue(order["id"])

    response = process(buyer_client, order, HTTP_IDEMPOTENCY_KEY="late")

    assert response.status_code == 409
    assert Order.objects.get().status == "cancelled"


def test_a_flagged_payment_can_be_refunded_by_the_seller(api_client, shop_client, place_order):
    order = place_order()
    payment = Payment.objects.get()
    send(api_client, {"id": "evt-w", "type": "payment.succeeded", "reference": payment.reference,
                      "transaction_id": "TXN-W", "amount": "99.00", "currency": "GHS"})

    response = shop_client.post(f"/api/orders/orders/{order['id']}/refund/", {"reason": "Wrong amount paid"},
                                format="json")

    assert response.status_code == 201 and response.json()["refund"]["amount"] == "99.00"
    assert Payment.objects.get().status == "refunded"


def test_a_flagged_payment_goes_back_when_its_order_expires(api_client, place_order,
                                                             django_capture_on_commit_callbacks):
    order = place_order()
    payment = Payment.objects.get()
    send(api_client, {"id": "evt-w", "type": "payment.succeeded", "reference": payment.reference,
                      "transaction_id": "TXN-W", "amount": "99.00", "currency": "GHS"})
    overdue(order["id"])

    with django_capture_on_commit_callbacks(execute=True):
        expire_overdue_orders.delay()

    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == ("refunded", Decimal("99.00"))
    assert Refund.objects.get().automatic


def test_a_success_event_without_an_amount_asks_the_gateway(api_client, place_order):
    order = place_order()
    payment = Payment.objects.get()

    response = send(api_client, {"id": "evt-n", "type": "payment.succeeded", "reference": payment.reference})

    assert response.status_code == 200 and response.json()["outcome"] == "confirmed"
    assert Order.objects.get(pk=order["id"]).status == "confirmed"
    assert PaymentAttempt.objects.get().action == "verify"


def test_the_grace_period_never_holds_stock_someone_else_took(buyer_client, shop, place_order, settings):
    settings.PAYMENT_TEST_OUTCOME = "pending"
    product = ProductFactory(seller=shop, stock_quantity=1)
    order = place_order(product, 1, payment_method="mobile_money", mobile_money_provider="mtn")
    process(buyer_client, order)
    overdue(order["id"])
    hold(product, 1)  # the lapsed unit went to another buyer meanwhile

    assert expire_overdue_orders.delay().get() == {"expired": 1}


def test_paying_again_after_the_timer_asks_the_gateway_first(buyer_client, place_order, settings):
    settings.PAYMENT_TEST_OUTCOME = "pending"
    order = place_order(payment_method="mobile_money", mobile_money_provider="mtn")
    process(buyer_client, order)
    overdue(order["id"])

    response = process(buyer_client, order)

    assert response.json()["status"] == "pending"  # the prompt still waits: the hold was extended once
    assert Order.objects.get().expires_at > timezone.now()


def test_an_unanswered_refund_is_asked_again_with_the_same_reference_never_twice(
        buyer_client, shop_client, place_order, settings):
    order = place_order()
    process(buyer_client, order)
    Payment.objects.update(gateway="paystack")
    settings.PAYSTACK_SECRET_KEY, settings.PAYSTACK_API_URL = "sk_test", "http://127.0.0.1:9"

    response = shop_client.post(f"/api/orders/orders/{order['id']}/refund/", {"amount": "10.00", "reason": "x"},
                                format="json")

    assert response.status_code == 502 and response.json()["code"] == "provider_error"
    payment = Payment.objects.get()
    # It may have gone through: the amount stays taken, so no second refund can be asked for it.
    assert (payment.status, payment.amount_refunded) == ("completed", Decimal("10.00"))
    assert Refund.objects.get().status == "unknown"
    assert refund_owed_payments.delay().get() == {"retried": 0, "refunded": 0, "refused": 0}  # still down

    Payment.objects.update(gateway="test")
    assert refund_owed_payments.delay().get() == {"retried": 1, "refunded": 0, "refused": 0}
    refund = Refund.objects.get()
    assert refund.status == "completed" and refund.refund_id == f"RF-{payment.reference}-R{refund.pk}"
    assert Payment.objects.get().status == "partially_refunded"


def test_a_refund_that_cannot_be_sent_changes_nothing(buyer_client, shop_client, place_order):
    order = place_order()
    process(buyer_client, order)
    Payment.objects.update(gateway="flutterwave")  # no such gateway here

    response = shop_client.post(f"/api/orders/orders/{order['id']}/refund/", {"amount": "10.00", "reason": "x"},
                                format="json")

    assert response.status_code == 502
    payment = Payment.objects.get()
    assert (payment.status, payment.amount_refunded) == ("completed", Decimal("0.00"))
    assert Refund.objects.get().status == "failed"


def test_the_sweep_gives_back_what_a_cancelled_order_still_holds(buyer_client, shop_client, place_order,
                                                                 django_capture_on_commit_callbacks):
    order = place_order()
    process(buyer_client, order)
    Payment.objects.update(gateway="flutterwave")  # the refund cannot be asked for at cancel time
    with django_capture_on_commit_callbacks(execute=True):
        shop_client.post(f"/api/orders/orders/{order['id']}/cancel/", {"reason": "Out of fabric"}, format="json")
    assert Payment.objects.get().amount_refunded == 0

    Payment.objects.update(gateway="test")
    assert refund_owed_payments.delay().get() == {"retried": 0, "refunded": 1, "refused": 0}
    assert refund_owed_payments.delay().get() == {"retried": 0, "refunded": 0, "refused": 0}
    payment = Payment.objects.get()
    assert (payment.status, payment.amount_refunded) == ("refunded", Decimal("100.00"))


def test_a_refused_automatic_refund_is_left_to_operators_not_retried_forever(
        buyer_client, shop_client, place_order, settings, monkeypatch):
    from orders.gateways.base import Outcome, RefundResult
    from orders.gateways.test import TestGateway

    operator = UserFactory(is_staff=True)
    order = place_order()
    process(buyer_client, order)
    Order.objects.filter(pk=order["id"]).update(status="cancelled")
    monkeypatch.setattr(TestGateway, "refund", lambda self, **kw: RefundResult(Outcome.FAILED, error="reversed"))

    assert refund_owed_payments.delay().get() == {"retried": 0, "refunded": 0, "refused": 1}
    assert refund_owed_payments.delay().get() == {"retried": 0, "refunded": 0, "refused": 0}
    assert Refund.objects.get().status == "refused"
    assert Notification.objects.get(user=operator).title == f"Refund refused on {order['order_id']}"


def test_a_payment_already_paid_by_an_earlier_try_keeps_its_transaction(api_client, buyer_client, place_order,
                                                                        settings):
    order = place_order()
    settings.PAYMENT_TEST_OUTCOME = "decline"
    process(buyer_client, order)
    first_reference = Payment.objects.get().reference
    settings.PAYMENT_TEST_OUTCOME = "pending"
    process(buyer_client, order)
    # The first try's money landed after all (its webhook), while the second waits on the buyer.
    send(api_client, {"id": "evt-a", "type": "payment.succeeded", "reference": first_reference,
                      "transaction_id": "TXN-FIRST", "amount": "100.00", "currency": "GHS"})

    again = process(buyer_client, order)

    assert again.json()["status"] == "completed" and again.json()["transaction_id"] == "TXN-FIRST"
    assert Payment.objects.get().transaction_id == "TXN-FIRST"


def test_a_payment_the_gateway_cannot_take_is_a_400_and_can_be_tried_again(buyer_client, place_order, monkeypatch):
    from orders.gateways.test import TestGateway

    order = place_order()

    def refuse(self, request):
        raise ValueError("unknown mobile money provider")

    monkeypatch.setattr(TestGateway, "initiate", refuse)
    response = process(buyer_client, order)

    assert response.status_code == 400 and response.json()["code"] == "payment_rejected"
    assert Payment.objects.get().status == "pending"
    assert PaymentAttempt.objects.get().outcome == "error"
    monkeypatch.undo()
    assert process(buyer_client, order).json()["status"] == "completed"


def test_a_method_without_a_gateway_is_refused_at_checkout(buyer_client, shop, settings):
    settings.PAYMENT_GATEWAY_PAYPAL = ""
    product = ProductFactory(seller=shop)
    buyer_client.post("/api/orders/cart/add_item/", {"product_id": product.pk, "quantity": 1}, format="json")

    response = buyer_client.post("/api/orders/checkout/", {
        "full_name": "A", "phone": "+233501234567", "address_line1": "x", "city": "Accra", "country": "Ghana",
        "payment_method": "paypal"}, format="json")

    assert response.status_code == 400 and response.json()["code"] == "method_unavailable"
    assert not Order.objects.exists()


def test_a_part_refund_cannot_restock_every_unit(buyer_client, shop_client, place_order):
    order = place_order()
    process(buyer_client, order)

    response = shop_client.post(f"/api/orders/orders/{order['id']}/refund/",
                                {"amount": "5.00", "reason": "scratch", "restock": True}, format="json")

    assert response.status_code == 400 and response.json()["code"] == "restock_needs_full_refund"
    assert Order.objects.get().items.get().product.stock_quantity == 3
