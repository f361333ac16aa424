"""The seller's customers through the API: who may see them, the list with its search, filters and
order, create-or-find, and edits that would take another customer's email or phone."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import Customer
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/api/customers/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()]


# --- Who may see them ----------------------------------------------------------------------------

def client_of(role: str, seller) -> APIClient:
    if role == "seller":
        return authenticated_client(seller)
    if role == "other seller":
        return authenticated_client(UserFactory(account_type="seller"))
    if role == "buyer":
        return authenticated_client(UserFactory(account_type="buyer"))
    return APIClient()


@pytest.mark.parametrize(("role", "expected"), [("seller", 200), ("other seller", 404), ("buyer", 403),
                                                ("anonymous", 401)])
@pytest.mark.parametrize(("method", "path", "body"), [
    ("get", "", None),
    ("patch", "", {"notes": "Prefers delivery after 5pm."}),
    ("post", "merge/", "other"),
    ("get", "orders/", None),
])
def test_a_customer_is_only_its_sellers(seller, role, expected, method, path, body):
    customer = CustomerFactory(seller=seller)
    if body == "other":
        body = {"other": CustomerFactory(seller=seller).pk}

    response = getattr(client_of(role, seller), method)(f"{URL}{customer.pk}/{path}", body, format="json")

    assert response.status_code == expected, response.json()
    if expected != 200:
        assert set(response.json()) == {"error", "code", "details"}
        assert response.json()["code"] == {404: "not_found", 403: "permission_denied",
                                           401: "not_authenticated"}[expected]
        assert Customer.objects.filter(seller=seller).count() == (2 if path == "merge/" else 1)


@pytest.mark.parametrize(("role", "expected"), [("buyer", 403), ("anonymous", 401)])
@pytest.mark.parametrize("method", ["get", "post"])
def test_only_sellers_have_customers(seller, role, expected, method):
    response = getattr(client_of(role, seller), method)(URL, {"email": "ama@example.com"}, format="json")

    assert response.status_code == expected
    assert not Customer.objects.exists()


# --- The list -----------------------------------------------------------------------------------

def test_the_list_is_the_sellers_own_last_seen_first_with_page_headers(seller, seller_client):
    now = timezone.now()
    old = CustomerFactory(seller=seller, last_seen=now - timedelta(days=30))
    recent = CustomerFactory(seller=seller, last_seen=now - timedelta(hours=1))
    middle = CustomerFactory(seller=seller, last_seen=now - timedelta(days=2))
    CustomerFactory()  # another seller's

    response = seller_client.get(URL, {"page_size": 2})

    assert ids(response) == [recent.pk, middle.pk]
    assert response["X-Total-Count"] == "3"
    assert 'rel="next"' in response["Link"]
    assert ids(seller_client.get(URL, {"page": 2, "page_size": 2})) == [old.pk]


def test_a_customer_shows_what_the_seller_knows(seller, seller_client):
    buyer = UserFactory(account_type="buyer")
    customer = CustomerFactory(seller=seller, name="Ama Mensah", email="ama@example.com", phone="+233241234567",
                               buyer=buyer, language="tw", country="Ghana", notes="Size M.",
                               orders_count=3, total_spent=Decimal("240.50"), tag_names=["wholesale", "vip"],
                               handles=[("instagram", "1789", "ama.styles")])

    body = seller_client.get(f"{URL}{customer.pk}/").json()

    assert {key: body[key] for key in ("name", "email", "phone", "buyer", "language", "country", "notes", "tags",
                                       "orders_count", "total_spent", "currency")} == {
        "name": "Ama Mensah", "email": "ama@example.com", "phone": "+233241234567", "buyer": buyer.pk,
        "language": "tw", "country": "Ghana", "notes": "Size M.", "tags": ["vip", "wholesale"], "orders_count": 3,
        "total_spent": "240.50", "currency": seller.currency}
    assert [(h["platform"], h["platform_user_id"], h["username"]) for h in body["handles"]] == [
        ("instagram", "1789", "ama.styles")]
    assert body["first_seen"].endswith("Z") and body["last_seen"].endswith("Z")


@pytest.mark.parametrize("query", ["mensah", "AMA@EXAMPLE", "0241234567", "+233 24 123", "@ama.sty", "1789"])
def test_search_finds_by_name_email_phone_or_handle(seller, seller_client, query):
    ama = CustomerFactory(seller=seller, name="Ama Mensah", email="ama@example.com", phone="+233241234567",
                          handles=[("instagram", "1789", "ama.styles")])
    CustomerFactory(seller=seller, name="Kofi Boateng", email="kofi@example.com", phone="+233201234567",
                    handles=[("facebook", "4242", "kofi.b")])
    CustomerFactory(name="Ama Mensah", email="ama@example.com")  # another seller's Ama

    assert ids(seller_client.get(URL, {"search": query})) == [ama.pk]


def test_filters_by_tag_platform_orders_and_when_last_seen(seller, seller_client):
    now = timezone.now()
    vip = CustomerFactory(seller=seller, tag_names=["vip"], handles=[("twitter", "77", "vip_on_x")],
                          orders_count=2, last_seen=now - timedelta(days=40))
    member = CustomerFactory(seller=seller, buyer=UserFactory(account_type="buyer"), orders_count=1,
                             last_seen=now - timedelta(days=1))
    chatter = CustomerFactory(seller=seller, handles=[("whatsapp", "233241234567", "")], last_seen=now)
    CustomerFactory(tag_names=["vip"], handles=[("twitter", "78", "")], orders_count=1)  # another seller's

    assert ids(seller_client.get(URL, {"tag": " VIP"})) == [vip.pk]
    assert ids(seller_client.get(URL, {"platform": "X"})) == [vip.pk]
    assert ids(seller_client.get(URL, {"platform": "website"})) == [member.pk]
    assert ids(seller_client.get(URL, {"platform": "whatsapp"})) == [chatter.pk]
    assert ids(seller_client.get(URL, {"has_orders": "true"})) == [member.pk, vip.pk]
    assert ids(seller_client.get(URL, {"has_orders": "false"})) == [chatter.pk]
    ten_days_ago = (now - timedelta(days=10)).date().isoformat()
    assert ids(seller_client.get(URL, {"seen_after": ten_days_ago})) == [chatter.pk, member.pk]
    assert ids(seller_client.get(URL, {"seen_before": ten_days_ago})) == [vip.pk]
    assert ids(seller_client.get(URL, {"ordering": "-orders_count"})) == [vip.pk, member.pk, chatter.pk]


@pytest.mark.parametrize("query", [{"platform": "myspace"}, {"has_orders": "maybe"}, {"seen_after": "yesterday"},
                                   {"seen_before": ""}, {"ordering": "email"}, {"page_size": "501"}])
def test_a_bad_filter_is_400_naming_it(seller_client, query):
    response = seller_client.get(URL, query)

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert set(response.json()["details"]) == set(query)


@pytest.mark.parametrize("count", [2, 30])
def test_the_list_query_count_is_fixed(seller, count, django_assert_max_num_queries):
    for n in range(count):
        CustomerFactory(seller=seller, tag_names=["vip", f"tag {n}"],
                        handles=[("instagram", f"ig{n}", f"user{n}"), ("whatsapp", f"wa{n}", "")])
    client = authenticated_client(seller)

    # the user, the count, the page (with the seller's currency), its handles, its tags
    with django_assert_max_num_queries(5):
        response = client.get(URL, {"tag": "vip", "search": "example.com", "page_size": 500})

    assert len(response.json()) == count


# --- Create or find -----------------------------------------------------------------------------

def test_a_new_customer_is_created_then_found_again_by_any_identifier(seller, seller_client):
    created = seller_client.post(URL, {
        "name": "Ama Mensah", "email": "Ama@Example.com", "phone": "024 123 4567", "platform": "instagram",
        "platform_user_id": "1789", "username": "ama.styles", "language": "en", "tags": ["VIP", "vip ", "Accra"]},
        format="json")

    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["email"], body["phone"], body["tags"]) == ("ama@example.com", "+233241234567", ["accra", "vip"])
    assert [(h["platform"], h["username"]) for h in body["handles"]] == [("instagram", "ama.styles")]

    found = seller_client.post(URL, {"phone": "+233241234567", "platform": "x", "platform_user_id": "99",
                                     "country": "Ghana", "language": "fr", "tags": ["wholesale"]}, format="json")

    assert found.status_code == 200, found.json()
    again = found.json()
    assert again["id"] == body["id"] and Customer.objects.count() == 1
    assert (again["country"], again["language"]) == ("Ghana", "en")  # blanks filled, the rest kept
    assert again["tags"] == ["accra", "vip", "wholesale"]
    assert sorted(h["platform"] for h in again["handles"]) == ["instagram", "twitter"]


def test_another_sellers_customer_is_never_found(seller_client):
    theirs = CustomerFactory(email="ama@example.com")

    response = seller_client.post(URL, {"email": "ama@example.com"}, format="json")

    assert response.status_code == 201 and response.json()["id"] != theirs.pk


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "Nobody"}, "non_field_errors"),
    ({"email": ""}, "email"),
    ({"phone": "12"}, "phone"),
    ({"platform": "instagram", "name": "Ama"}, "platform_user_id"),
    ({"platform_user_id": "1789"}, "platform"),
    ({"email": "a@example.com", "username": "ama"}, "platform"),
    ({"email": "a@example.com", "language": "english!"}, "language"),
    ({"email": "a@example.com", "tags": ["x" * 51]}, "tags"),
    ({"email": "a@example.com", "tags": [f"t{n}" for n in range(31)]}, "tags"),
])
def test_a_customer_needs_something_to_be_known_by(seller_client, body, field):
    response = seller_client.post(URL, body, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert field in response.json()["details"]
    assert not Customer.objects.exists()


# --- Edits --------------------------------------------------------------------------------------

def test_the_seller_edits_details_and_replaces_tags(seller, seller_client):
    customer = CustomerFactory(seller=seller, email="old@example.com", tag_names=["new", "vip"])

    response = seller_client.patch(f"{URL}{customer.pk}/", {
        "name": "Ama K. Mensah", "email": "Ama@Example.com", "phone": "0241234567", "country": "Ghana",
        "notes": "Prefers WhatsApp.", "tags": ["vip", "Wholesale"]}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["name"], body["email"], body["phone"], body["notes"], body["tags"]) == (
        "Ama K. Mensah", "ama@example.com", "+233241234567", "Prefers WhatsApp.", ["vip", "wholesale"])
    assert seller_client.patch(f"{URL}{customer.pk}/", {"phone": ""}, format="json").json()["phone"] == ""


@pytest.mark.parametrize(("field", "value", "stored"), [("email", "KOFI@example.com", "kofi@example.com"),
                                                       ("phone", "020 123 4567", "+233201234567")])
def test_an_email_or_phone_another_customer_has_is_409_naming_them(seller, seller_client, field, value, stored):
    ama = CustomerFactory(seller=seller, email="ama@example.com", phone="+233241234567")
    kofi = CustomerFactory(seller=seller, email="kofi@example.com", phone="+233201234567")
    CustomerFactory(email="ama2@example.com")  # another seller's customers do not matter

    response = seller_client.patch(f"{URL}{ama.pk}/", {field: value, "notes": "changed"}, format="json")

    assert response.status_code == 409
    assert response.json() == {"error": response.json()["error"], "code": "identifier_taken",
                               "details": {"field": field, "customer_id": kofi.pk}}
    ama.refresh_from_db()
    assert (getattr(ama, field), ama.notes) != (stored, "changed")
    assert seller_client.patch(f"{URL}{ama.pk}/", {"email": "AMA@example.com"}, format="json").status_code == 200


def test_another_sellers_customer_with_the_same_email_is_no_conflict(seller, seller_client):
    ama = CustomerFactory(seller=seller)
    CustomerFactory(email="kofi@example.com")

    response = seller_client.patch(f"{URL}{ama.pk}/", {"email": "kofi@example.com"}, format="json")

    assert response.status_code == 200 and response.json()["email"] == "kofi@example.com"
