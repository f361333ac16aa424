"""The operator's admin of orders and payments, and the seller's order figures."""

from decimal import Decimal

import pytest

from orders.models import Order, Payment, WebhookEvent

pytestmark = pytest.mark.django_db


def test_the_operator_reads_an_order_with_everything_inline(operator_client, place_order, buyer_client):
    order = place_order()
    buyer_client.post(f"/api/orders/payments/{order['payments'][0]['id']}/process/")
    WebhookEvent.objects.create(gateway="paystack", event_id="charge.success:42", event_type="charge.success",
                                reference="REF-42", payload={})

    changelist = operator_client.get("/admin/orders/order/", {"status": "confirmed", "payment_status": "completed"})
    change = operator_client.get(f"/admin/orders/order/{order['id']}/change/")
    payment = operator_client.get(f"/admin/orders/payment/{order['payments'][0]['id']}/change/")
    webhooks = operator_client.get("/admin/orders/webhookevent/", {"q": "charge.success:42"})

    assert changelist.status_code == 200 and order["order_id"] in changelist.content.decode()
    page = change.content.decode()
    assert change.status_code == 200
    for fragment in ("Order items", "Payments", "Order events", "Stock reservations", "initiate"):
        assert fragment in page
    assert payment.status_code == 200 and "Payment attempts" in payment.content.decode()
    assert webhooks.status_code == 200 and "REF-42" in webhooks.content.decode()
    assert operator_client.get("/admin/orders/order/add/").status_code == 403


def test_the_sellers_profile_counts_orders_and_revenue(shop, shop_client, buyer_client, place_order):
    for _ in range(2):
        order = place_order()  # 2 x 45.00 + 10.00 shipping
        buyer_client.post(f"/api/orders/payments/{order['payments'][0]['id']}/process/")
    place_order()  # not paid
    shop_client.post(f"/api/orders/orders/{order['id']}/refund/", {"amount": "20.00", "reason": "torn"}, format="json")

    metrics = shop_client.get("/api/auth/user/me/").json()["metrics"]["orders"]

    assert metrics == {"total": 3, "open": 3, "delivered": 0, "cancelled": 0, "paid": 2, "currency": "GHS",
                       "revenue": "180.00", "average_order_value": "90.00"}
    assert Payment.objects.filter(status="partially_refunded").count() == 1


def test_the_receipt_is_a_pdf_for_the_buyer_and_the_seller_only(buyer_client, shop_client, place_order):
    from tests.accounts.factories import UserFactory
    from tests.conftest import authenticated_client

    order = place_order()
    buyer_client.post(f"/api/orders/payments/{order['payments'][0]['id']}/process/")
    url = f"/api/orders/orders/{order['id']}/receipt/"

    response = buyer_client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="receipt-{order["order_id"]}.pdf"'
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    for text in (order["order_id"], "Ama Styles", "GHS 100.00", "Paid GHS 100.00 by card"):
        assert text.encode() in pdf
    assert shop_client.get(url).status_code == 200
    stranger = authenticated_client(UserFactory(account_type="buyer")).get(url)
    assert stranger.status_code == 404 and stranger.json()["code"] == "not_found"


def test_a_guest_order_is_recognisable_and_filtered_apart_from_account_orders(operator_client, place_order, shop):
    account_order = place_order()
    guest = Order.objects.create(buyer=None, seller=shop, source="chat", payment_method="card", currency="GHS",
                                 subtotal=Decimal("45.00"), total_amount=Decimal("45.00"), full_name="Kofi Asante",
                                 phone="+233241112233", address_line1="4 Market Street", city="Kumasi",
                                 country="Ghana")

    everything = operator_client.get("/admin/orders/order/").content.decode()
    guests = operator_client.get("/admin/orders/order/", {"buyer_kind": "guest"}).content.decode()
    accounts = operator_client.get("/admin/orders/order/", {"buyer_kind": "account"}).content.decode()
    change = operator_client.get(f"/admin/orders/order/{guest.pk}/change/")

    assert "Guest: Kofi Asante" in everything and account_order["order_id"] in everything
    assert guest.order_id in guests and account_order["order_id"] not in guests
    assert account_order["order_id"] in accounts and guest.order_id not in accounts
    assert change.status_code == 200 and "A guest (no account)" in change.content.decode()
