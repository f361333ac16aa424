from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from orders.models import Order, OrderStatus, Payment, PaymentMethod, StockReservation
from tests.accounts.factories import UserFactory


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    buyer = factory.SubFactory(UserFactory, account_type="buyer")
    seller = factory.SubFactory(UserFactory, account_type="seller")
    status = OrderStatus.PENDING
    payment_method = PaymentMethod.CARD
    currency = "GHS"
    subtotal = Decimal("50.00")
    shipping_fee = Decimal("0.00")
    total_amount = factory.LazyAttribute(lambda o: o.subtotal + o.shipping_fee)
    full_name = "Kwame Mensah"
    phone = "+233501234567"
    address_line1 = "12 Oxford Street"
    city = "Accra"
    country = "Ghana"
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=15))


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    order = factory.SubFactory(OrderFactory)
    method = factory.LazyAttribute(lambda p: p.order.payment_method)
    amount = factory.LazyAttribute(lambda p: p.order.total_amount)
    currency = factory.LazyAttribute(lambda p: p.order.currency)
    reference = factory.Sequence(lambda n: f"SFTEST{n:04d}-REF")


def hold(product, quantity, *, variant=None, expired=False) -> StockReservation:
    """Another buyer's unpaid order holding `quantity` of the product."""
    expires_at = timezone.now() + (timedelta(minutes=-1) if expired else timedelta(minutes=15))
    order = OrderFactory(seller=product.seller, expires_at=expires_at)
    return StockReservation.objects.create(order=order, product=product, variant=variant, quantity=quantity,
                                           expires_at=expires_at)
