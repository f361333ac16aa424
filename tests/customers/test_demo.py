import pytest
from django.core.management import call_command

from accounts.demo import demo_buyer, demo_seller
from customers.models import Customer

pytestmark = pytest.mark.django_db


def test_the_demo_seller_has_customers_who_ordered_and_who_only_wrote():
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent

    customers = Customer.objects.filter(seller=demo_seller())
    ordered = customers.get(buyer=demo_buyer())
    # The paid order is spent; the cash one and the one built in chat (chat's demo) wait.
    assert ordered.orders_count == 3 and ordered.total_spent > 0
    assert customers.count() == 3
    assert set(customers.values_list("handles__platform", flat=True)) == {None, "instagram", "whatsapp"}
