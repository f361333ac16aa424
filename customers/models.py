"""A seller's customers. One Customer per person per seller, found again by any of what the seller
knows of them: their buyer account, email, phone or a platform handle. Each identifier is unique
per seller (email and phone when given), so two requests for the same person meet at the
database, never as two customers."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.validators import validate_e164
from sellflow.platforms import Platform


class Customer(models.Model):
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customers")
    # The buyer account, when the customer has one (a customer who only chats on a platform has none).
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="as_customer")
    name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)  # kept lower-cased: matched as the same address in any case
    phone = models.CharField(max_length=16, blank=True, validators=[validate_e164])
    language = models.CharField(max_length=10, blank=True)
    country = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True, max_length=5000)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    # Recomputed from the orders table whenever the orders app announces a change of the buyer's
    # orders (customers.receivers); what they count is customers.selectors.order_figures.
    orders_count = models.PositiveIntegerField(default=0)
    total_spent = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"),
                                      help_text="In the seller's currency.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_seen", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "buyer"], condition=Q(buyer__isnull=False),
                                    name="customer_once_per_buyer"),
            models.UniqueConstraint(fields=["seller", "email"], condition=~Q(email=""), name="customer_once_per_email"),
            models.UniqueConstraint(fields=["seller", "phone"], condition=~Q(phone=""), name="customer_once_per_phone"),
        ]
        indexes = [models.Index(fields=["seller", "-last_seen"], name="customer_seller_recent")]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or f"customer {self.pk}"


class CustomerHandle(models.Model):
    """The customer on a platform: their id there (what messages arrive from) and username."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="handles")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    platform_user_id = models.CharField(max_length=100)
    username = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["platform", "pk"]
        constraints = [models.UniqueConstraint(fields=["seller", "platform", "platform_user_id"],
                                               name="customer_handle_once_per_seller")]

    def __str__(self) -> str:
        return f"{self.platform}:{self.username or self.platform_user_id}"


def tag_name(value: str) -> str:
    """A tag as it is kept: spaces collapsed, lower case ("VIP " and "vip" are one tag)."""
    return " ".join(value.split()).lower()


class CustomerTag(models.Model):
    """A seller's word for a customer ("vip", "wholesale"): rows, not a list in the customer, so
    that `?tag=` and the coming segments filter on an index on every database."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tags")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["customer", "name"], name="customer_tag_once")]
        indexes = [models.Index(fields=["seller", "name"], name="customer_tag_seller_name")]

    def __str__(self) -> str:
        return self.name


class GuestOrder(models.Model):
    """An order the seller placed for this customer from a conversation while the customer had no
    buyer account (the order's buyer is null): how the customer's figures and order list find it.
    Written by chat in the order's own transaction; an account's orders need no link."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="guest_orders")
    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="guest_order")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"order {self.order_id} for customer {self.customer_id}"
