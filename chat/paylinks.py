"""Payment links: a signed token naming an order and the end of its payment timer, opened without
an account by whoever the seller sent it to in a conversation."""

from datetime import UTC, datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from chat.errors import PaymentLinkExpired, PaymentLinkNotFound
from orders.models import Order

SALT = "chat.payment-link"


def payment_link_token(order: Order) -> str:
    """The order's token, valid until its payment timer ends (order.expires_at)."""
    return signing.dumps({"order": order.pk, "until": int(order.expires_at.timestamp())}, salt=SALT, compress=True)


def payment_link_url(order: Order) -> str:
    path = reverse("chat:payment-link", kwargs={"token": payment_link_token(order)})
    return f"{settings.API_PUBLIC_URL}{path}"


def payment_link_order(token: str) -> Order:
    """The order a token names: PaymentLinkNotFound (404) when it was not signed here or the order
    is gone, PaymentLinkExpired (410) once the order's payment timer has ended."""
    try:
        claims = signing.loads(token, salt=SALT)
        order_pk, until = int(claims["order"]), datetime.fromtimestamp(int(claims["until"]), tz=UTC)
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise PaymentLinkNotFound() from error
    order = Order.objects.select_related("seller").prefetch_related("items", "payments").filter(pk=order_pk).first()
    if order is None:
        raise PaymentLinkNotFound()
    if timezone.now() >= until:
        raise PaymentLinkExpired(details={"expired_at": until.isoformat().replace("+00:00", "Z")})
    return order
