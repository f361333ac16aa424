"""The one matching service: whatever identifies a person finds the seller's same customer."""

import pytest

from customers.models import Customer
from customers.services import Identity, customer_match
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller():
    return UserFactory(account_type="seller")


def test_any_identifier_finds_the_same_customer_and_adds_what_it_lacks(seller):
    buyer = UserFactory(account_type="buyer", email="ama@example.com")
    first, created = customer_match(seller=seller, identity=Identity(email="Ama@Example.com ", name="Ama"))

    by_phone, _ = customer_match(seller=seller, identity=Identity(email="ama@example.com", phone="+233501234567"))
    by_handle, _ = customer_match(seller=seller, identity=Identity(phone="+233501234567",
                                                                   handle=("instagram", "1789"), username="ama.k"))
    by_buyer, found_again = customer_match(seller=seller, identity=Identity(buyer=buyer, handle=("instagram", "1789")))

    assert (created, found_again) == (True, False)
    assert first.pk == by_phone.pk == by_handle.pk == by_buyer.pk
    stored = Customer.objects.get()
    assert (stored.email, stored.phone, stored.buyer, stored.name) == ("ama@example.com", "+233501234567", buyer, "Ama")
    assert [(h.platform, h.platform_user_id, h.username) for h in stored.handles.all()] == [
        ("instagram", "1789", "ama.k")]


def test_customers_are_each_sellers_own(seller):
    other = UserFactory(account_type="seller")

    mine, _ = customer_match(seller=seller, identity=Identity(email="kofi@example.com"))
    theirs, _ = customer_match(seller=other, identity=Identity(email="kofi@example.com"))

    assert mine.pk != theirs.pk and Customer.objects.count() == 2


def test_an_identifier_another_customer_holds_is_not_taken_from_them(seller):
    ama, _ = customer_match(seller=seller, identity=Identity(email="ama@example.com"))
    kofi, _ = customer_match(seller=seller, identity=Identity(phone="+233201234567"))

    found, _ = customer_match(seller=seller, identity=Identity(email="ama@example.com", phone="+233201234567"))

    assert found.pk == ama.pk
    ama.refresh_from_db()
    kofi.refresh_from_db()
    assert (ama.phone, kofi.phone) == ("", "+233201234567")


def test_nothing_to_match_by_is_refused(seller):
    with pytest.raises(ValueError):
        customer_match(seller=seller, identity=Identity(name="Someone"))


def test_a_customer_bound_to_one_account_is_never_handed_to_another(seller):
    """An address its first owner gave up, verified later by someone else, finds no customer of the
    first owner's: the new account becomes a customer of its own, without the address."""
    first_owner = UserFactory(account_type="buyer", email="ama@example.com")
    theirs, _ = customer_match(seller=seller, identity=Identity(buyer=first_owner, email="ama@example.com"))
    newcomer = UserFactory(account_type="buyer", email="ama.new@example.com")

    found, created = customer_match(seller=seller, identity=Identity(buyer=newcomer, email="ama@example.com"))

    assert created and found.pk != theirs.pk
    assert (found.buyer, found.email) == (newcomer, "")
    again, created_again = customer_match(seller=seller, identity=Identity(buyer=newcomer, email="ama@example.com"))
    assert (again.pk, created_again) == (found.pk, False)
    theirs.refresh_from_db()
    assert (theirs.buyer, theirs.email) == (first_owner, "ama@example.com")
