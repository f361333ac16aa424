import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.sellflow.urls")]

URL = "/api/test/seller-only/"


def test_sellers_pass(seller_client, seller):
    response = seller_client.get(URL)

    assert response.status_code == 200
    assert response.json() == {"seller": seller.pk}


def test_buyers_get_403_in_the_error_shape(buyer_client):
    response = buyer_client.get(URL)

    assert response.status_code == 403
    assert response.json() == {
        "error": "Only seller accounts can do this.",
        "code": "permission_denied",
        "details": {},
    }


def test_anonymous_gets_401(api_client):
    assert api_client.get(URL).status_code == 401
