"""List conventions: JSON array bodies, X-Total-Count and RFC 8288 Link headers, fixed query
counts. Exercised through a plain list view over users (tests/sellflow/urls.py)."""

import re

import pytest

from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.sellflow.urls")]

URL = "/api/test/users/"


def links(response) -> dict[str, str]:
    return {rel: href for href, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response["Link"])}


@pytest.fixture
def client():
    UserFactory.create_batch(44)
    return authenticated_client(UserFactory())  # 45 users in all


def test_body_is_an_array_with_total_and_links(client):
    response = client.get(URL, {"page_size": 20})

    assert response.status_code == 200
    assert isinstance(response.json(), list)
    assert len(response.json()) == 20
    assert response["X-Total-Count"] == "45"
    assert links(response) == {
        "next": "http://testserver/api/test/users/?page=2&page_size=20",
        "first": "http://testserver/api/test/users/?page_size=20",
        "last": "http://testserver/api/test/users/?page=3&page_size=20",
    }


def test_a_list_the_user_owns_is_whole_up_to_100_unless_paged(client):
    """The document's frontend reads lists as plain arrays and does not page (the conventions)."""
    response = client.get(URL)

    assert len(response.json()) == 45 and response["X-Total-Count"] == "45"
    assert links(response) == {"first": "http://testserver/api/test/users/",
                               "last": "http://testserver/api/test/users/"}
    UserFactory.create_batch(60)
    assert len(client.get(URL).json()) == 100


def test_middle_page_has_prev_and_next_and_keeps_other_parameters(client):
    response = client.get(URL, {"page": 2, "page_size": 10, "ordering": "email"})

    rels = links(response)
    assert len(response.json()) == 10
    assert set(rels) == {"prev", "next", "first", "last"}
    assert "page_size=10" in rels["next"] and "ordering=email" in rels["next"] and "page=3" in rels["next"]
    assert "page=" not in rels["prev"] and "page_size=10" in rels["prev"]
    assert "page=5" in rels["last"]


def test_last_page(client):
    response = client.get(URL, {"page": 3, "page_size": 20})

    assert len(response.json()) == 5
    assert set(links(response)) == {"prev", "first", "last"}


def test_page_size_up_to_500_is_served_on_a_list_the_user_owns(client):
    UserFactory.create_batch(80)

    response = client.get(URL, {"page_size": 500})

    assert len(response.json()) == 125
    assert response["X-Total-Count"] == "125"


@pytest.mark.parametrize(("query", "message"), [
    ({"page_size": 501}, "Ensure this value is less than or equal to 500."),
    ({"page_size": 5000}, "Ensure this value is less than or equal to 500."),
    ({"page_size": 0}, "Ensure this value is greater than or equal to 1."),
    ({"page_size": "ten"}, "A valid integer is required."),
    ({"page_size": "2.5"}, "A valid integer is required."),
    ({"page_size": ""}, "A valid integer is required."),
    ({"page": 0}, "Ensure this value is greater than or equal to 1."),
    ({"page": -1}, "Ensure this value is greater than or equal to 1."),
    ({"page": "last"}, "A valid integer is required."),
    ({"page": "two"}, "A valid integer is required."),
])
def test_page_parameters_the_schema_refuses_are_a_400_in_the_error_shape(client, query, message):
    """The schema states page >= 1 and 1 <= page_size <= 500 (the conventions' bound for lists a
    user owns): a list never clamps or ignores them silently (it clamped page_size, and answered
    page_size=ten with 20 items)."""
    response = client.get(URL, query)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    (name,) = query
    assert response.json() == {
        "error": f"The submitted data is not valid: {message}",
        "code": "invalid",
        "details": {name: [message]},
    }


def test_page_past_the_end_is_404_in_the_error_shape(client):
    response = client.get(URL, {"page": 99})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_filter_search_and_ordering_backends_are_on(client):
    UserFactory(email="zz-buyer@example.com", account_type="buyer")

    assert [u["email"] for u in client.get(URL, {"account_type": "buyer"}).json()] == ["zz-buyer@example.com"]
    assert client.get(URL, {"search": "zz-buyer"}).json()[0]["email"] == "zz-buyer@example.com"
    assert client.get(URL, {"ordering": "-email"}).json()[0]["email"] == "zz-buyer@example.com"


@pytest.mark.parametrize("page_size", [5, 100])
def test_query_count_does_not_grow_with_page_size(client, page_size, django_assert_max_num_queries):
    UserFactory.create_batch(60)

    with django_assert_max_num_queries(3):  # user of the token, count, page
        response = client.get(URL, {"page_size": page_size})

    assert len(response.json()) == page_size


def test_schema_documents_the_list_headers(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    headers = schema["paths"]["/api/test/users/"]["get"]["responses"]["200"]["headers"]
    assert set(headers) == {"X-Total-Count", "Link", "X-Request-ID"}
    parameters = {p["name"] for p in schema["paths"]["/api/test/users/"]["get"]["parameters"]}
    assert {"page", "page_size", "search", "ordering", "account_type"} <= parameters


@pytest.mark.parametrize(("query", "message"), [
    ({"account_type": ""}, "This field may not be blank."),
    ({"account_type": "nobody"}, "Select a valid choice. nobody is not one of the available choices."),
])
def test_a_filter_value_the_schema_refuses_is_a_400_in_the_error_shape(client, query, message):
    """django-filter read an empty `?account_type=` as no filter at all: the schema's enum has no ""."""
    response = client.get(URL, query)

    assert response.status_code == 400
    (name,) = query
    assert response.json() == {"error": f"The submitted data is not valid: {message}", "code": "invalid",
                               "details": {name: [message]}}


def test_an_empty_search_is_free_text_and_filters_nothing(client):
    response = client.get(URL, {"search": "", "ordering": ""})

    assert response.status_code == 200
    assert response["X-Total-Count"] == "45"
