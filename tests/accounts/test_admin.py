import pytest
from django.test import Client

from accounts.models import User
from accounts.services import session_logout, tokens_for_user
from tests.accounts.admin_forms import change_form_data
from tests.accounts.factories import UserFactory
from tests.accounts.sessions import assert_alive, assert_ended, sign_in

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


def test_deactivating_a_user_ends_every_token_of_every_session(operator_client):
    user = UserFactory(email="banned@example.com")
    bystander = UserFactory(email="bystander@example.com")
    sessions = [sign_in("banned@example.com", rotations=1), sign_in("banned@example.com", rotations=2)]
    untouched = sign_in(bystander.email, rotations=1)
    data = change_form_data(operator_client, user)
    data.pop("is_active")

    response = operator_client.post(f"/admin/accounts/user/{user.pk}/change/", data)

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active is False
    for session in sessions:
        assert_ended(session)
    assert_alive(untouched, bystander.email)


def test_session_tokens_are_visible_and_read_only(operator_client):
    user = UserFactory(email="owner@example.com")
    session = sign_in(user.email, rotations=1)

    listing = operator_client.get("/admin/accounts/sessiontoken/", {"q": "owner@example.com"})

    assert listing.status_code == 200
    assert listing.content.decode().count("owner@example.com") >= len(session.refresh)
    assert operator_client.get("/admin/accounts/sessiontoken/add/").status_code == 403
