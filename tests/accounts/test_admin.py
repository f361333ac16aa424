import pytest
from django.test import Client

from accounts.models import User
from accounts.services import session_logout, tokens_for_user
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_changelist_searches_and_filters(operator_client):
    UserFactory(email="kente@example.com", company_name="Kente House", account_type="seller")
    UserFactory(email="shopper@example.com", account_type="buyer")

    found = operator_client.get("/admin/accounts/user/", {"q": "Kente House"})
    buyers = operator_client.get("/admin/accounts/user/", {"account_type__exact": "buyer"})

    assert found.status_code == 200
    assert "kente@example.com" in found.content.decode()
    assert "shopper@example.com" not in found.content.decode()
    assert "shopper@example.com" in buyers.content.decode()
    assert "kente@example.com" not in buyers.content.decode()


def test_user_change_and_add_pages_render(operator_client):
    user = UserFactory()

    assert operator_client.get(f"/admin/accounts/user/{user.pk}/change/").status_code == 200
    assert operator_client.get("/admin/accounts/user/add/").status_code == 200


def test_operator_can_create_a_user(operator_client):
    response = operator_client.post(
        "/admin/accounts/user/add/",
        {"email": "New@Example.com", "account_type": "buyer", "password1": "Str0ng-pass-xyz",
         "password2": "Str0ng-pass-xyz", "usable_password": "true"},
    )

    assert response.status_code == 302
    assert User.objects.get(email="new@example.com").check_password("Str0ng-pass-xyz")


def test_token_blacklist_is_visible(operator_client):
    user = UserFactory(email="owner@example.com")
    session_logout(user=user, refresh=tokens_for_user(user)["refresh"])

    outstanding = operator_client.get("/admin/token_blacklist/outstandingtoken/")
    blacklisted = operator_client.get("/admin/token_blacklist/blacklistedtoken/")

    assert outstanding.status_code == blacklisted.status_code == 200
    assert "owner@example.com" in blacklisted.content.decode()


def test_buyers_and_sellers_cannot_enter_the_admin():
    client = Client()
    client.force_login(UserFactory())

    assert client.get("/admin/accounts/user/").status_code == 302
