"""The Paystack gateway's real HTTP client against a local fake Paystack: what it sends (path,
bearer key, JSON body), how each answer maps to an outcome, webhook signatures, and failures."""

import hashlib
import hmac
import json
import threading
from decimal import Decimal

import pytest
from django.http.request import HttpHeaders

from orders.gateways.base import (
    EventKind,
    GatewayError,
    InvalidWebhook,
    Outcome,
    PaymentRequest,
    from_minor_units,
    to_minor_units,
)
from orders.gateways.paystack import PaystackGateway
from tests.fake_servers import FakeJSONServer

SECRET = "sk_test_paystack_secret"


@pytest.fixture
def paystack():
    with FakeJSONServer() as server:
        yield server


def gateway(server, **options) -> PaystackGateway:
    return PaystackGateway(secret_key=SECRET, api_url=server.url, **options)


def payment(**fields) -> PaymentRequest:
    values = {"reference": "SF-1001", "amount": Decimal("19.99"), "currency": "GHS", "method": "card",
              "email": "ama@example.com", "return_url": "https://shop.test/pay/return",
              "metadata": {"order_id": 42}}
    return PaymentRequest(**{**values, **fields})


def momo(**fields) -> PaymentRequest:
    return payment(**{"method": "mobile_money", "phone": "+233241234567", "mobile_provider": "mtn",
                      "return_url": "", **fields})


def ok(data: dict, message: str = "ok") -> tuple[int, dict]:
    return 200, {"status": True, "message": message, "data": data}


def signed(event: dict, key: str = SECRET) -> tuple[bytes, dict]:
    body = json.dumps(event).encode()
    return body, {"X-Paystack-Signature": hmac.new(key.encode(), body, hashlib.sha512).hexdigest()}


# --- amounts ----------------------------------------------------------------------------------

@pytest.mark.parametrize("amount, minor", [
    (Decimal("19.99"), 1999),
    (Decimal("0.1") + Decimal("0.2"), 30),
    (Decimal("100"), 10000),
    (Decimal("19.990"), 1999),  # a trailing zero is still two decimals' worth
    (Decimal("1E+2"), 10000),
    (Decimal("0.01"), 1),
])
def test_amounts_become_exact_minor_units(amount, minor):
    assert to_minor_units(amount) == minor


@pytest.mark.parametrize("amount", [Decimal("19.999"), Decimal("0.001"), Decimal("0"), Decimal("-5"),
                                    Decimal("NaN"), Decimal("Infinity")])
def test_amounts_that_are_not_whole_pesewas_or_not_positive_are_refused(amount):
    with pytest.raises(ValueError):
        to_minor_units(amount)


def test_a_float_amount_is_refused_rather_than_rounded():
    with pytest.raises(TypeError):
        to_minor_units(19.99)


def test_minor_units_read_back_as_exact_decimals():
    assert from_minor_units(1999) == Decimal("19.99")
    assert from_minor_units("500") == Decimal("5.00")
    assert from_minor_units(None) is None


def test_a_three_decimal_amount_is_refused_before_anything_is_sent(paystack):
    with pytest.raises(ValueError):
        gateway(paystack).initiate(payment(amount=Decimal("19.999")))

    assert paystack.received == []


# --- initiate: card and bank transfer -----------------------------------------------------------

@pytest.mark.parametrize("method", ["card", "bank_transfer"])
def test_a_card_or_bank_transfer_payment_starts_on_paystacks_page_for_that_channel(paystack, method):
    answer = ok({"authorization_url": "https://checkout.paystack.com/ac_1", "access_code": "ac_1",
                 "reference": "SF-1001"}, "Authorization URL created")
    paystack.routes["/transaction/initialize"] = answer

    result = gateway(paystack).initiate(payment(method=method))

    assert result.outcome == Outcome.PENDING
    assert result.authorization_url == "https://checkout.paystack.com/ac_1"
    assert result.transaction_id == "ac_1"
    assert result.raw == answer[1]
    (received,) = paystack.received
    assert (received.method, received.path) == ("POST", "/transaction/initialize")
    assert received.headers["authorization"] == f"Bearer {SECRET}"
    assert received.headers["content-type"] == "application/json"
    assert received.json() == {
        "email": "ama@example.com", "amount": 1999, "currency": "GHS", "reference": "SF-1001",
        "metadata": {"order_id": 42}, "callback_url": "https://shop.test/pay/return", "channels": [method],
    }


def test_without_a_return_url_paystack_uses_its_dashboard_callback(paystack):
    paystack.routes["/transaction/initialize"] = ok({"authorization_url": "https://checkout.paystack.com/x"})

    result = gateway(paystack).initiate(payment(return_url=""))

    assert "callback_url" not in paystack.received[0].json()
    assert result.transaction_id == ""  # no access code: the reference stays the key


def test_a_refused_initialization_fails_with_paystacks_reason(paystack):
    paystack.routes["/transaction/initialize"] = (400, {"status": False, "message": "Invalid Email Address Passed"})

    result = gateway(paystack).initiate(payment(email="not-an-email"))

    assert result.outcome == Outcome.FAILED
    assert result.error == "Invalid Email Address Passed"
    assert result.raw == {"status": False, "message": "Invalid Email Address Passed"}


def test_a_method_paystack_does_not_take_is_refused_before_anything_is_sent(paystack):
    with pytest.raises(ValueError):
        gateway(paystack).initiate(payment(method="paypal"))

    assert paystack.received == []


@pytest.mark.parametrize("request_", [payment(email=""), momo(email="")], ids=["card", "mobile_money"])
def test_a_payment_without_the_payers_email_is_refused_before_anything_is_sent(paystack, request_):
    # Paystack refuses both without one; the order code checks first (needs_email), this is the backstop.
    assert PaystackGateway.needs_email

    with pytest.raises(ValueError, match="email"):
        gateway(paystack).initiate(request_)

    assert paystack.received == []


# --- initiate: mobile money -------------------------------------------------------------------

@pytest.mark.parametrize("provider, paystack_code", [("mtn", "mtn"), ("telecel", "vod"), ("airteltigo", "atl")])
def test_mobile_money_charges_the_wallet_in_national_format_and_waits_for_approval(paystack, provider, paystack_code):
    paystack.routes["/charge"] = ok({"reference": "SF-1001", "status": "pay_offline",
                                     "display_text": "Please complete authorization process on your mobile phone"},
                                    "Charge attempted")

    result = gateway(paystack).initiate(momo(mobile_provider=provider))

    assert result.outcome == Outcome.PENDING
    assert result.next_action == {"type": "approve_on_phone",
                                  "message": "Please complete authorization process on your mobile phone"}
    (received,) = paystack.received
    assert (received.method, received.path) == ("POST", "/charge")
    assert received.headers["authorization"] == f"Bearer {SECRET}"
    assert received.json() == {
        "email": "ama@example.com", "amount": 1999, "currency": "GHS", "reference": "SF-1001",
        "metadata": {"order_id": 42}, "mobile_money": {"phone": "0241234567", "provider": paystack_code},
    }


@pytest.mark.parametrize("status", ["send_otp", "pending", "ongoing"])
def test_a_pending_charge_without_display_text_still_tells_the_buyer_to_approve(paystack, status):
    paystack.routes["/charge"] = ok({"reference": "SF-1001", "status": status})

    result = gateway(paystack).initiate(momo())

    assert result.outcome == Outcome.PENDING
    assert result.next_action["type"] == "approve_on_phone"
    assert result.next_action["message"]


def test_a_mobile_money_charge_that_succeeds_at_once_is_completed(paystack):
    paystack.routes["/charge"] = ok({"id": 5501, "reference": "SF-1001", "status": "success",
                                     "amount": 1999, "currency": "GHS"})

    result = gateway(paystack).initiate(momo())

    assert result.outcome == Outcome.COMPLETED
    assert (result.transaction_id, result.amount, result.currency) == ("5501", Decimal("19.99"), "GHS")
    assert result.next_action is None


def test_a_failed_mobile_money_charge_carries_the_gateway_response(paystack):
    paystack.routes["/charge"] = ok({"id": 5502, "status": "failed", "gateway_response": "Insufficient funds"})

    result = gateway(paystack).initiate(momo())

    assert result.outcome == Outcome.FAILED
    assert result.error == "Insufficient funds"


def test_a_declined_mobile_money_charge_is_the_buyers_failure_not_a_gateway_error(paystack):
    paystack.routes["/charge"] = (400, {"status": False, "message": "Invalid phone number for provider"})

    result = gateway(paystack).initiate(momo())

    assert result.outcome == Outcome.FAILED
    assert result.error == "Invalid phone number for provider"


def test_an_unknown_wallet_provider_is_refused_before_anything_is_sent(paystack):
    with pytest.raises(ValueError):
        gateway(paystack).initiate(momo(mobile_provider="glo"))

    assert paystack.received == []


# --- verify -----------------------------------------------------------------------------------

def test_verify_reports_a_successful_transaction_with_what_was_paid(paystack):
    answer = ok({"id": 690075529, "status": "success", "reference": "SF-1001", "amount": 1999,
                 "currency": "GHS", "gateway_response": "Successful"}, "Verification successful")
    paystack.routes["/transaction/verify/SF-1001"] = answer

    result = gateway(paystack).verify(reference="SF-1001")

    assert result.outcome == Outcome.COMPLETED
    assert (result.transaction_id, result.amount, result.currency) == ("690075529", Decimal("19.99"), "GHS")
    assert result.raw == answer[1]
    (received,) = paystack.received
    assert received.method == "GET"
    assert received.headers["authorization"] == f"Bearer {SECRET}"


@pytest.mark.parametrize("status", ["failed", "abandoned", "reversed"])
def test_verify_reports_failed_abandoned_and_reversed_transactions_as_failed(paystack, status):
    paystack.routes["/transaction/verify/SF-1001"] = ok({"id": 7, "status": status, "gateway_response": "Declined"})

    result = gateway(paystack).verify(reference="SF-1001")

    assert result.outcome == Outcome.FAILED
    assert result.error == "Declined"


@pytest.mark.parametrize("status", ["ongoing", "pending", "processing", "queued", "send_otp", "pay_offline",
                                    "a_status_paystack_adds_later"])
def test_verify_reports_transactions_still_in_progress_as_pending(paystack, status):
    paystack.routes["/transaction/verify/SF-1001"] = ok({"id": 7, "status": status})

    result = gateway(paystack).verify(reference="SF-1001")

    assert result.outcome == Outcome.PENDING
    assert result.amount is None


def test_verify_quotes_the_reference_into_the_path(paystack):
    paystack.routes["/transaction/verify/SF%201%2F2"] = ok({"id": 7, "status": "pending"})

    gateway(paystack).verify(reference="SF 1/2")

    assert paystack.requests == ["/transaction/verify/SF%201%2F2"]


def test_a_reference_paystack_never_saw_is_pending_not_failed(paystack):
    answer = {"status": False, "message": "Transaction reference not found"}
    paystack.routes["/transaction/verify/SF-1001"] = (400, answer)

    result = gateway(paystack).verify(reference="SF-1001")

    assert result.outcome == Outcome.PENDING
    assert result.raw == answer


def test_a_404_that_is_not_paystacks_answer_is_a_gateway_error(paystack):
    # The fake's own 404 stands in for a wrong api_url: nothing is known about the payment.
    with pytest.raises(GatewayError):
        gateway(paystack).verify(reference="SF-1001")


# --- refund -----------------------------------------------------------------------------------

@pytest.mark.parametrize("status, outcome", [
    ("processed", Outcome.COMPLETED),
    ("pending", Outcome.PENDING),
    ("processing", Outcome.PENDING),
    ("needs-attention", Outcome.PENDING),
    ("failed", Outcome.FAILED),
])
def test_a_refund_is_asked_for_by_transaction_id_and_reported_by_its_status(paystack, status, outcome):
    answer = ok({"id": 1263467, "status": status, "amount": 500, "currency": "GHS"},
                "Refund has been queued for processing")
    paystack.routes["/refund"] = answer

    result = gateway(paystack).refund(transaction_id="5501", reference="SF-1001", amount=Decimal("5.00"),
                                      currency="GHS", reason="Item out of stock")

    assert result.outcome == outcome
    assert result.refund_id == "1263467"
    assert result.raw == answer[1]
    (received,) = paystack.received
    assert (received.method, received.path) == ("POST", "/refund")
    assert received.headers["authorization"] == f"Bearer {SECRET}"
    assert received.json() == {"transaction": "5501", "amount": 500, "currency": "GHS",
                               "merchant_note": "Item out of stock"}


def test_a_refund_without_a_paystack_transaction_id_names_the_reference(paystack):
    paystack.routes["/refund"] = ok({"id": 1, "status": "processed", "amount": 500, "currency": "GHS"}, "ok")

    gateway(paystack).refund(transaction_id="", reference="SF-1001", amount=Decimal("5.00"), currency="GHS",
                             reason="x")

    assert paystack.received[0].json()["transaction"] == "SF-1001"


def test_a_refund_paystack_refuses_fails_with_its_reason(paystack):
    paystack.routes["/refund"] = (400, {"status": False, "message": "Transaction has been fully reversed"})

    result = gateway(paystack).refund(transaction_id="5501", reference="SF-1001", amount=Decimal("5"),
                                      currency="GHS", reason="again")

    assert result.outcome == Outcome.FAILED
    assert result.error == "Transaction has been fully reversed"


# --- webhooks ---------------------------------------------------------------------------------

CHARGE_SUCCESS = {"event": "charge.success",
                  "data": {"id": 302961, "status": "success", "reference": "SF-1001", "amount": 1999,
                           "currency": "GHS", "channel": "mobile_money"}}


def test_a_signed_charge_success_is_a_payment_succeeded_event(paystack):
    body, headers = signed(CHARGE_SUCCESS)

    event = gateway(paystack).parse_webhook(body=body, headers=headers)

    assert event.kind == EventKind.PAYMENT_SUCCEEDED
    assert event.event_id == "charge.success:302961"
    assert event.provider_type == "charge.success"
    assert (event.reference, event.transaction_id) == ("SF-1001", "302961")
    assert (event.amount, event.currency) == (Decimal("19.99"), "GHS")
    assert event.raw == CHARGE_SUCCESS


@pytest.mark.parametrize("headers", [
    lambda signature: {"x-paystack-signature": signature},
    lambda signature: {"X-PAYSTACK-SIGNATURE": signature},
    lambda signature: HttpHeaders({"HTTP_X_PAYSTACK_SIGNATURE": signature}),  # Django's request.headers
])
def test_the_signature_header_is_found_in_any_case(paystack, headers):
    body, signed_headers = signed(CHARGE_SUCCESS)

    event = gateway(paystack).parse_webhook(body=body, headers=headers(signed_headers["X-Paystack-Signature"]))

    assert event.kind == EventKind.PAYMENT_SUCCEEDED


def test_a_signed_charge_failed_is_a_payment_failed_event(paystack):
    body, headers = signed({"event": "charge.failed", "data": {**CHARGE_SUCCESS["data"], "status": "failed"}})

    event = gateway(paystack).parse_webhook(body=body, headers=headers)

    assert event.kind == EventKind.PAYMENT_FAILED
    assert (event.event_id, event.reference) == ("charge.failed:302961", "SF-1001")


def test_a_signed_refund_processed_is_a_refund_of_the_original_reference(paystack):
    body, headers = signed({"event": "refund.processed",
                            "data": {"id": 88, "status": "processed", "transaction_reference": "SF-1001",
                                     "refund_reference": "RF-9", "amount": 500, "currency": "GHS"}})

    event = gateway(paystack).parse_webhook(body=body, headers=headers)

    assert event.kind == EventKind.REFUND_SUCCEEDED
    assert (event.event_id, event.reference) == ("refund.processed:88", "SF-1001")
    assert (event.amount, event.currency) == (Decimal("5.00"), "GHS")


def test_an_event_without_an_object_id_gets_one_from_its_body(paystack):
    body, headers = signed({"event": "refund.processed", "data": {"transaction_reference": "SF-1001", "amount": 500}})

    first = gateway(paystack).parse_webhook(body=body, headers=headers)
    redelivered = gateway(paystack).parse_webhook(body=body, headers=headers)

    assert first.event_id.startswith("refund.processed:sha256:")
    assert first.event_id == redelivered.event_id


def test_other_signed_events_are_acknowledged_as_other(paystack):
    body, headers = signed({"event": "transfer.success", "data": {"id": 31}})

    event = gateway(paystack).parse_webhook(body=body, headers=headers)

    assert (event.kind, event.event_id, event.provider_type) == (EventKind.OTHER, "transfer.success:31",
                                                                 "transfer.success")


def test_a_webhook_signed_with_another_key_is_rejected(paystack):
    body, headers = signed(CHARGE_SUCCESS, key="sk_test_someone_else")

    with pytest.raises(InvalidWebhook):
        gateway(paystack).parse_webhook(body=body, headers=headers)


def test_a_webhook_without_a_signature_is_rejected(paystack):
    body, _ = signed(CHARGE_SUCCESS)

    with pytest.raises(InvalidWebhook):
        gateway(paystack).parse_webhook(body=body, headers={"Content-Type": "application/json"})


def test_a_webhook_whose_body_was_changed_after_signing_is_rejected(paystack):
    body, headers = signed(CHARGE_SUCCESS)
    tampered = body.replace(b"1999", b"1")

    with pytest.raises(InvalidWebhook):
        gateway(paystack).parse_webhook(body=tampered, headers=headers)


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"event": "charge.success"}',
                                  b'{"event": "charge.success", "data": {"reference": "SF-1001"}}'])
def test_a_validly_signed_body_that_is_not_a_paystack_event_is_rejected(paystack, body):
    headers = {"x-paystack-signature": hmac.new(SECRET.encode(), body, hashlib.sha512).hexdigest()}

    with pytest.raises(InvalidWebhook):
        gateway(paystack).parse_webhook(body=body, headers=headers)


# --- failures ---------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_a_server_error_or_rate_limit_is_a_gateway_error(paystack, status):
    paystack.routes["/charge"] = (status, {"status": False, "message": "try later"})

    with pytest.raises(GatewayError):
        gateway(paystack).initiate(momo())


def test_a_refused_secret_key_is_a_gateway_error_not_a_declined_payment(paystack):
    paystack.routes["/transaction/initialize"] = (401, {"status": False, "message": "Invalid key"})

    with pytest.raises(GatewayError) as error:
        gateway(paystack).initiate(payment())

    assert SECRET not in str(error.value)


def test_an_unreachable_paystack_is_a_gateway_error():
    unreachable = PaystackGateway(secret_key=SECRET, api_url="http://127.0.0.1:9", timeout=1)

    with pytest.raises(GatewayError) as error:
        unreachable.verify(reference="SF-1001")

    assert SECRET not in str(error.value)


def test_a_paystack_slower_than_the_timeout_is_a_gateway_error(paystack):
    release, handlers = threading.Event(), []

    def slow(received):
        handlers.append(threading.current_thread())
        release.wait(2)
        return ok({"id": 7, "status": "success"})

    paystack.routes["/transaction/verify/SF-1001"] = slow

    with pytest.raises(GatewayError):
        gateway(paystack, timeout=0.1).verify(reference="SF-1001")

    assert len(paystack.received) == 1  # not retried behind the caller's back
    release.set()
    handlers[0].join(2)  # its late answer hits a closed connection while this test still captures output


def test_an_answer_that_is_not_json_is_a_gateway_error(paystack):
    paystack.routes["/transaction/verify/SF-1001"] = (200, b"<html>maintenance</html>")

    with pytest.raises(GatewayError):
        gateway(paystack).verify(reference="SF-1001")


def test_a_redirect_is_not_followed_with_our_key(paystack):
    paystack.routes["/transaction/verify/SF-1001"] = (302, b"", {"Location": "http://127.0.0.1:9/steal"})

    with pytest.raises(GatewayError):
        gateway(paystack).verify(reference="SF-1001")


def test_the_secret_key_appears_in_no_result_and_no_repr(paystack):
    paystack.routes["/transaction/verify/SF-1001"] = ok({"id": 7, "status": "success", "amount": 1, "currency": "GHS"})
    client = gateway(paystack)

    result = client.verify(reference="SF-1001")

    assert SECRET not in repr(result)
    assert SECRET not in repr(client)
