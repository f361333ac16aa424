"""The Stripe gateway's real HTTP client against a local fake Stripe: what it sends (form-encoded
parameters, bearer key, idempotency keys), how Checkout Sessions and refunds map to outcomes,
webhook signatures and their timestamps, and failures."""

import hashlib
import hmac
import json
import threading
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest
from django.http.request import HttpHeaders

from orders.gateways.base import EventKind, GatewayError, InvalidWebhook, Outcome, PaymentRequest, to_minor_units
from orders.gateways.stripe import StripeGateway, form_fields
from tests.fake_servers import FakeJSONServer

SECRET = "sk_test_stripe_secret"
WEBHOOK_SECRET = "whsec_test_secret"
NOW = 1_700_000_000


@pytest.fixture
def stripe():
    with FakeJSONServer() as server:
        yield server


def gateway(server, **options) -> StripeGateway:
    return StripeGateway(secret_key=SECRET, webhook_secret=WEBHOOK_SECRET, api_url=server.url,
                         now=lambda: NOW, **options)


def payment(**fields) -> PaymentRequest:
    values = {"reference": "SF-1001", "amount": Decimal("19.99"), "currency": "GHS", "method": "card",
              "email": "ama@example.com", "return_url": "https://shop.test/pay/return",
              "metadata": {"order_id": 42}}
    return PaymentRequest(**{**values, **fields})


def form(received) -> dict:
    return dict(parse_qsl(received.body.decode(), keep_blank_values=True, strict_parsing=True))


def card_error(message: str) -> tuple[int, dict]:
    return 402, {"error": {"type": "card_error", "code": "card_declined", "message": message}}


def signature(body: bytes, timestamp: int = NOW, secret: str = WEBHOOK_SECRET) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signed(event: dict, timestamp: int = NOW, secret: str = WEBHOOK_SECRET) -> tuple[bytes, dict]:
    body = json.dumps(event).encode()
    return body, {"Stripe-Signature": f"t={timestamp},v1={signature(body, timestamp, secret)}"}


def event(type_: str, obj: dict, event_id: str = "evt_1") -> dict:
    return {"id": event_id, "object": "event", "type": type_, "data": {"object": obj}}


SESSION = {"id": "cs_test_1", "object": "checkout.session", "url": "https://checkout.stripe.com/c/pay/cs_test_1",
           "status": "open", "payment_status": "unpaid", "payment_intent": None, "amount_total": 1999,
           "currency": "ghs", "client_reference_id": "SF-1001", "metadata": {"reference": "SF-1001"}}


# --- amounts and encoding ---------------------------------------------------------------------

@pytest.mark.parametrize("amount, minor", [
    (Decimal("19.99"), 1999),
    (Decimal("0.1") + Decimal("0.2"), 30),
    (Decimal("100"), 10000),
    (Decimal("19.990"), 1999),
    (Decimal("0.01"), 1),
])
def test_amounts_become_exact_cents(amount, minor):
    assert to_minor_units(amount) == minor


@pytest.mark.parametrize("amount", [Decimal("19.999"), Decimal("0.001"), Decimal("0"), Decimal("-1"),
                                    Decimal("NaN"), Decimal("Infinity")])
def test_amounts_that_are_not_whole_cents_or_not_positive_are_refused(amount):
    with pytest.raises(ValueError):
        to_minor_units(amount)


def test_a_float_amount_is_refused_rather_than_rounded():
    with pytest.raises(TypeError):
        to_minor_units(0.1 + 0.2)


def test_nested_parameters_are_form_encoded_the_way_stripe_reads_them():
    fields = form_fields({"mode": "payment", "line_items": [{"price_data": {"unit_amount": 1999}, "quantity": 1}],
                          "metadata": {"reference": "SF-1"}})

    assert fields == [("mode", "payment"), ("line_items[0][price_data][unit_amount]", "1999"),
                      ("line_items[0][quantity]", "1"), ("metadata[reference]", "SF-1")]


def test_a_three_decimal_amount_is_refused_before_anything_is_sent(stripe):
    with pytest.raises(ValueError):
        gateway(stripe).initiate(payment(amount=Decimal("19.999")))

    assert stripe.received == []


# --- initiate ---------------------------------------------------------------------------------

def test_a_card_payment_opens_a_checkout_session_for_the_order(stripe):
    stripe.routes["/v1/checkout/sessions"] = (200, SESSION)

    result = gateway(stripe).initiate(payment())

    assert result.outcome == Outcome.PENDING
    assert result.authorization_url == "https://checkout.stripe.com/c/pay/cs_test_1"
    assert result.transaction_id == "cs_test_1"
    assert result.raw == SESSION
    (received,) = stripe.received
    assert (received.method, received.path) == ("POST", "/v1/checkout/sessions")
    assert received.headers["authorization"] == f"Bearer {SECRET}"
    assert received.headers["content-type"] == "application/x-www-form-urlencoded"
    assert received.headers["idempotency-key"] == "SF-1001-checkout"
    assert form(received) == {
        "mode": "payment",
        "success_url": "https://shop.test/pay/return?reference=SF-1001",
        "cancel_url": "https://shop.test/pay/return",
        "client_reference_id": "SF-1001",
        "customer_email": "ama@example.com",
        "payment_method_types[0]": "card",
        "line_items[0][price_data][currency]": "ghs",
        "line_items[0][price_data][unit_amount]": "1999",
        "line_items[0][price_data][product_data][name]": "Order 42",
        "line_items[0][quantity]": "1",
        "metadata[reference]": "SF-1001",
        "payment_intent_data[metadata][reference]": "SF-1001",
    }


def test_the_reference_joins_a_return_url_that_already_has_a_query_and_names_the_order_without_an_id(stripe):
    stripe.routes["/v1/checkout/sessions"] = (200, SESSION)

    gateway(stripe).initiate(payment(return_url="https://shop.test/pay?from=app", metadata={}))

    sent = form(stripe.received[0])
    assert sent["success_url"] == "https://shop.test/pay?from=app&reference=SF-1001"
    assert sent["line_items[0][price_data][product_data][name]"] == "Order SF-1001"


def test_a_declined_checkout_fails_with_stripes_message(stripe):
    stripe.routes["/v1/checkout/sessions"] = card_error("Your card was declined.")

    result = gateway(stripe).initiate(payment())

    assert result.outcome == Outcome.FAILED
    assert result.error == "Your card was declined."
    assert result.raw["error"]["code"] == "card_declined"


@pytest.mark.parametrize("request_fields", [{"method": "mobile_money"}, {"return_url": ""}])
def test_a_payment_stripe_checkout_cannot_take_is_refused_before_anything_is_sent(stripe, request_fields):
    with pytest.raises(ValueError):
        gateway(stripe).initiate(payment(**request_fields))

    assert stripe.received == []


# --- verify -----------------------------------------------------------------------------------

def test_verify_reports_a_paid_session_with_its_payment_intent_and_amount(stripe):
    paid = {**SESSION, "status": "complete", "payment_status": "paid", "payment_intent": "pi_123"}
    stripe.routes["/v1/checkout/sessions/cs_test_1"] = (200, paid)

    result = gateway(stripe).verify(reference="SF-1001", transaction_id="cs_test_1")

    assert result.outcome == Outcome.COMPLETED
    assert (result.transaction_id, result.amount, result.currency) == ("pi_123", Decimal("19.99"), "GHS")
    assert result.raw == paid
    (received,) = stripe.received
    assert received.method == "GET"
    assert received.headers["authorization"] == f"Bearer {SECRET}"
    assert "idempotency-key" not in received.headers


@pytest.mark.parametrize("payment_intent, transaction_id", [
    ({"id": "pi_expanded", "object": "payment_intent"}, "pi_expanded"),
    (None, "cs_test_1"),
])
def test_a_paid_session_names_its_payment_intent_expanded_or_falls_back_to_itself(stripe, payment_intent,
                                                                                   transaction_id):
    stripe.routes["/v1/checkout/sessions/cs_test_1"] = (200, {**SESSION, "status": "complete",
                                                              "payment_status": "paid",
                                                              "payment_intent": payment_intent})

    result = gateway(stripe).verify(reference="SF-1001", transaction_id="cs_test_1")

    assert result.transaction_id == transaction_id


def test_verify_reports_an_expired_session_as_failed(stripe):
    stripe.routes["/v1/checkout/sessions/cs_test_1"] = (200, {**SESSION, "status": "expired"})

    result = gateway(stripe).verify(reference="SF-1001", transaction_id="cs_test_1")

    assert result.outcome == Outcome.FAILED
    assert result.error == "checkout session expired"


@pytest.mark.parametrize("status, payment_status", [("open", "unpaid"), ("complete", "unpaid")])
def test_verify_reports_an_open_or_still_settling_session_as_pending(stripe, status, payment_status):
    stripe.routes["/v1/checkout/sessions/cs_test_1"] = (200, {**SESSION, "status": status,
                                                              "payment_status": payment_status})

    result = gateway(stripe).verify(reference="SF-1001", transaction_id="cs_test_1")

    assert result.outcome == Outcome.PENDING
    assert result.transaction_id == "cs_test_1"


def test_verify_without_a_session_is_pending_and_asks_nothing(stripe):
    result = gateway(stripe).verify(reference="SF-1001")

    assert result.outcome == Outcome.PENDING
    assert stripe.received == []


def test_a_session_stripe_does_not_know_is_a_gateway_error_with_its_message(stripe):
    stripe.routes["/v1/checkout/sessions/cs_live_1"] = (404, {"error": {
        "type": "invalid_request_error", "code": "resource_missing",
        "message": "No such checkout.session: 'cs_live_1'"}})

    with pytest.raises(GatewayError, match="No such checkout.session"):
        gateway(stripe).verify(reference="SF-1001", transaction_id="cs_live_1")


# --- refund -----------------------------------------------------------------------------------

@pytest.mark.parametrize("status, outcome", [
    ("succeeded", Outcome.COMPLETED),
    ("pending", Outcome.PENDING),
    ("requires_action", Outcome.PENDING),
    ("failed", Outcome.FAILED),
    ("canceled", Outcome.FAILED),
])
def test_a_refund_of_the_payment_intent_is_reported_by_its_status(stripe, status, outcome):
    answer = {"id": "re_1", "object": "refund", "status": status, "amount": 500,
              "failure_reason": "expired_or_canceled_card" if outcome == Outcome.FAILED else None}
    stripe.routes["/v1/refunds"] = (200, answer)

    result = gateway(stripe).refund(transaction_id="pi_123", reference="SF-1001", amount=Decimal("5.00"),
                                    currency="GHS", reason="Item out of stock")

    assert result.outcome == outcome
    assert result.refund_id == "re_1"
    assert result.error == ("expired_or_canceled_card" if outcome == Outcome.FAILED else "")
    assert result.raw == answer
    (received,) = stripe.received
    assert (received.method, received.path) == ("POST", "/v1/refunds")
    assert received.headers["authorization"] == f"Bearer {SECRET}"
    assert received.headers["idempotency-key"] == "SF-1001-refund"
    assert form(received) == {"payment_intent": "pi_123", "amount": "500", "reason": "requested_by_customer",
                              "metadata[reason]": "Item out of stock", "metadata[reference]": "SF-1001"}


def test_a_refund_refused_with_a_402_fails_with_stripes_message(stripe):
    stripe.routes["/v1/refunds"] = card_error("The refund could not be made to this card.")

    result = gateway(stripe).refund(transaction_id="pi_123", reference="SF-1001", amount=Decimal("5"),
                                    currency="GHS", reason="")

    assert result.outcome == Outcome.FAILED
    assert result.error == "The refund could not be made to this card."


def test_a_refund_stripe_rejects_as_invalid_is_a_gateway_error_with_its_message(stripe):
    stripe.routes["/v1/refunds"] = (400, {"error": {"type": "invalid_request_error", "code": "charge_already_refunded",
                                                    "message": "Charge ch_1 has already been refunded."}})

    with pytest.raises(GatewayError, match="already been refunded"):
        gateway(stripe).refund(transaction_id="pi_123", reference="SF-1001", amount=Decimal("5"),
                               currency="GHS", reason="")


# --- webhooks ---------------------------------------------------------------------------------

PAID_SESSION = {**SESSION, "status": "complete", "payment_status": "paid", "payment_intent": "pi_123"}


def test_a_signed_completed_and_paid_session_is_a_payment_succeeded_event(stripe):
    body, headers = signed(event("checkout.session.completed", PAID_SESSION))

    received = gateway(stripe).parse_webhook(body=body, headers=headers)

    assert received.kind == EventKind.PAYMENT_SUCCEEDED
    assert (received.event_id, received.provider_type) == ("evt_1", "checkout.session.completed")
    assert (received.reference, received.transaction_id) == ("SF-1001", "pi_123")
    assert (received.amount, received.currency) == (Decimal("19.99"), "GHS")
    assert received.raw["data"]["object"] == PAID_SESSION


def test_an_async_payment_that_succeeds_later_is_a_payment_succeeded_event(stripe):
    body, headers = signed(event("checkout.session.async_payment_succeeded", PAID_SESSION, "evt_2"))

    received = gateway(stripe).parse_webhook(body=body, headers=headers)

    assert (received.kind, received.event_id) == (EventKind.PAYMENT_SUCCEEDED, "evt_2")


def test_a_session_without_our_metadata_is_matched_by_its_client_reference_id(stripe):
    body, headers = signed(event("checkout.session.completed", {**PAID_SESSION, "metadata": {}}))

    received = gateway(stripe).parse_webhook(body=body, headers=headers)

    assert received.reference == "SF-1001"


def test_a_completed_session_whose_payment_still_settles_is_not_yet_a_payment(stripe):
    body, headers = signed(event("checkout.session.completed", {**PAID_SESSION, "payment_status": "unpaid"}))

    received = gateway(stripe).parse_webhook(body=body, headers=headers)

    assert received.kind == EventKind.OTHER
    assert received.reference == "SF-1001"


@pytest.mark.parametrize("type_", ["checkout.session.async_payment_failed", "checkout.session.expired"])
def test_failed_and_expired_sessions_are_payment_failed_events(stripe, type_):
    body, headers = signed(event(type_, {**SESSION, "status": "expired"}))

    received = gateway(stripe).parse_webhook(body=body, headers=headers)

    assert received.kind == EventKind.PAYMENT_FAILED
    assert (received.reference, received.transaction_id) == ("SF-1001", "cs_test_1")


def test_a_refunded_charge_is_a_refund_event_for_our_reference(stripe):
    charge = {"id": "ch_1", "object": "charge", "payment_intent": "pi_123", "amount": 1999,
              "amount_refunded": 500, "currency": "ghs", "refunded": False, "metadata": {"reference": "SF-1001"}}
    body, headers = signed(event("charge.refunded", charge, "evt_3"))

    received = gateway(stripe).parse_webhook(body=body, headers=headers)

    assert received.kind == EventKind.REFUND_SUCCEEDED
    assert (received.event_id, received.reference, received.transaction_id) == ("evt_3", "SF-1001", "pi_123")
    assert (received.amount, received.currency) == (Decimal("5.00"), "GHS")


def test_other_signed_events_are_acknowledged_as_other(stripe):
    body, headers = signed(event("customer.created", {"id": "cus_1"}, "evt_4"))

    received = gateway(stripe).parse_webhook(body=body, headers=headers)

    assert (received.kind, received.event_id, received.provider_type) == (EventKind.OTHER, "evt_4",
                                                                          "customer.created")


def test_the_signature_header_is_found_in_djangos_request_headers(stripe):
    body, headers = signed(event("checkout.session.completed", PAID_SESSION))

    received = gateway(stripe).parse_webhook(
        body=body, headers=HttpHeaders({"HTTP_STRIPE_SIGNATURE": headers["Stripe-Signature"]}))

    assert received.kind == EventKind.PAYMENT_SUCCEEDED


def test_any_matching_v1_signature_is_enough_while_the_secret_is_rolled(stripe):
    body, _ = signed(event("checkout.session.completed", PAID_SESSION))
    old_secret_signature = signature(body, secret="whsec_old")
    header = f"t={NOW},v1={old_secret_signature},v0=ignored,v1={signature(body)}"

    received = gateway(stripe).parse_webhook(body=body, headers={"stripe-signature": header})

    assert received.kind == EventKind.PAYMENT_SUCCEEDED


@pytest.mark.parametrize("age", [-300, 300])
def test_a_timestamp_at_the_edge_of_the_tolerance_is_accepted(stripe, age):
    body, headers = signed(event("checkout.session.completed", PAID_SESSION), timestamp=NOW - age)

    received = gateway(stripe).parse_webhook(body=body, headers=headers)

    assert received.event_id == "evt_1"


@pytest.mark.parametrize("age", [301, -301, 3600])
def test_a_timestamp_outside_the_tolerance_either_way_is_rejected(stripe, age):
    body, headers = signed(event("checkout.session.completed", PAID_SESSION), timestamp=NOW - age)

    with pytest.raises(InvalidWebhook, match="tolerance"):
        gateway(stripe).parse_webhook(body=body, headers=headers)


def test_a_tolerance_can_be_configured(stripe):
    body, headers = signed(event("checkout.session.completed", PAID_SESSION), timestamp=NOW - 60)

    with pytest.raises(InvalidWebhook):
        gateway(stripe, tolerance_seconds=30).parse_webhook(body=body, headers=headers)


def test_a_captured_delivery_replayed_with_a_fresh_timestamp_does_not_verify(stripe):
    body, _ = signed(event("checkout.session.completed", PAID_SESSION))
    old_signature = signature(body, timestamp=NOW - 3600)

    with pytest.raises(InvalidWebhook):
        gateway(stripe).parse_webhook(body=body, headers={"Stripe-Signature": f"t={NOW},v1={old_signature}"})


def test_a_webhook_signed_with_another_secret_is_rejected(stripe):
    body, headers = signed(event("checkout.session.completed", PAID_SESSION), secret="whsec_someone_else")

    with pytest.raises(InvalidWebhook):
        gateway(stripe).parse_webhook(body=body, headers=headers)


@pytest.mark.parametrize("headers", [{}, {"Stripe-Signature": ""}, {"Stripe-Signature": f"t={NOW}"},
                                     {"Stripe-Signature": "v1=abc"}, {"Stripe-Signature": "t=soon,v1=abc"}])
def test_a_webhook_with_a_missing_or_incomplete_signature_is_rejected(stripe, headers):
    body, _ = signed(event("checkout.session.completed", PAID_SESSION))

    with pytest.raises(InvalidWebhook):
        gateway(stripe).parse_webhook(body=body, headers=headers)


def test_a_webhook_whose_body_was_changed_after_signing_is_rejected(stripe):
    body, headers = signed(event("checkout.session.completed", PAID_SESSION))
    tampered = body.replace(b"1999", b"1")

    with pytest.raises(InvalidWebhook):
        gateway(stripe).parse_webhook(body=tampered, headers=headers)


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"id": "evt_1", "type": "charge.refunded"}'])
def test_a_validly_signed_body_that_is_not_a_stripe_event_is_rejected(stripe, body):
    headers = {"Stripe-Signature": f"t={NOW},v1={signature(body)}"}

    with pytest.raises(InvalidWebhook):
        gateway(stripe).parse_webhook(body=body, headers=headers)


# --- failures ---------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_a_server_error_or_rate_limit_is_a_gateway_error(stripe, status):
    stripe.routes["/v1/checkout/sessions"] = (status, {"error": {"message": "try later"}})

    with pytest.raises(GatewayError):
        gateway(stripe).initiate(payment())


def test_a_refused_secret_key_is_a_gateway_error_not_a_declined_payment(stripe):
    stripe.routes["/v1/checkout/sessions"] = (401, {"error": {"type": "invalid_request_error",
                                                              "message": "Invalid API Key provided: sk_test_***"}})

    with pytest.raises(GatewayError) as error:
        gateway(stripe).initiate(payment())

    assert SECRET not in str(error.value)


def test_an_unreachable_stripe_is_a_gateway_error():
    unreachable = StripeGateway(secret_key=SECRET, webhook_secret=WEBHOOK_SECRET, api_url="http://127.0.0.1:9",
                                timeout=1)

    with pytest.raises(GatewayError) as error:
        unreachable.verify(reference="SF-1001", transaction_id="cs_test_1")

    assert SECRET not in str(error.value)


def test_a_stripe_slower_than_the_timeout_is_a_gateway_error(stripe):
    release, handlers = threading.Event(), []

    def slow(received):
        handlers.append(threading.current_thread())
        release.wait(2)
        return 200, SESSION

    stripe.routes["/v1/checkout/sessions"] = slow

    with pytest.raises(GatewayError):
        gateway(stripe, timeout=0.1).initiate(payment())

    assert len(stripe.received) == 1  # a retry is the caller's, with the same idempotency key
    release.set()
    handlers[0].join(2)  # its late answer hits a closed connection while this test still captures output


def test_an_answer_that_is_not_json_is_a_gateway_error(stripe):
    stripe.routes["/v1/checkout/sessions/cs_test_1"] = (200, b"<html>maintenance</html>")

    with pytest.raises(GatewayError):
        gateway(stripe).verify(reference="SF-1001", transaction_id="cs_test_1")


def test_the_keys_appear_in_no_result_and_no_repr(stripe):
    stripe.routes["/v1/checkout/sessions"] = (200, SESSION)
    client = gateway(stripe)

    result = client.initiate(payment())

    for secret in (SECRET, WEBHOOK_SECRET):
        assert secret not in repr(result)
        assert secret not in repr(client)
