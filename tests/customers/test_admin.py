import pytest

from customers.models import CustomerTag
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_operators_find_customers_and_see_their_handles_and_tags(operator_client):
    ama = CustomerFactory(name="Ama Mensah", tag_names=["vip"], handles=[("instagram", "1789", "ama.styles")])
    CustomerFactory(name="Kofi Boateng")

    listing = operator_client.get("/admin/customers/customer/", {"q": "ama.styles"})
    detail = operator_client.get(f"/admin/customers/customer/{ama.pk}/change/")

    assert listing.status_code == 200 and "Ama Mensah" in listing.text and "Kofi" not in listing.text
    assert detail.status_code == 200 and "ama.styles" in detail.text and "vip" in detail.text


def test_a_tag_added_by_an_operator_is_the_customers_sellers(operator_client):
    customer = CustomerFactory(name="Ama Mensah", email="ama@example.com")
    form = {
        "seller": customer.seller_id, "name": "Ama Mensah", "email": "ama@example.com", "phone": "",
        "language": "", "country": "", "notes": "",
        "handles-TOTAL_FORMS": "0", "handles-INITIAL_FORMS": "0",
        "tags-TOTAL_FORMS": "1", "tags-INITIAL_FORMS": "0", "tags-0-name": "wholesale",
    }

    response = operator_client.post(f"/admin/customers/customer/{customer.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(CustomerTag.objects.values_list("name", "seller")) == [("wholesale", customer.seller_id)]
