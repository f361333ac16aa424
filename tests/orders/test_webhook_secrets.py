"""Webhooks fail closed: a gateway with no webhook secret refuses every event, a server set up
that way does not start (a system check error, for every gateway), and an event only moves a
payment of the gateway that signed it."""

import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from orders import gateways
from orders.gateways.base import InvalidWebhook
from orders.gateways.paystack import PaystackGateway
from orders.gateways.stripe import StripeGateway
from orders.gateways.test import sign_test_webhook
from orders.models import Order, Payment, WebhookEvent
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

WEBHOOK = "/api/webhooks/payment/"
PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def order(place_order, shop):
    data = place_order(ProductFactory(seller=shop, price=Decimal("45.00"), stock_quantity=5), 2)
    return Order.objects.get(pk=data["id"])


def stripe_completion(payment: Payment, event_id="evt_forged") -> bytes:
    return json.dumps({"id": event_id, "type": "checkout.session.completed", "data": {"object": {
        "id": "cs_forged", "payment_status": "paid", "payment_intent": "pi_forged", "amount_total": 10000,
        "currency": "ghs", "client_reference_id": payment.reference, "metadata": {"reference": payment.reference},
    }}}).encode()


def stripe_signature(body: bytes, secret: bytes) -> str:
    at = int(time.time())
    return f"t={at},v1={hmac.new(secret, f'{at}.'.encode() + body, hashlib.sha256).hexdigest()}"


def paystack_success(payment: Payment, *, reference=None, transaction_id=302961) -> bytes:
    return json.dumps({"event": "charge.success", "data": {
        "id": transaction_id, "reference": payment.reference if reference is None else reference,
        "amount": int(payment.amount * 100), "currency": payment.currency, "status": "success",
    }}).encode()


# --- Fail closed ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [WEBHOOK, f"{WEBHOOK}stripe/"])
def test_stripe_without_a_webhook_secret_refuses_an_event_signed_with_the_empty_secret(api_client, order, settings,
                                                                                       path):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_live_only_the_key", ""
    settings.PAYMENT_GATEWAY_CARD = "stripe"
    payment = order.payments.get()
    body = stripe_completion(payment)

    response = api_client.post(path, body, content_type="application/json",
                               HTTP_STRIPE_SIGNATURE=stripe_signature(body, b""))

    assert response.status_code == 503
    assert response.json() == {"error": "Webhooks from stripe cannot be verified on this server.",
                               "code": "unavailable", "details": {"gateway": "stripe"}}
    assert not WebhookEvent.objects.exists()
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == ("pending", "pending")


def test_the_stripe_gateway_itself_never_verifies_with_an_empty_secret():
    gateway = StripeGateway(secret_key="sk_test", webhook_secret="")
    body = b'{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {}}}'

    with pytest.raises(InvalidWebhook, match="no Stripe webhook secret"):
        gateway.parse_webhook(body=body, headers={"Stripe-Signature": stripe_signature(body, b"")})


def test_the_paystack_gateway_itself_never_verifies_with_an_empty_key():
    gateway = PaystackGateway(secret_key="")
    body = b'{"event": "charge.success", "data": {"id": 1, "reference": "R"}}'

    with pytest.raises(InvalidWebhook, match="no Paystack secret key"):
        gateway.parse_webhook(body=body, headers={"x-paystack-signature": hmac.new(b"", body, "sha512").hexdigest()})


def test_the_test_gateways_webhooks_are_refused_when_it_is_off(api_client, order, settings):
    settings.PAYMENT_TEST_GATEWAY = False
    payment = order.payments.get()
    body = json.dumps({"id": "evt_1", "type": "payment.succeeded", "reference": payment.reference,
                       "amount": str(payment.amount), "currency": "GHS"}).encode()

    response = api_client.post(WEBHOOK, body, content_type="application/json",
                               HTTP_X_TEST_SIGNATURE=sign_test_webhook(body))

    assert response.status_code == 404 and response.json()["code"] == "unknown_gateway"
    assert not WebhookEvent.objects.exists()


# --- The system check -------------------------------------------------------------------------

def errors_of(messages) -> list[str]:
    return [message.id for message in messages if message.id.startswith("orders.E")]


def test_a_stripe_key_without_its_webhook_secret_stops_the_server_from_starting(settings):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_live_only_the_key", ""

    # A normal check, run by runserver, migrate and `check`, not only by `check --deploy`.
    assert errors_of(run_checks()) == ["orders.E001"]
    with pytest.raises(SystemCheckError, match="STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not"):
        call_command("check")


@pytest.mark.parametrize("configured", [
    {},
    {"STRIPE_SECRET_KEY": "sk_test", "STRIPE_WEBHOOK_SECRET": "whsec_test"},
    {"PAYSTACK_SECRET_KEY": "sk_test"},  # Paystack signs with its API key: nothing more to set
])
def test_gateways_with_their_secrets_pass_the_check(settings, configured):
    for name, value in configured.items():
        setattr(settings, name, value)

    assert errors_of(run_checks()) == []


class LaterGateway:
    """A gateway added later: it only declares what it needs."""

    name = "later"
    enabled_by = "LATER_SECRET_KEY"
    webhook_secret_setting = "LATER_WEBHOOK_HASH"


def test_a_gateway_added_later_inherits_the_check(settings, monkeypatch):
    monkeypatch.setitem(gateways.GATEWAY_CLASSES, "later", f"{__name__}.LaterGateway")
    monkeypatch.setattr(gateways, "GATEWAY_NAMES", tuple(gateways.GATEWAY_CLASSES))
    settings.LATER_SECRET_KEY, settings.LATER_WEBHOOK_HASH = "key", ""

    assert errors_of(run_checks()) == ["orders.E001"]

    settings.LATER_WEBHOOK_HASH = "hash"
    assert errors_of(run_checks()) == []


# --- One gateway's event, one gateway's payments ----------------------------------------------

def test_a_paystack_event_naming_a_stripe_payments_reference_changes_nothing(api_client, order, settings):
    settings.PAYSTACK_SECRET_KEY = "sk_test_paystack"
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test_stripe", "whsec_test"
    settings.PAYMENT_GATEWAY_CARD = "stripe"
    payment = order.payments.get()
    Payment.objects.filter(pk=payment.pk).update(gateway="stripe", status="processing", transaction_id="cs_1")
    body = paystack_success(payment)

    response = api_client.post(WEBHOOK, body, content_type="application/json",
                               HTTP_X_PAYSTACK_SIGNATURE=hmac.new(b"sk_test_paystack", body, "sha512").hexdigest())

    assert response.status_code == 200
    assert response.json() == {"received": True, "outcome": "unknown_payment"}
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status, payment.gateway) == ("pending", "processing", "stripe")
    assert WebhookEvent.objects.get().outcome == "unknown_payment"


def test_nor_does_one_naming_it_by_its_transaction_id(api_client, order, settings):
    settings.PAYSTACK_SECRET_KEY = "sk_test_paystack"
    payment = order.payments.get()
    Payment.objects.filter(pk=payment.pk).update(gateway="stripe", status="processing", transaction_id="777")
    body = paystack_success(payment, reference="", transaction_id=777)

    response = api_client.post(WEBHOOK, body, content_type="application/json",
                               HTTP_X_PAYSTACK_SIGNATURE=hmac.new(b"sk_test_paystack", body, "sha512").hexdigest())

    assert response.json()["outcome"] == "unknown_payment"
    assert Order.objects.get().status == "pending"


def test_a_payment_not_sent_yet_is_its_methods_gateways_only(api_client, order, settings):
    """Card goes to the test gateway here: a Paystack event for the unsent card payment is not applied."""
    settings.PAYSTACK_SECRET_KEY = "sk_test_paystack"
    payment = order.payments.get()
    body = paystack_success(payment)

    response = api_client.post(f"{WEBHOOK}paystack/", body, content_type="application/json",
                               HTTP_X_PAYSTACK_SIGNATURE=hmac.new(b"sk_test_paystack", body, "sha512").hexdigest())

    assert response.json()["outcome"] == "unknown_payment"
    assert Order.objects.get().status == "pending"


def test_a_cash_on_delivery_payment_is_no_gateways(api_client, place_order):
    order = place_order(payment_method="cash_on_delivery")
    payment = Payment.objects.get(order_id=order["id"])
    body = json.dumps({"id": "evt_cod", "type": "payment.succeeded", "reference": payment.reference,
                       "amount": str(payment.amount), "currency": "GHS"}).encode()

    response = api_client.post(WEBHOOK, body, content_type="application/json",
                               HTTP_X_TEST_SIGNATURE=sign_test_webhook(body))

    assert response.json()["outcome"] == "unknown_payment"
    assert Order.objects.get().status == "pending" and Payment.objects.get().status == "pending"


# --- docker-compose -----------------------------------------------------------------------------

PAYMENT_SETTINGS = re.compile(r"^(PAYMENT_\w+|PAYSTACK_\w+|STRIPE_\w+|COD_\w+|ORDER_MAX_\w+|THROTTLE_CHECKOUT_RATE)$")


def compose_environment() -> dict[str, str]:
    """The app's environment in docker-compose.yml, each ${VAR:-default} at its default."""
    compose = yaml.safe_load((PROJECT / "docker-compose.yml").read_text())
    required = {"POSTGRES_PASSWORD": "pw", "DJANGO_SECRET_KEY": "k3y-" + "x9Qv7Lm2Zt8Rb4Nw6Hc1Jd5Pf0Gs3Ky" * 2,
                "SELLFLOW_DOMAIN": "api.sellflow.example", "FRONTEND_URL": "https://app.sellflow.example",
                "EMAIL_URL": "smtp://mail.sellflow.example:587",
                "FIELD_ENCRYPTION_KEYS": "Yn3p5PZ9yX0m3qk8oV1s2Lw6Hc4Jd7Rf9Gt0Ua2Xb5E="}

    def resolve(value) -> str:
        return re.sub(r"\$\{(\w+):([-?])([^}]*)\}",
                      lambda m: m.group(3) if m.group(2) == "-" else required[m.group(1)], str(value))

    return {name: resolve(value) for name, value in compose["x-app-environment"].items()}


def test_docker_compose_passes_every_payment_setting():
    settings_source = (PROJECT / "sellflow" / "settings.py").read_text()
    read = set(re.findall(r"""env(?:\.\w+)?\(\s*["'](\w+)["']""", settings_source))
    passed = yaml.safe_load((PROJECT / "docker-compose.yml").read_text())["x-app-environment"]

    wanted = {name for name in read if PAYMENT_SETTINGS.match(name)}
    assert {"STRIPE_WEBHOOK_SECRET", "PAYSTACK_SECRET_KEY", "COD_CONFIRM_HOURS"} <= wanted
    assert wanted - set(passed) == set()
    assert all(f"${{{name}:-" in str(passed[name]) for name in wanted)  # set from outside, with a default


def test_the_compose_defaults_start_and_a_stripe_key_alone_does_not():
    environment = compose_environment()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    clean |= {"DJANGO_SETTINGS_MODULE": "sellflow.settings", "DJANGO_ENV_FILE": "/nonexistent/.env", **environment}

    def check(**extra) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", "check"], cwd=PROJECT, env=clean | extra,
                              capture_output=True, text=True, timeout=120)

    assert check().returncode == 0, check().stderr
    refused = check(STRIPE_SECRET_KEY="sk_live_only_the_key")
    assert refused.returncode != 0 and "orders.E001" in refused.stderr
    # An empty PAYMENT_RETURN_URL is the default one, not an empty address.
    probe = subprocess.run([sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
                            "print(settings.PAYMENT_RETURN_URL, settings.COD_CONFIRM_HOURS)"],
                           cwd=PROJECT, env=clean, capture_output=True, text=True, timeout=120)
    assert probe.stdout.split() == ["https://app.sellflow.example/checkout/complete", "48"], probe.stderr
