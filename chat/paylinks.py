"""Payment links: a signed token naming an order and the end of its payment timer, opened without
an account by whoever the seller sent it to in a conversation."""

from datetime import UTC, datetime

from django.conf import settings
from django.core import signing
from django.utils import timezone

from chat.errors import PaymentLinkExpired, PaymentLinkNotFound
from orders.models import Order

SALT = "chat.payment-link"


def payment_link_token(order: Order) -> str:
    """The order's token, valid until its payment timer ends (order.expires_at)."""
    return signing.dumps({"order": order.pk, "until": int(order.expires_at.timestamp())}, salt=SALT, compress=True)


def payment_link_url(order: Order) -> str:
    """The frontend's payment page, the token in its fragment: a browser never sends a fragment to
    a server (nor in a Referer), and a chat app's link preview fetches the page without it, so the
    token reaches no server's log on the way. The page reads it and calls
    `GET/POST /api/chat/pay/{token}/`."""
    return f"{settings.FRONTEND_URL}/pay#{payment_link_token(order)}"


def payment_link_claims(token: str) -> tuple[int, datetime]:
    """The order's pk and the link's end a token carries, checked only for its signature (no
    query): PaymentLinkNotFound (404) when it was not signed here."""
    try:
        claims = signing.loads(token, salt=SALT)
        return int(claims["order"]), datetime.fromtimestamp(int(claims["until"]), tz=UTC)
    except (signing.BadSignature, KeyError, TypeError, ValueError, OverflowError, OSError) as error:
        raise PaymentLinkNotFound() from error


def payment_link_order(token: str) -> Order:
    """The order a token names: PaymentLinkNotFound (404) when it was not signed here or the order
    is gone, PaymentLinkExpired (410) once the order's payment timer has ended."""
    order_pk, until = payment_link_claims(token)
    order = Order.objects.select_related("seller").prefetch_related("items", "payments").filter(pk=order_pk).first()
    if order is None:
        raise PaymentLinkNotFound()
    if timezone.now() >= until:
        raise PaymentLinkExpired(details={"expired_at": until.isoformat().replace("+00:00", "Z")})
    return order
