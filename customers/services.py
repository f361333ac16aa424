"""Customers, written: finding a seller's customer from whatever identifies them (one service for
checkouts, conversations and platform messages alike), what the seller edits, tags and merges, and
the figures of the customer's orders, kept current from the orders app's announcements."""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from customers.errors import (
    BuyerAccountsDiffer,
    CustomerNotFound,
    IdentifierTaken,
    MergeIntoItself,
    OtherCustomerNotFound,
)
from customers.models import Customer, CustomerHandle, CustomerTag, GuestOrder
from customers.selectors import order_figures
from customers.signals import customers_merging
from orders.models import Order

MATCH_ATTEMPTS = 3
# Identifiers unique per seller that a seller may type (the buyer account comes with its orders).
TYPED_IDENTIFIERS = ("email", "phone")
# What a merge or a create-or-find fills in when the customer has nothing there.
FILLABLE_FIELDS = ("name", "language", "country")


@dataclass(frozen=True)
class Identity:
    """What is known of a person: any one of the first four finds them again."""

    buyer: User | None = None
    email: str = ""
    phone: str = ""  # E.164
    handle: tuple[str, str] | None = None  # (platform, platform_user_id)
    # A phone someone typed (an order's shipping phone) is recorded, never matched by: it would hand
    # the customer who owns that number, and their conversations, to whoever typed it.
    phone_proven: bool = True
    username: str = ""  # on the handle's platform
    name: str = ""

    def normalized(self) -> "Identity":
        return replace(self, email=self.email.strip().lower(), phone=self.phone.strip(), name=self.name.strip(),
                       username=self.username.strip())

    @property
    def is_known(self) -> bool:
        return bool(self.buyer or self.email or self.phone or self.handle)


# --- Matching -------------------------------------------------------------------------------------

def customer_match(*, seller: User, identity: Identity, seen_at: datetime | None = None) -> tuple[Customer, bool]:
    """The seller's customer that any identifier of `identity` names (the buyer account first, then
    the platform handle, the email, the phone), or a new one; and whether it is new. What the
    customer lacks is added when no other customer of the seller holds it; `first_seen` and
    `last_seen` widen to `seen_at`. Race-free: the identifiers are unique per seller, so two
    requests for the same new person create one customer, and the one that loses finds it."""
    identity = identity.normalized()
    if not identity.is_known:
        raise ValueError("a customer is matched by a buyer account, an email, a phone or a platform handle")
    seen_at = seen_at or timezone.now()
    for attempt in range(MATCH_ATTEMPTS):
        try:
            with transaction.atomic():
                customer = customer_find(seller=seller, identity=identity)
                if customer is None:
                    return customer_create(seller=seller, identity=identity, seen_at=seen_at), True
                customer_complete(customer, identity, seen_at=seen_at)
                return customer, False
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
    if identity.phone and identity.phone_proven:
        named |= Q(phone=identity.phone)
    candidates = [candidate for candidate in
                  Customer.objects.filter(named, seller=seller).distinct().prefetch_related("handles")
                  if not is_another_account(candidate, identity)]
    for holds in (holds_buyer, holds_handle, holds_email, holds_phone):
        for candidate in candidates:
            if holds(candidate, identity):
                return candidate
    return None


def is_another_account(customer: Customer, identity: Identity) -> bool:
    """A customer bound to another buyer account is that account's person, whatever else they share
    (an address its owner gave up and someone else verified later)."""
    return identity.buyer is not None and customer.buyer_id not in (None, identity.buyer.pk)


def holds_buyer(customer: Customer, identity: Identity) -> bool:
    return identity.buyer is not None and customer.buyer_id == identity.buyer.pk


def holds_handle(customer: Customer, identity: Identity) -> bool:
    return identity.handle is not None and any(
        (handle.platform, handle.platform_user_id) == identity.handle for handle in customer.handles.all())


def holds_email(customer: Customer, identity: Identity) -> bool:
    return bool(identity.email) and customer.email == identity.email


def holds_phone(customer: Customer, identity: Identity) -> bool:
    return bool(identity.phone) and identity.phone_proven and customer.phone == identity.phone


def account_identity(buyer: User, *, name: str = "", phone: str = "") -> Identity:
    """A buyer account as the seller's customers know people: the account, and its email only once
    the account proved it owns it (anyone can register with someone else's address, and a match by
    email hands them that customer's conversations). A phone given is recorded, not matched by."""
    return Identity(buyer=buyer, email=buyer.email if buyer.is_verified else "", phone=phone, phone_proven=False,
                    name=name)


def customer_create(*, seller: User, identity: Identity, seen_at: datetime) -> Customer:
    # With an account, the account is what makes two creations one (unique per seller), and its email
    # is added only if no other customer holds it; without one, the email is.
    email = "" if identity.buyer else identity.email
    customer = Customer.objects.create(
        seller=seller, buyer=identity.buyer, email=email,
        phone=identity.phone if identity.phone_proven else "",
        name=identity.name or identity.username or (identity.buyer.display_name if identity.buyer else ""),
        first_seen=seen_at, last_seen=seen_at)
    if identity.buyer and identity.email and try_write(Customer.objects.filter(pk=customer.pk), email=identity.email):
        customer.email = identity.email
    if identity.phone and not identity.phone_proven:  # recorded unless another customer has that number
        if try_write(Customer.objects.filter(pk=customer.pk), phone=identity.phone):
            customer.phone = identity.phone
    if identity.handle:
        CustomerHandle.objects.create(customer=customer, seller=seller, platform=identity.handle[0],
                                      platform_user_id=identity.handle[1], username=identity.username)
    return customer


def customer_complete(customer: Customer, identity: Identity, *, seen_at: datetime) -> None:
    """Add what `identity` tells that the customer lacks, each only if no other customer of the
    seller holds it (a savepoint each: one taken identifier never undoes the others)."""
    changes = {"first_seen": min(customer.first_seen, seen_at), "last_seen": max(customer.last_seen, seen_at)}
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


# --- What the seller writes -----------------------------------------------------------------------

def customer_add(*, seller: User, identity: Identity, language: str = "", country: str = "", notes: str = "",
                 tags: Iterable[str] = ()) -> tuple[Customer, bool]:
    """A customer the seller enters: found through customer_match when one of the seller's
    customers already has an identifier given (and completed with what it lacks: identifiers held
    by nobody else, blank fields, the tags), else created; and whether it is new."""
    with transaction.atomic():
        customer, created = customer_match(seller=seller, identity=identity)
        blanks = {field: value for field, value in (("language", language), ("country", country), ("notes", notes))
                  if value and not getattr(customer, field)}
        if blanks:
            Customer.objects.filter(pk=customer.pk).update(**blanks, updated_at=timezone.now())
            for field, value in blanks.items():
                setattr(customer, field, value)
        customer_add_tags(customer=customer, names=tags)
    return customer, created


def customer_update(*, customer: Customer, changes: dict) -> Customer:
    """The seller's edits: fields, and `tags` (the whole list) when given. An email or a phone
    another customer of the seller holds is a 409 naming that customer (checked first for the
    message, and by the database's constraint for a change that races)."""
    changes = dict(changes)
    tags = changes.pop("tags", None)
    with transaction.atomic():
        check_identifiers_free(customer, changes)
        for field, value in changes.items():
            setattr(customer, field, value)
        try:
            with transaction.atomic():
                customer.save(update_fields=[*changes, "updated_at"])
        except IntegrityError:
            check_identifiers_free(customer, changes)  # the holder that committed meanwhile
            raise
        if tags is not None:
            customer_set_tags(customer=customer, names=tags)
    return customer


def check_identifiers_free(customer: Customer, changes: dict) -> None:
    for field in TYPED_IDENTIFIERS:
        value = changes.get(field)
        if not value or value == getattr(customer, field):
            continue
        holder = (Customer.objects.filter(seller_id=customer.seller_id, **{field: value})
                  .exclude(pk=customer.pk).values_list("pk", flat=True).first())
        if holder is not None:
            raise IdentifierTaken(details={"field": field, "customer_id": holder})


def customer_set_tags(*, customer: Customer, names: Iterable[str]) -> None:
    """Give the customer exactly these tags (names as the serializer leaves them)."""
    names = list(dict.fromkeys(names))
    CustomerTag.objects.filter(customer=customer).exclude(name__in=names).delete()
    customer_add_tags(customer=customer, names=names)


def customer_add_tags(*, customer: Customer, names: Iterable[str]) -> None:
    CustomerTag.objects.bulk_create(
        [CustomerTag(customer=customer, seller_id=customer.seller_id, name=name) for name in dict.fromkeys(names)],
        ignore_conflicts=True)


# --- Merging ----------------------------------------------------------------------------------------

@transaction.atomic
def customers_merge(*, customer: Customer, other_id: int) -> Customer:
    """Fold the seller's customer `other_id` into `customer`, keeping everything the seller knew of
    both: the other's handles and tags move over, blanks are filled from it, both notes are kept
    (with the other's email and phone when they could not move), first and last seen widen, the
    figures are recomputed and the other is deleted. Both rows are locked in id order, so two
    merges of the same pair cannot cross. The other's guest orders become the kept one's. The apps
    above (chat) move what they hold of the other on `customers_merging`, in this transaction."""
    if other_id == customer.pk:
        raise MergeIntoItself()
    locked = {row.pk: row for row in Customer.objects.select_for_update().filter(
        seller_id=customer.seller_id, pk__in=[customer.pk, other_id]).order_by("pk")}
    if customer.pk not in locked:  # merged into another customer meanwhile
        raise CustomerNotFound()
    if other_id not in locked:
        raise OtherCustomerNotFound(other_id)
    kept, other = locked[customer.pk], locked[other_id]
    if kept.buyer_id and other.buyer_id:
        raise BuyerAccountsDiffer(details={"customer_id": kept.pk, "other": other.pk})
    CustomerHandle.objects.filter(customer=other).update(customer=kept)
    GuestOrder.objects.filter(customer=other).update(customer=kept)
    kept_tags = CustomerTag.objects.filter(customer=kept).values("name")
    CustomerTag.objects.filter(customer=other).exclude(name__in=kept_tags).update(customer=kept)
    merge_fields(kept, other)
    customers_merging.send(sender=Customer, kept=kept, other=other)  # their conversations move
    other.delete()  # frees its buyer, email and phone for the kept customer
    kept.save()
    customer_refresh_figures(customer_id=kept.pk)
    kept.refresh_from_db()
    return kept


def merge_fields(kept: Customer, other: Customer) -> None:
    """The kept customer's fields with the other's: blanks filled, notes of both, seen dates widened."""
    left_behind = []
    for field in ("buyer_id", *TYPED_IDENTIFIERS, *FILLABLE_FIELDS):
        mine, theirs = getattr(kept, field), getattr(other, field)
        if not mine:
            setattr(kept, field, theirs)
        elif theirs and theirs != mine and field in TYPED_IDENTIFIERS:
            left_behind.append(f"{field} {theirs}")
    merged_note = f"Merged with customer {other.pk} ({other})" + (f": {', '.join(left_behind)}." if left_behind
                                                                    else ".")
    kept.notes = "\n\n".join(part for part in (kept.notes, other.notes, merged_note) if part)
    kept.first_seen, kept.last_seen = min(kept.first_seen, other.first_seen), max(kept.last_seen, other.last_seen)


# --- Order figures ----------------------------------------------------------------------------------

def customer_refresh_figures(*, customer_id: int) -> None:
    """Recompute the customer's order figures from the orders table (never incremented: running it
    twice, or late, gives the same figures). The customer's row is locked before the orders are read,
    so of two refreshes the later one writes last and has read every order committed before it."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
        if customer is None:
            return
        figures = order_figures(customer)
        changes = {"orders_count": figures["orders_count"], "total_spent": figures["total_spent"]}
        if figures["first_order_at"] is not None:
            changes["first_seen"] = min(customer.first_seen, figures["first_order_at"])
            changes["last_seen"] = max(customer.last_seen, figures["last_order_at"])
        Customer.objects.filter(pk=customer_id).update(**changes)


def customer_record_guest_order(*, customer: Customer, order: Order) -> GuestOrder:
    """A guest order (no buyer account) the seller placed for the customer: linked to them, so that
    their figures and order list count it. Call in the order's transaction: the order's
    announcement, after commit, finds the link."""
    return GuestOrder.objects.create(customer=customer, order=order)


def order_identity(order: Order) -> Identity:
    """Who placed the order, as the seller's customers know people: the buyer account, its email
    once verified, and the phone the order ships to (recorded, not matched by)."""
    buyer = order.buyer
    return account_identity(buyer, phone=order.phone,
                            name=f"{buyer.first_name} {buyer.last_name}".strip() or order.full_name)


def customers_record_orders(*, order_ids: Iterable[int]) -> None:
    """New orders: each one's buyer becomes (or is found as) a customer of its seller, seen when
    the order was placed, with figures counting it. A guest order's customer is the one it is
    linked to (none linked: nobody to count it for)."""
    orders = Order.objects.filter(pk__in=list(order_ids)).select_related("buyer", "seller", "guest_order")
    for order in orders.order_by("pk"):
        if order.buyer_id is None:
            link = getattr(order, "guest_order", None)
            if link is not None:
                customer_refresh_figures(customer_id=link.customer_id)
            continue
        customer, _ = customer_match(seller=order.seller, identity=order_identity(order), seen_at=order.created_at)
        customer_refresh_figures(customer_id=customer.pk)


def customers_refresh_orders(*, order_ids: Iterable[int]) -> None:
    """Orders that changed status: their customers' figures are recomputed. A buyer who is no
    customer of the seller yet (an order placed before this app, or whose announcement was lost)
    is recorded from the order, as a new order is. A guest order's customer is the one it is
    linked to."""
    orders = Order.objects.filter(pk__in=list(order_ids)).order_by("pk")
    for customer_id in sorted(set(GuestOrder.objects.filter(order__in=orders.filter(buyer__isnull=True))
                                  .values_list("customer_id", flat=True))):
        customer_refresh_figures(customer_id=customer_id)
    orders = orders.filter(buyer__isnull=False)
    pairs = dict.fromkeys(orders.values_list("seller_id", "buyer_id"))
    customers = {(seller_id, buyer_id): pk for pk, seller_id, buyer_id in Customer.objects.filter(
        seller_id__in={seller_id for seller_id, _ in pairs}, buyer_id__in={buyer_id for _, buyer_id in pairs},
    ).values_list("pk", "seller_id", "buyer_id")}
    unknown = []
    for pair in pairs:
        if pair in customers:
            customer_refresh_figures(customer_id=customers[pair])
        else:
            unknown.append(pair)
    if unknown:
        latest = {(seller_id, buyer_id): pk for pk, seller_id, buyer_id in orders.values_list("pk", "seller_id",
                                                                                              "buyer_id")}
        customers_record_orders(order_ids=[latest[pair] for pair in unknown])
