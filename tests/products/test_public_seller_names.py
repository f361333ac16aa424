"""Issue 11, Low: the public catalog names a seller by their business, else their name, else
"Seller 12", never by their email address; cached pages follow a change of name."""

import pytest

from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

LIST = "/api/products/public/list/"


def test_a_nameless_seller_is_shown_by_number_and_a_new_name_shows_at_once(api_client, settings,
                                                                         django_capture_on_commit_callbacks):
    settings.PUBLIC_CATALOG_CACHE_SECONDS = 300
    seller = UserFactory(email="kojo.private@example.com", first_name="", last_name="", company_name="")
    product = ProductFactory(seller=seller)
    pages = [LIST, f"/api/products/public/{product.pk}/", f"/api/products/public/vendor/{seller.pk}/"]

    responses = [api_client.get(page) for page in pages]

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert responses[0].json()[0]["seller"]["display_name"] == f"Seller {seller.pk}"
    assert responses[1].json()["seller"]["display_name"] == f"Seller {seller.pk}"
    assert responses[2].json()["vendor"]["display_name"] == f"Seller {seller.pk}"
    assert not any(b"kojo.private" in response.content for response in responses)

    with django_capture_on_commit_callbacks(execute=True):
        named = authenticated_client(seller).patch("/api/auth/profile/", {"first_name": "Kojo"}, format="json")
    assert named.status_code == 200

    assert api_client.get(LIST).json()[0]["seller"]["display_name"] == "Kojo"
    assert api_client.get(pages[1]).json()["seller"]["display_name"] == "Kojo"
    assert api_client.get(pages[2]).json()["vendor"]["display_name"] == "Kojo"
