"""Reply templates through the API: the seller's own, shortcodes once per seller, placeholders
checked when saved and filled when sent, the usage count."""

import pytest

from chat.models import Conversation, Message, ReplyTemplate
from tests.chat.conftest import messages_url
from tests.conftest import authenticated_client
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.django_db

TEMPLATES = "/api/chat/templates/"


def template_url(pk: int, action: str = "") -> str:
    return f"{TEMPLATES}{pk}/{action + '/' if action else ''}"


def add(client, shortcode="thanks", body="Thank you {{ customer_name }}!", title="Thanks"):
    return client.post(TEMPLATES, {"shortcode": shortcode, "title": title, "body": body}, format="json")


@pytest.fixture
def template(seller_client) -> dict:
    response = add(seller_client, "price", body="Hi {{customer_name}}, {{ product_name }} is {{ product_price }}. "
                                                 "Your order: {{ order_id }}")
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_seller_keeps_templates_of_their_own(seller_client, other_seller_client, template):
    assert (template["shortcode"], template["usage_count"]) == ("price", 0)
    add(seller_client, "hello", body="Hello!")

    listed = seller_client.get(TEMPLATES)
    assert [t["shortcode"] for t in listed.json()] == ["hello", "price"]
    assert listed["X-Total-Count"] == "2"
    assert other_seller_client.get(TEMPLATES).json() == []

    changed = seller_client.patch(template_url(template["id"]), {"title": "Price and order"}, format="json")
    assert changed.status_code == 200 and changed.json()["title"] == "Price and order"
    assert changed.json()["body"] == template["body"]
    assert seller_client.get(template_url(template["id"])).json()["title"] == "Price and order"

    assert seller_client.delete(template_url(template["id"])).status_code == 204
    assert seller_client.get(template_url(template["id"])).status_code == 404


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_sellers_template_is_not_found(other_seller_client, template, method):
    response = getattr(other_seller_client, method)(template_url(template["id"]), {"title": "Mine"}, format="json")

    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert ReplyTemplate.objects.get(pk=template["id"]).title != "Mine"


@pytest.mark.parametrize("method, url", [("get", TEMPLATES), ("post", TEMPLATES), ("patch", "one"),
                                         ("delete", "one"), ("post", "send")])
def test_templates_are_for_sellers(api_client, buyer_client, template, method, url):
    url = {"one": template_url(template["id"]), "send": template_url(template["id"], "send")}.get(url, url)

    assert getattr(api_client, method)(url, {}, format="json").status_code == 401
    refused = getattr(buyer_client, method)(url, {}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"


def test_a_shortcode_is_the_sellers_once(seller_client, other_seller_client, template):
    again = add(seller_client, "price")
    assert again.status_code == 409
    assert again.json()["code"] == "shortcode_taken" and "shortcode" in again.json()["details"]

    other = add(seller_client, "other")
    renamed = seller_client.patch(template_url(other.json()["id"]), {"shortcode": "price"}, format="json")
    assert renamed.status_code == 409 and renamed.json()["code"] == "shortcode_taken"
    assert ReplyTemplate.objects.get(pk=other.json()["id"]).shortcode == "other"

    assert add(other_seller_client, "price").status_code == 201


@pytest.mark.parametrize("body", ["Hi {{ name }}", "{{customer_name}} {{ total }}", "{{ }}"])
def test_unknown_placeholders_are_refused(seller_client, template, body):
    created = add(seller_client, "new", body=body)
    assert created.status_code == 400
    assert created.json()["code"] == "invalid" and "Unknown placeholders" in created.json()["details"]["body"][0]

    changed = seller_client.patch(template_url(template["id"]), {"body": body}, format="json")
    assert changed.status_code == 400 and "body" in changed.json()["details"]
    assert not ReplyTemplate.objects.filter(body=body).exists()


@pytest.mark.parametrize("body", [{"shortcode": "has space", "title": "x", "body": "x"},
                                  {"shortcode": "ok", "title": "", "body": "x"},
                                  {"shortcode": "ok", "title": "x", "body": "x" * 5001}])
def test_invalid_bodies(seller_client, body):
    response = seller_client.post(TEMPLATES, body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_sending_fills_the_placeholders_and_counts_the_use(seller, buyer, seller_client, buyer_client, conversation,
                                                           template):
    OrderFactory(seller=seller, buyer=buyer)
    latest = OrderFactory(seller=seller, buyer=buyer)
    OrderFactory(buyer=buyer)  # another seller's
    customer_name = Conversation.objects.get(pk=conversation["id"]).customer.name

    sent = seller_client.post(template_url(template["id"], "send"), {"conversation": conversation["id"]},
                              format="json")

    assert sent.status_code == 201, sent.json()
    assert sent.json()["content"] == (f"Hi {customer_name}, Leather bag is GHS 89.99. Your order: {latest.order_id}")
    assert (sent.json()["sender_type"], sent.json()["sequence"]) == ("seller", 1)
    assert sent.json()["metadata"] == {"template": "price"}
    assert buyer_client.get(messages_url(conversation["id"])).json()[0]["content"] == sent.json()["content"]
    seller_client.post(template_url(template["id"], "send"), {"conversation": conversation["id"]}, format="json")
    assert seller_client.get(template_url(template["id"])).json()["usage_count"] == 2


def test_without_a_product_or_an_order_the_placeholders_are_empty(seller_client, template):
    started = seller_client.post("/api/chat/conversations/", {"customer_email": "ama@example.com",
                                                              "customer_name": "Ama"}, format="json")

    sent = seller_client.post(template_url(template["id"], "send"), {"conversation": started.json()["id"]},
                              format="json")

    assert sent.status_code == 201, sent.json()
    assert sent.json()["content"] == "Hi Ama,  is . Your order:"


def test_a_template_that_fills_to_nothing_is_not_sent(seller_client, conversation):
    empty = add(seller_client, "order", body="{{ order_id }}").json()

    response = seller_client.post(template_url(empty["id"], "send"), {"conversation": conversation["id"]},
                                  format="json")

    assert response.status_code == 400 and "content" in response.json()["details"]
    assert ReplyTemplate.objects.get(pk=empty["id"]).usage_count == 0


def test_another_sellers_template_or_conversation_is_not_found(seller, seller_client, other_seller_client,
                                                               conversation, template):
    theirs = add(other_seller_client, "theirs", body="Hello").json()
    assert seller_client.post(template_url(theirs["id"], "send"), {"conversation": conversation["id"]},
                              format="json").status_code == 404

    their_conversation = authenticated_client(seller).post("/api/chat/conversations/", {
        "customer_email": "kofi@example.com"}, format="json").json()
    assert other_seller_client.post(template_url(theirs["id"], "send"), {"conversation": their_conversation["id"]},
                                    format="json").status_code == 404
    assert not Message.objects.exists()
    assert ReplyTemplate.objects.get(pk=theirs["id"]).usage_count == 0


def test_an_archived_conversation_takes_no_template(seller_client, conversation, template):
    seller_client.post(f"/api/chat/conversations/{conversation['id']}/archive/")

    response = seller_client.post(template_url(template["id"], "send"), {"conversation": conversation["id"]},
                                  format="json")

    assert response.status_code == 409 and response.json()["code"] == "conversation_closed"
    assert ReplyTemplate.objects.get(pk=template["id"]).usage_count == 0


def test_the_list_takes_a_fixed_number_of_queries(seller, seller_client, django_assert_max_num_queries):
    for number in range(3):
        add(seller_client, f"t{number}", body="x")
    with django_assert_max_num_queries(3):
        assert len(seller_client.get(TEMPLATES).json()) == 3
    for number in range(3, 20):
        add(seller_client, f"t{number}", body="x")
    with django_assert_max_num_queries(3):
        assert len(seller_client.get(TEMPLATES).json()) == 20
