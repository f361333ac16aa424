"""Checkout: the cart lines of one seller become an order, in one transaction that re-checks each
line against the locked products, holds their stock, snapshots what was bought and opens the
payment timer (cash on delivery: the seller's time to confirm). Any line that cannot be ordered as
it is fails the whole checkout (409), and so does a buyer past their limits on open orders; a buyer
who left too many orders unpaid lately waits (429)."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import User
from orders import notifications
from orders.availability import held_by
from orders.errors import (
    CartEmpty,
    CheckoutFailed,
    CurrencyMismatch,
    CustomerEmailRequired,
    HoldLimitReached,
    MethodUnavailable,
    OrderTooLarge,
    ProductNotFound,
    SellerRequired,
    TooManyAbandonedOrders,
    TooManyOpenOrders,
    VariantRequired,
    VerificationRequired,
)
from orders.gateways import GatewayNotConfigured, gateway_for_method, methods_without_email
from orders.gateways.base import PaymentGateway
from orders.lines import LineIssue, line_state
from orders.mobile_money import network_of
from orders.models import (
    CartItem,
    Order,
    OrderEvent,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentMethod,
)
from orders.pricing import shipping_fee_for, unit_price
from orders.references import new_payment_reference
from orders.selectors import (
    ABANDONED_WINDOW,
    abandoned_orders,
    buyer_caps,
    cart_items,
    seller_told_at_checkout,
)
from orders.services import stock
from orders.services.cart import locked_cart
from orders.signals import order_placed
from products.models import Product, ProductHistory, Variant
from sellflow.money import MAX_AMOUNT
from sellflow.platforms import source_from
from sellflow.referrals import Referral
from sellflow.transactions import after_commit_batched

ADDRESS_FIELDS = ("full_name", "phone", "address_line1", "address_line2", "city", "state", "postal_code",
                  "country", "delivery_instructions")


def _latest_history(product_ids: list[int]) -> dict[int, int | None]:
    latest = ProductHistory.objects.filter(product=OuterRef("pk")).order_by("-created_at", "-id").values("pk")[:1]
    return dict(Product.objects.filter(pk__in=product_ids).annotate(h=Subquery(latest)).values_list("pk", "h"))


def _image_path(product: Product) -> str:
    images = list(product.images.all())
    if not images:
        return ""
    return default_storage.url((images[0].thumbnail or images[0].image).name)


def _create_order(**fields: object) -> Order:
    # Eight characters from 32 make a collision rare, not impossible: draw again if it happens.
    for _ in range(5):
        try:
            with transaction.atomic():
                return Order.objects.create(**fields)
        except IntegrityError as error:
            if "order_id" not in str(error):
                raise
    raise RuntimeError("could not draw a free order id")


@transaction.atomic
def checkout(*, user: User, payment_method: str, seller_id: int | None = None, source: str = "direct",
             buyer_note: str = "", accept_price_changes: bool = False, mobile_money_provider: str = "",
             wallet_number: str = "", referral: Referral | None = None, **address: str) -> Order:
    """Order the cart's lines of one seller: prepare the cart, check the buyer's limits, then place
    the order (order_place) and take its lines out of the cart. Each phase raises its own domain
    error; nothing is written before the creation. A referral from one of this seller's posts
    credits the order to it (its platform becomes the source)."""
    _check_payment_method(user, payment_method)
    items = _seller_lines(user, seller_id)
    now = timezone.now()
    _check_buyer_limits(user, lines_of(items), now=now)
    order = order_place(buyer=user, actor=user, items=items, payment_method=payment_method, source=source,
                        referral=referral, buyer_note=buyer_note, accept_price_changes=accept_price_changes,
                        mobile_money_provider=mobile_money_provider, wallet_number=wallet_number, now=now,
                        **address)
    _take_lines_out_of_cart(items)
    return order


@transaction.atomic
def order_for_buyer(*, seller: User, buyer: User | None, lines: list[stock.Line], payment_method: str, source: str,
                    buyer_note: str = "", mobile_money_provider: str = "", wallet_number: str = "", email: str = "",
                    **address: str) -> Order:
    """A seller orders their own products for one of their buyers (from a conversation): the lines
    are named, not taken from a cart. The seller chooses what to hold, so the buyer's limits on
    open orders (there against one account taking a seller's stock off sale) do not apply, nor does
    cash on delivery's verified email; the stock, the prices of today and the payment timer are
    checkout's (order_place). A product or variant that is not the seller's is ProductNotFound.
    With no buyer it is a guest order (source `chat`): its contact is the address, and `email`,
    which a gateway that needs the payer's email (Paystack) cannot do without (CustomerEmailRequired)."""
    if payment_method != PaymentMethod.CASH_ON_DELIVERY:
        _check_payer_email(_check_gateway(payment_method), payment_method, buyer.email if buyer else email)
    items = lines_as_items(seller=seller, lines=lines)
    return order_place(buyer=buyer, actor=seller, items=items, payment_method=payment_method, source=source,
                       buyer_note=buyer_note, mobile_money_provider=mobile_money_provider,
                       wallet_number=wallet_number, now=timezone.now(), email="" if buyer else email, **address)


def order_place(*, buyer: User | None, actor: User, items: list[CartItem], payment_method: str, source: str,
                now: datetime, referral: Referral | None = None, buyer_note: str = "",
                accept_price_changes: bool = False, mobile_money_provider: str = "", wallet_number: str = "",
                email: str = "", **address: str) -> Order:
    """Place one seller's order for `buyer` (None: a guest order) from its lines (a cart's, or
    unsaved ones named by the seller): check the lines against the locked stock, work out the
    order, then create it with its payment, holds and timeline, tell the seller when they must act
    now and announce the order after commit (orders.signals). Call inside a transaction."""
    lines = lines_of(items)
    _check_lines_in_stock(buyer, items, lines, now=now, accept_price_changes=accept_price_changes)
    data = _work_out_order(items)
    order = _create_order(
        buyer=buyer, seller=data.seller, payment_method=payment_method,
        **_attribution(referral, buyer=buyer, seller=data.seller, source=source),
        currency=data.currency, subtotal=data.subtotal, shipping_fee=data.shipping_fee, total_amount=data.total,
        buyer_note=buyer_note, email=email,
        expires_at=_hold_until(payment_method, now), **{f: address.get(f, "") for f in ADDRESS_FIELDS},
    )
    _create_items(order, data.priced)
    _create_payment(order, mobile_money_provider=mobile_money_provider, wallet_number=wallet_number)
    _hold_stock(order, lines)
    _open_timeline(order, actor=actor)
    _tell_seller_at_checkout(order)
    after_commit_batched(order_placed, sender=Order, ids=[order.pk])
    return order


def lines_of(items: list[CartItem]) -> list[stock.Line]:
    return [stock.Line(item.product_id, item.variant_id, item.quantity) for item in items if item.product_id]


def lines_as_items(*, seller: User, lines: list[stock.Line]) -> list[CartItem]:
    """The seller's named lines as unsaved cart lines at today's prices, so they are checked and
    priced as a cart's are. A product (alive) or variant that is not the seller's is not found."""
    products = {product.pk: product for product in Product.objects.alive().filter(
        seller=seller, pk__in={line.product_id for line in lines}).select_related("seller")}
    variants: dict[int, list[Variant]] = {}
    for variant in Variant.objects.filter(product__in=list(products)):
        variants.setdefault(variant.product_id, []).append(variant)
    items = []
    for line in lines:
        product = products.get(line.product_id)
        variant = next((v for v in variants.get(line.product_id, []) if v.pk == line.variant_id), None)
        if product is None or (line.variant_id is not None and variant is None):
            raise ProductNotFound(details={"product_id": line.product_id, "variant_id": line.variant_id})
        if variant is None and variants.get(product.pk):
            raise VariantRequired(details={"product_id": product.pk,
                                           "variant_ids": [v.pk for v in variants[product.pk]]})
        items.append(CartItem(product=product, seller=seller, variant=variant, quantity=line.quantity,
                              product_name=product.name, variant_name=variant.name if variant else "",
                              price_when_added=unit_price(product, variant)))
    return items


def _attribution(referral: Referral | None, *, buyer: User | None, seller: User, source: str) -> dict:
    """The order's source, and the post that brought the buyer when the referral is one of this
    seller's (a visit to another seller's post credits nothing here) and its visit is this buyer's:
    the first buyer to order with it claims it, so a product link passed on with its referral
    credits nobody else."""
    if referral is None or referral.seller_id != seller.pk or Order.objects.filter(
            referral_click_id=referral.click_id).exclude(buyer=buyer).exists():
        return {"source": source_from(source)}
    return {"source": source_from(referral.platform), "referral_click_id": referral.click_id,
            "referral_post_id": referral.post_id, "referred_at": referral.clicked_at}


# --- Prepare: the payment method and the cart ---------------------------------------------------

def _check_payment_method(user: User, payment_method: str) -> None:
    if payment_method == PaymentMethod.CASH_ON_DELIVERY:
        if not user.is_verified:  # days of held stock, on the word of an account anyone can open
            raise VerificationRequired(details={"payment_method": payment_method})
        return
    _check_gateway(payment_method)


def _check_gateway(payment_method: str) -> PaymentGateway:
    try:  # no stock is held for a payment nobody here can take
        return gateway_for_method(payment_method)
    except GatewayNotConfigured as error:
        raise MethodUnavailable(details={"payment_method": payment_method}) from error


def _check_payer_email(gateway: PaymentGateway, payment_method: str, email: str) -> None:
    """Nor for one its gateway would refuse for want of the payer's email: the seller hears which
    methods would do (cash on delivery always does)."""
    if email or not gateway.needs_email:
        return
    online = [method for method in PaymentMethod.values if method not in (payment_method,
                                                                          PaymentMethod.CASH_ON_DELIVERY)]
    alternatives = [*methods_without_email(online), PaymentMethod.CASH_ON_DELIVERY]
    raise CustomerEmailRequired(
        gateway_label=gateway.label, method_label=method_words(payment_method),
        alternatives=[method_words(method) for method in alternatives],
        details={"field": "email", "gateway": gateway.name, "payment_method": payment_method,
                 "choices": alternatives})


def method_words(method: str) -> str:
    """A payment method's name inside a sentence: "mobile money", "PayPal"."""
    label = PaymentMethod(method).label
    return label if label[1:] != label[1:].lower() else label.lower()


def _seller_lines(user: User, seller_id: int | None) -> list[CartItem]:
    """The cart's lines of the seller this order is for, the cart locked: the buyer's cart
    changes and checkouts queue one behind the other. The seller may go unsaid when there is one."""
    items = cart_items(locked_cart(user))
    if not items:
        raise CartEmpty()
    sellers = sorted({item.seller_id for item in items if item.seller_id is not None})
    if seller_id is None:
        if len(sellers) > 1:
            raise SellerRequired(details={"seller_ids": sellers})
        seller_id = sellers[0] if sellers else None
    elif seller_id not in sellers:
        raise DjangoValidationError({"seller_id": "The cart holds nothing from this seller."})
    return [item for item in items if item.seller_id == seller_id]


# --- The buyer's limits -------------------------------------------------------------------------

def _check_abandoned(user: User, *, now: datetime) -> None:
    """Cancelling an unpaid order frees its open-order slot at once, so the caps alone would let
    one account take a product off sale again and again: past ORDER_MAX_ABANDONED_PER_DAY such
    orders in 24 hours it waits until the oldest of them leaves the window (0: no limit)."""
    limit = settings.ORDER_MAX_ABANDONED_PER_DAY
    if limit <= 0:
        return
    latest = list(abandoned_orders(buyer=user, now=now).values_list("abandoned_at", flat=True)[:limit])
    if len(latest) < limit:
        return
    frees_up = latest[-1] + ABANDONED_WINDOW
    wait = max(math.ceil((frees_up - now).total_seconds()), 1)
    raise TooManyAbandonedOrders(
        details={"limit": limit, "window_hours": int(ABANDONED_WINDOW.total_seconds() // 3600),
                 "retry_after": wait, "retry_at": frees_up.isoformat().replace("+00:00", "Z")},
        headers={"Retry-After": str(wait)})


def _check_buyer_limits(user: User, lines: list[stock.Line], *, now: datetime) -> None:
    """One account may not take a seller's stock off sale: its open (unpaid or unconfirmed)
    orders, the units they hold of any one product, and the orders it left unpaid lately are
    capped. Call under the buyer's cart lock, which queues their checkouts one behind the other,
    so two at once cannot both pass."""
    _check_abandoned(user, now=now)
    open_limit, units_limit = buyer_caps(buyer=user)
    verified = {} if user.is_verified else {"verified": False}  # confirming the email raises the caps
    open_orders = Order.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), buyer=user,
                                       status=OrderStatus.PENDING).count()
    if open_orders >= open_limit:
        raise TooManyOpenOrders(details={"open_orders": open_orders, "limit": open_limit, **verified})
    wanted: dict[int, int] = {}
    for line in lines:
        wanted[line.product_id] = wanted.get(line.product_id, 0) + line.quantity
    held = held_by(user, wanted, now=now)
    for product_id, quantity in wanted.items():
        if held.get(product_id, 0) + quantity > units_limit:
            raise HoldLimitReached(details={"product_id": product_id, "held": held.get(product_id, 0),
                                            "requested": quantity, "limit": units_limit, **verified})


# --- The lines and their stock ------------------------------------------------------------------

def _check_lines_in_stock(user: User | None, items: list[CartItem], lines: list[stock.Line], *, now: datetime,
                          accept_price_changes: bool) -> None:
    """Lock the lines' products and check every line against the rows as they are now: a line
    that cannot be ordered as it is fails the checkout, with every such line in its details."""
    locked = stock.lock_products(item.product_id for item in items if item.product_id)
    for item in items:
        if item.product_id in locked:
            fresh = locked[item.product_id]
            fresh.seller = item.product.seller
            item.product = fresh
    short = stock.shortfalls(lines, locked, now=now)
    failures = [failure for item in items
                if (failure := _line_failure(user, item, short.get((item.product_id, item.variant_id)),
                                             accept_price_changes=accept_price_changes))]
    if failures:
        raise CheckoutFailed(details={"lines": failures})


def _line_failure(user: User | None, item: CartItem, available: int | None, *,
                  accept_price_changes: bool) -> dict | None:
    """Why this line cannot be ordered as it is (None: it can). `available` is set when the
    stock falls short of the line."""
    issue, price = line_state(item, item.quantity if available is None else available)
    if issue == LineIssue.PRICE_CHANGED and accept_price_changes:
        issue = None
    if user is not None and item.product is not None and item.product.seller_id == user.pk:
        issue = "own_product"
    if not issue:
        return None
    return {"item_id": item.pk, "product_id": item.product_id, "variant_id": item.variant_id,
            "issue": str(issue), "available": available, "price": f"{price:.2f}" if price is not None else None,
            "price_when_added": f"{item.price_when_added:.2f}"}


# --- The order's data ---------------------------------------------------------------------------

@dataclass(frozen=True)
class OrderData:
    seller: User
    currency: str
    priced: list[tuple[CartItem, Decimal]]  # each line with its unit price
    subtotal: Decimal
    shipping_fee: Decimal

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping_fee


def _work_out_order(items: list[CartItem]) -> OrderData:
    """One currency, today's prices, the seller's shipping fee, and a total one order can hold."""
    currencies = {item.product.currency for item in items}
    if len(currencies) > 1:
        raise CurrencyMismatch(details={"currencies": sorted(currencies)})
    seller = items[0].product.seller
    priced = [(item, line_state(item, item.quantity)[1]) for item in items]
    subtotal = sum((price * item.quantity for item, price in priced), start=0)
    data = OrderData(seller=seller, currency=currencies.pop(), priced=priced, subtotal=subtotal,
                     shipping_fee=shipping_fee_for(seller, subtotal))
    if data.total > MAX_AMOUNT:  # every line and the subtotal are no larger: all fit
        raise OrderTooLarge(details={"total": f"{data.total:.2f}", "largest": f"{MAX_AMOUNT:.2f}"})
    return data


def _hold_until(payment_method: str, now: datetime) -> datetime:
    if payment_method == PaymentMethod.CASH_ON_DELIVERY:
        return now + timedelta(hours=settings.COD_CONFIRM_HOURS)
    return now + timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES)


# --- Create: the order's items, its payment, its holds, its timeline, the cart ------------------

def _create_items(order: Order, priced: list[tuple[CartItem, Decimal]]) -> None:
    """What was bought, as it was: names, SKU, image and price stay with the order."""
    history = _latest_history([item.product_id for item, _ in priced])
    OrderItem.objects.bulk_create([
        OrderItem(order=order, product=item.product, variant=item.variant, history_id=history.get(item.product_id),
                  product_name=item.product.name, variant_name=item.variant.name if item.variant else "",
                  sku=(item.variant.sku if item.variant and item.variant.sku else item.product.sku),
                  image=_image_path(item.product), unit_price=price, quantity=item.quantity,
                  total=price * item.quantity)
        for item, price in priced
    ])


def _create_payment(order: Order, *, mobile_money_provider: str, wallet_number: str) -> Payment:
    """The order's payment. A mobile money wallet's network, when the buyer did not name it, is
    told from its number; a number that does not tell leaves it for the payment to ask."""
    if order.payment_method == PaymentMethod.MOBILE_MONEY and not mobile_money_provider:
        mobile_money_provider = network_of(wallet_number)
    return Payment.objects.create(
        order=order, method=order.payment_method, mobile_money_provider=mobile_money_provider,
        wallet_number=wallet_number, amount=order.total_amount, currency=order.currency,
        reference=new_payment_reference(order),
    )


def _hold_stock(order: Order, lines: list[stock.Line]) -> None:
    """Hold the order's stock until its timer ends."""
    stock.reserve(order=order, lines=lines, expires_at=order.expires_at)


def _open_timeline(order: Order, *, actor: User) -> None:
    OrderEvent.objects.create(order=order, to_status=OrderStatus.PENDING, actor=actor,
                              note=notifications.ORDER_PLACED_NOTE)


def _take_lines_out_of_cart(items: list[CartItem]) -> None:
    CartItem.objects.filter(pk__in=[item.pk for item in items]).delete()


def _tell_seller_at_checkout(order: Order) -> None:
    """A cash-on-delivery order's seller hears at once (an online order's, once it is paid)."""
    if seller_told_at_checkout(order=order):
        notifications.cod_order_placed(order)
