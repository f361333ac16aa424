"""Customers, written: finding a seller's customer from whatever identifies them (one service for
checkouts, conversations and platform messages alike), and keeping what the seller knows current."""

from dataclasses import dataclass, replace
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from customers.models import Customer, CustomerHandle

MATCH_ATTEMPTS = 3


@dataclass(frozen=True)
class Identity:
    """What is known of a person: any one of the first four finds them again."""

    buyer: User | None = None
    email: str = ""
    phone: str = ""  # E.164
    handle: tuple[str, str] | None = None  # (platform, platform_user_id)
    username: str = ""  # on the handle's platform
    name: str = ""

    def normalized(self) -> "Identity":
        return replace(self, email=self.email.strip().lower(), phone=self.phone.strip(), name=self.name.strip(),
                       username=self.username.strip())

    @property
    def is_known(self) -> bool:
        return bool(self.buyer or self.email or self.phone or self.handle)


def customer_match(*, seller: User, identity: Identity, seen_at: datetime | None = None) -> Customer:
    """The seller's customer that any identifier of `identity` names (the buyer account first, then
    the platform handle, the email, the phone), or a new one. What the customer lacks is added when
    no other customer of the seller holds it; `last_seen` moves on. Race-free: the identifiers are
    unique per seller, so two requests for the same new person create one customer, and the one
    that loses finds it."""
    identity = identity.normalized()
    if not identity.is_known:
        raise ValueError("a customer is matched by a buyer account, an email, a phone or a platform handle")
    seen_at = seen_at or timezone.now()
    for attempt in range(MATCH_ATTEMPTS):
        try:
            with transaction.atomic():
                customer = customer_find(seller=seller, identity=identity)
                if customer is None:
                    return customer_create(seller=seller, identity=identity, seen_at=seen_at)
                customer_complete(customer, identity, seen_at=seen_at)
                return customer
        except IntegrityError:
            if attempt == MATCH_ATTEMPTS - 1:
                raise  # not a race any more
    raise AssertionError("unreachable")


def customer_find(*, seller: User, identity: Identity) -> Customer | None:
    named = Q()
    if identity.buyer:
        named |= Q(buyer=identity.buyer)
    if identity.handle:
        named |= Q(handles__platform=identity.handle[0], handles__platform_user_id=identity.handle[1])
    if identity.email:
        named |= Q(email=identity.email)
    if identity.phone:
        named |= Q(phone=identity.phone)
    candidates = list(Customer.objects.filter(named, seller=seller).distinct().prefetch_related("handles"))
    for holds in (holds_buyer, holds_handle, holds_email, holds_phone):
        for candidate in candidates:
            if holds(candidate, identity):
                return candidate
    return None


def holds_buyer(customer: Customer, identity: Identity) -> bool:
    return identity.buyer is not None and customer.buyer_id == identity.buyer.pk


def holds_handle(customer: Customer, identity: Identity) -> bool:
    return identity.handle is not None and any(
        (handle.platform, handle.platform_user_id) == identity.handle for handle in customer.handles.all())


def holds_email(customer: Customer, identity: Identity) -> bool:
    return bool(identity.email) and customer.email == identity.email


def holds_phone(customer: Customer, identity: Identity) -> bool:
    return bool(identity.phone) and customer.phone == identity.phone


def customer_create(*, seller: User, identity: Identity, seen_at: datetime) -> Customer:
    customer = Customer.objects.create(
        seller=seller, buyer=identity.buyer, email=identity.email, phone=identity.phone,
        name=identity.name or identity.username or (identity.buyer.display_name if identity.buyer else ""),
        first_seen=seen_at, last_seen=seen_at)
    if identity.handle:
        CustomerHandle.objects.create(customer=customer, seller=seller, platform=identity.handle[0],
                                      platform_user_id=identity.handle[1], username=identity.username)
    return customer


def customer_complete(customer: Customer, identity: Identity, *, seen_at: datetime) -> None:
    """Add what `identity` tells that the customer lacks, each only if no other customer of the
    seller holds it (a savepoint each: one taken identifier never undoes the others)."""
    changes = {"last_seen": max(customer.last_seen, seen_at)}
    if not customer.name and (identity.name or identity.username):
        changes["name"] = identity.name or identity.username
    for field, value in (("buyer", identity.buyer), ("email", identity.email), ("phone", identity.phone)):
        if value and not getattr(customer, field):
            if try_write(Customer.objects.filter(pk=customer.pk), **{field: value}):
                setattr(customer, field, value)
    if identity.handle and not holds_handle(customer, identity):
        try_create_handle(customer, identity)
    Customer.objects.filter(pk=customer.pk).update(**changes)
    for field, value in changes.items():
        setattr(customer, field, value)


def try_write(rows, **values) -> bool:
    try:
        with transaction.atomic():
            return bool(rows.update(**values))
    except IntegrityError:  # another customer of the seller holds it
        return False


def try_create_handle(customer: Customer, identity: Identity) -> None:
    try:
        with transaction.atomic():
            CustomerHandle.objects.create(customer=customer, seller_id=customer.seller_id,
                                          platform=identity.handle[0], platform_user_id=identity.handle[1],
                                          username=identity.username)
    except IntegrityError:  # another customer of the seller holds it
        pass
