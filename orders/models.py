import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.validators import validate_e164
from sellflow.platforms import Platform

ORDER_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud on WhatsApp


def new_order_id() -> str:
    return "SF" + "".join(secrets.choice(ORDER_ID_ALPHABET) for _ in range(8))


# --- Cart -------------------------------------------------------------------------------------

class Cart(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cart")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"cart of {self.user_id}"


class CartItem(models.Model):
    """A line of the cart. It remembers the name and unit price the buyer saw when adding it, so
    the cart can say what changed since (a product deleted by its seller keeps its line)."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("products.Product", on_delete=models.SET_NULL, null=True, related_name="+")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    variant = models.ForeignKey("products.Variant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    product_name = models.CharField(max_length=200)
    variant_name = models.CharField(max_length=100, blank=True)
    price_when_added = models.DecimalField(max_digits=12, decimal_places=2)
    added_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], condition=Q(variant__isnull=True),
                                    name="orders_cart_line_product"),
            models.UniqueConstraint(fields=["cart", "product", "variant"], condition=Q(variant__isnull=False),
                                    name="orders_cart_line_variant"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name}"


# --- Orders -----------------------------------------------------------------------------------

class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    PROCESSING = "processing", "Processing"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"


# Sales: confirmed (paid, or cash on delivery accepted) and onwards; what revenue and spending count.
SOLD_STATUSES = (OrderStatus.CONFIRMED, OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


class PaymentMethod(models.TextChoices):
    CARD = "card", "Card"
    MOBILE_MONEY = "mobile_money", "Mobile money"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    PAYPAL = "paypal", "PayPal"
    CASH_ON_DELIVERY = "cash_on_delivery", "Cash on delivery"


class MobileMoneyProvider(models.TextChoices):
    """The wallet's network (orders.mobile_money tells it from the number)."""

    MTN = "mtn", "MTN"
    TELECEL = "telecel", "Telecel (formerly Vodafone)"
    AIRTELTIGO = "airteltigo", "AirtelTigo"


class CancelReason(models.TextChoices):
    PAYMENT_TIMEOUT = "payment_timeout", "Payment timeout"
    CONFIRMATION_TIMEOUT = "confirmation_timeout", "Not confirmed by the seller in time"
    BUYER_CANCELLED = "buyer_cancelled", "Cancelled by the buyer"
    SELLER_CANCELLED = "seller_cancelled", "Cancelled by the seller"
    OUT_OF_STOCK = "out_of_stock", "Out of stock"


class Order(models.Model):
    order_id = models.CharField(max_length=10, unique=True, default=new_order_id, editable=False)
    # Null for a guest order: placed by the seller from a conversation for a customer with no
    # buyer account (its source is `chat`), who pays through the payment link. Its contact is the
    # shipping name and phone, and `email` when the seller's customer has one.
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="orders")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sales")
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    source = models.CharField(max_length=10, choices=Platform.choices, default=Platform.DIRECT)
    payment_method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    shipping_fee = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    total_amount = models.DecimalField(max_digits=12, decimal_places=2)

    # Where it goes (the checkout's shipping address, kept as given).
    full_name = models.CharField(max_length=150)
    phone = models.CharField(max_length=16, validators=[validate_e164])
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100)
    delivery_instructions = models.CharField(max_length=500, blank=True)
    email = models.EmailField(blank=True, help_text="A guest order's contact email (the payment gateway's receipt "
                                                    "goes there); an account's order uses the account's.")
    buyer_note = models.CharField(max_length=500, blank=True)

    # Until when a pending order holds its stock: the payment timer of an online order, the
    # seller's time to confirm a cash-on-delivery one (null: no timer, confirmed or older orders).
    expires_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=20, choices=CancelReason.choices, blank=True)
    cancel_note = models.CharField(max_length=500, blank=True)
    carrier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    # The post that brought the buyer, when they came through a social post's link within the
    # attribution window (sellflow.referrals): its click and post, as ids the social app reads.
    referral_click_id = models.PositiveBigIntegerField(null=True, blank=True)
    referral_post_id = models.PositiveBigIntegerField(null=True, blank=True)
    referred_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["buyer", "-created_at"], name="orders_buyer_list"),
            models.Index(fields=["seller", "-created_at"], name="orders_seller_list"),
            models.Index(fields=["expires_at"], condition=Q(status="pending"), name="orders_pending_expiry"),
            models.Index(fields=["referral_click_id"], condition=Q(referral_click_id__isnull=False),
                         name="orders_referral_click"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total_amount=models.F("subtotal") + models.F("shipping_fee")),
                                   name="orders_total_is_subtotal_plus_shipping"),
            models.CheckConstraint(condition=Q(buyer__isnull=False) | Q(source=Platform.CHAT),
                                   name="orders_guest_order_from_chat"),
        ]

    def __str__(self) -> str:
        return self.order_id


class OrderItem(models.Model):
    """What was bought, as it was at checkout: name, sku, variant, unit price and image are
    copied, and `history` points at the product's history entry of that moment."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("products.Product", on_delete=models.SET_NULL, null=True, related_name="+")
    variant = models.ForeignKey("products.Variant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    history = models.ForeignKey("products.ProductHistory", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    product_name = models.CharField(max_length=200)
    variant_name = models.CharField(max_length=100, blank=True)
    sku = models.CharField(max_length=64, blank=True)
    image = models.CharField(max_length=500, blank=True)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    total = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name}"


class OrderEvent(models.Model):
    """One change of an order's status: the order's timeline."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=OrderStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status or '-'} -> {self.to_status}"


class ReservationStatus(models.TextChoices):
    ACTIVE = "active", "Active"  # holds stock until expires_at (or until the seller acts)
    CONVERTED = "converted", "Converted"  # paid or confirmed: taken out of stock for good
    RELEASED = "released", "Released"  # given back: cancelled or timed out


class StockReservation(models.Model):
    """Units of a product (or variant) held for an unpaid or unconfirmed order. Stock on hand is the product's
    stock_quantity; what a buyer can still take is that minus the active, unexpired holds, so an
    expired hold stops counting the moment it expires, whether a worker has run or not."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="reservations")
    product = models.ForeignKey("products.Product", on_delete=models.CASCADE, related_name="reservations")
    variant = models.ForeignKey("products.Variant", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="reservations")
    quantity = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=ReservationStatus.choices, default=ReservationStatus.ACTIVE)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["product", "expires_at"], condition=Q(status="active"), name="orders_active_holds"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.product_id} for {self.order_id} ({self.status})"


# --- Payments ---------------------------------------------------------------------------------

class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # created, not yet sent to a gateway
    PROCESSING = "processing", "Processing"  # at the gateway, waiting on the buyer or the provider
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    FLAGGED = "flagged", "Flagged"  # paid, but not what was asked: an operator looks at it
    REFUNDED = "refunded", "Refunded"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"


class Payment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    mobile_money_provider = models.CharField(max_length=10, choices=MobileMoneyProvider.choices, blank=True)
    wallet_number = models.CharField(max_length=16, blank=True, validators=[validate_e164])
    gateway = models.CharField(max_length=20, blank=True)
    # Ours, sent to the gateway and echoed in its webhooks: how an event finds its payment.
    reference = models.CharField(max_length=40, unique=True)
    transaction_id = models.CharField(max_length=100, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    amount_paid = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    # What the provider says was paid in: refunds go back in it (a flagged payment may differ).
    currency_paid = models.CharField(max_length=3, blank=True)
    amount_refunded = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    failure_reason = models.CharField(max_length=500, blank=True)
    flag_reason = models.CharField(max_length=500, blank=True)
    # A pending mobile-money prompt may extend the payment timer once.
    grace_used = models.BooleanField(default=False)
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_refunded__lte=models.F("amount_paid")),
                                   name="orders_payment_refund_not_above_paid"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.status})"


class AttemptAction(models.TextChoices):
    INITIATE = "initiate", "Initiate"
    VERIFY = "verify", "Verify"
    REFUND = "refund", "Refund"


class PaymentAttempt(models.Model):
    """Every call to a gateway, whatever came of it: the audit trail of the money path."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="attempts")
    gateway = models.CharField(max_length=20)
    action = models.CharField(max_length=10, choices=AttemptAction.choices)
    reference = models.CharField(max_length=60)
    outcome = models.CharField(max_length=10)  # completed | pending | failed | error
    error = models.CharField(max_length=500, blank=True)
    response = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.action} {self.reference}: {self.outcome}"


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # asked; the provider settles it later
    COMPLETED = "completed", "Completed"
    UNKNOWN = "unknown", "Unknown"  # asked, unanswered: the sweep asks again with the same reference
    REFUSED = "refused", "Refused"  # the provider said no: an operator looks at it
    FAILED = "failed", "Failed"  # never sent (no gateway for it here)


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reason = models.CharField(max_length=500)
    restock = models.BooleanField(default=False)
    automatic = models.BooleanField(default=False, help_text="Made by SellFlow (a late payment with no stock left).")
    status = models.CharField(max_length=10, choices=RefundStatus.choices)
    refund_id = models.CharField(max_length=100, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"refund {self.amount} of {self.payment_id}"


class WebhookEvent(models.Model):
    """A provider's event, stored once per (gateway, event id): a replay changes nothing."""

    gateway = models.CharField(max_length=20)
    event_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=100)
    reference = models.CharField(max_length=60, blank=True, db_index=True)
    payload = models.JSONField()
    outcome = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["gateway", "event_id"], name="orders_webhook_event_once")]

    def __str__(self) -> str:
        return f"{self.gateway} {self.event_type} {self.event_id}"
