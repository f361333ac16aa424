"""Payment webhooks: signatures checked before anything is written, each event applied once,
amount mismatches flagged, late payments confirmed or refunded; Paystack and Stripe end to end."""

import hashlib
import hmac
import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from notifications.models import Notification
from orders.gateways.test import sign_test_webhook
from orders.models import Order, Payment, Refund, ReservationStatus, StockReservation, WebhookEvent
from tests.accounts.factories import UserFactory
from tests.orders.factories import hold
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

WEBHOOK = "/api/webhooks/payment/"


def send(api_client, event: dict, *, signature=None, path=WEBHOOK, **headers):
    body = json.dumps(event).encode()
    signature = sign_test_webhook(body) if signature is None else signature
    return api_client.post(path, body, content_type="application/json", HTTP_X_TEST_SIGNATURE=signature, **headers)


def paid(payment: Payment, event_id="evt_1", **overrides) -> dict:
    return {"id": event_id, "type": "payment.succeeded", "reference": payment.reference,
            "transaction_id": "TXN-1", "amount": str(payment.amount), "currency": payment.currency, **overrides}


@pytest.fixture
def order(place_order, shop):
    data = place_order(ProductFactory(seller=shop, price=Decimal("45.00"), stock_quantity=5), 2)
    return Order.objects.get(pk=data["id"])


def test_a_signed_success_confirms_the_order_and_a_replay_changes_nothing(api_client, order,
                                                                          django_capture_on_commit_callbacks):
    payment = order.payments.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = send(api_client, paid(payment))
    assert response.status_code == 200
    assert response.json() == {"received": True, "outcome": "confirmed"}
    order.refresh_from_db()
    assert order.status == "confirmed"
    notified = Notification.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        replay = send(api_client, paid(payment))
    assert replay.status_code == 200 and replay.json()["outcome"] == "duplicate"
    assert WebhookEvent.objects.count() == 1
    assert Notification.objects.count() == notified
    assert order.items.get().product.stock_quantity == 3  # sold once


@pytest.mark.parametrize("signature", ["", "0" * 64, "garbage"])
def test_a_bad_signature_is_a_400_and_writes_nothing(api_client, order, signature):
    payment = order.payments.get()
    if signature == "":
        body = json.dumps(paid(payment)).encode()
        response = api_client.post(WEBHOOK, body, content_type="application/json")
    else:
        response = send(api_client, paid(payment), signature=signature)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"
    assert not WebhookEvent.objects.exists()
    assert Payment.objects.get().status == "pending"


def test_a_tampered_body_does_not_verify(api_client, order):
    payment = order.payments.get()
    signature = sign_test_webhook(json.dumps(paid(payment)).encode())

    response = send(api_client, paid(payment, amount="1.00"), signature=signature)

    assert response.status_code == 400 and not WebhookEvent.objects.exists()


def test_an_unknown_gateway_is_not_found(api_client):
    response = api_client.post(f"{WEBHOOK}flutterwave/", b"{}", content_type="application/json")

    assert response.status_code == 404 and response.json()["code"] == "unknown_gateway"


def test_an_amount_mismatch_flags_the_payment_and_tells_the_operators(api_client, order,
                                                                      django_capture_on_commit_callbacks):
    operator = UserFactory(is_staff=True)
    payment = order.payments.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = send(api_client, paid(payment, amount="1.00"))

    assert response.json()["outcome"] == "flagged"
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == "flagged" and "expected GHS 100.00" in payment.flag_reason
    assert order.status == "pending"
    assert StockReservation.objects.get().status == ReservationStatus.ACTIVE
    assert Notification.objects.get(user=operator).title == f"Payment flagged on {order.order_id}"


def test_a_currency_mismatch_is_flagged_too(api_client, order):
    response = send(api_client, paid(order.payments.get(), currency="USD"))

    assert response.json()["outcome"] == "flagged"


def test_a_late_payment_is_accepted_while_the_stock_is_still_there(api_client, order):
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    from orders.tasks import expire_overdue_orders

    assert expire_overdue_orders.delay().get() == {"expired": 1}

    response = send(api_client, paid(order.payments.get()))

    assert response.json()["outcome"] == "late_confirmed"
    order.refresh_from_db()
    assert order.status == "confirmed" and order.cancel_reason == ""
    assert order.items.get().product.stock_quantity == 3
    assert [(e.from_status, e.to_status) for e in order.events.all()] == [
        ("", "pending"), ("pending", "cancelled"), ("cancelled", "confirmed")]


def test_a_late_payment_whose_stock_is_gone_is_refunded_and_both_sides_hear(api_client, order, buyer, shop,
                                                                            django_capture_on_commit_callbacks):
    product = order.items.get().product
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    StockReservation.objects.filter(order=order).update(expires_at=timezone.now() - timedelta(minutes=1))
    hold(product, 4)  # meanwhile another buyer took four of the five

    with django_capture_on_commit_callbacks(execute=True):
        response = send(api_client, paid(order.payments.get()))

    assert response.json()["outcome"] == "refunding"
    order.refresh_from_db()
    payment = order.payments.get()
    assert order.status == "refunded" and order.cancel_reason == "out_of_stock"
    assert payment.status == "refunded" and payment.amount_refunded == Decimal("100.00")
    refund = Refund.objects.get()
    assert refund.automatic and refund.amount == Decimal("100.00") and refund.status == "completed"
    product.refresh_from_db()
    assert product.stock_quantity == 5  # nothing was sold to this order
    assert Notification.objects.filter(user=buyer, title=f"Your payment for {order.order_id} is refunded").exists()
    assert Notification.objects.filter(user=shop, title=f"Late payment refunded on {order.order_id}").exists()


def test_a_failed_payment_event_keeps_the_order_payable(api_client, order):
    payment = order.payments.get()

    response = send(api_client, {"id": "evt_f", "type": "payment.failed", "reference": payment.reference})

    assert response.json()["outcome"] == "failed"
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == "failed" and order.status == "pending"


def test_an_event_about_no_payment_of_ours_is_acknowledged_and_stored(api_client):
    response = send(api_client, {"id": "evt_x", "type": "payment.succeeded", "reference": "NOPE",
                                 "amount": "1.00", "currency": "GHS"})

    assert response.status_code == 200 and response.json()["outcome"] == "unknown_payment"
    assert WebhookEvent.objects.get().outcome == "unknown_payment"


# --- Real providers' signatures ---------------------------------------------------------------

def test_a_paystack_charge_success_confirms_the_order(api_client, order, settings):
    settings.PAYSTACK_SECRET_KEY, settings.PAYMENT_GATEWAY_CARD = "sk_test_paystack", "paystack"
    payment = order.payments.get()
    body = json.dumps({"event": "charge.success", "data": {
        "id": 302961, "reference": payment.reference, "amount": 10000, "currency": "GHS", "status": "success",
    }}).encode()
    signature = hmac.new(b"sk_test_paystack", body, hashlib.sha512).hexdigest()

    bad = api_client.post(WEBHOOK, body, content_type="application/json", HTTP_X_PAYSTACK_SIGNATURE="0" * 128)
    good = api_client.post(WEBHOOK, body, content_type="application/json", HTTP_X_PAYSTACK_SIGNATURE=signature)
    replay = api_client.post(f"{WEBHOOK}paystack/", body, content_type="application/json",
                             HTTP_X_PAYSTACK_SIGNATURE=signature)

    assert bad.status_code == 400
    assert good.json()["outcome"] == "confirmed" and replay.json()["outcome"] == "duplicate"
    assert WebhookEvent.objects.get().event_id == "charge.success:302961"


def test_a_stripe_checkout_completion_confirms_the_order_within_the_tolerance(api_client, order, settings):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test_stripe", "whsec_local"
    settings.PAYMENT_GATEWAY_CARD = "stripe"
    payment = order.payments.get()
    body = json.dumps({"id": "evt_stripe_1", "type": "checkout.session.completed", "data": {"object": {
        "id": "cs_1", "payment_status": "paid", "payment_intent": "pi_1", "amount_total": 10000, "currency": "ghs",
        "client_reference_id": payment.reference, "metadata": {"reference": payment.reference},
    }}}).encode()

    def signed(at: int) -> str:
        mac = hmac.new(b"whsec_local", f"{at}.".encode() + body, hashlib.sha256).hexdigest()
        return f"t={at},v1={mac}"

    stale = api_client.post(WEBHOOK, body, content_type="application/json",
                            HTTP_STRIPE_SIGNATURE=signed(int(time.time()) - 3600))
    fresh = api_client.post(WEBHOOK, body, content_type="application/json",
                            HTTP_STRIPE_SIGNATURE=signed(int(time.time())))

    assert stale.status_code == 400 and fresh.json()["outcome"] == "confirmed"
    payment.refresh_from_db()
    assert payment.transaction_id == "pi_1"
