"""The document's notifications (section 5): the list and its filters, mark as read, mark all as
read, and the preferences, for the seller and the buyer of a paid order."""

import pytest

from accounts.models import User
from notifications.services import notify
from tests.contract import document as doc

pytestmark = pytest.mark.django_db

# The fields a notification row carries (the document shows none; its filters name two).
FILTERED_FIELDS = {"id", "type", "is_read"}


def notifications(tab, query: str = "") -> list[dict]:
    response = tab.fetch("GET", f"{doc.PATH_NOTIFICATIONS}{query}")
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.mark.parametrize("role", ["seller", "buyer"])
def test_a_paid_order_is_notified_then_read_one_by_one_and_all_at_once(role, seller_tab, buyer_tab, paid_order):
    tab = {"seller": seller_tab, "buyer": buyer_tab}[role]

    rows = notifications(tab)

    assert rows and all(FILTERED_FIELDS <= set(row) for row in rows)
    (order_notice,) = [row for row in rows if paid_order["order_id"] in row["title"]]
    assert (order_notice["type"], order_notice["is_read"]) == ("order", False)
    # The document's filters (lines 478-480): is_read and type.
    assert order_notice["id"] in [row["id"] for row in notifications(tab, "?is_read=false")]
    assert order_notice["id"] in [row["id"] for row in notifications(tab, "?type=order")]
    assert notifications(tab, "?type=chat") == []

    marked = tab.fetch("POST", doc.path_mark_as_read(order_notice["id"]))

    assert marked.status_code == 200
    assert {**marked.json(), "is_read": False, "read_at": None} == order_notice
    assert marked.json()["is_read"] is True and marked.json()["read_at"]
    assert order_notice["id"] in [row["id"] for row in notifications(tab, "?is_read=true")]
    assert order_notice["id"] not in [row["id"] for row in notifications(tab, "?is_read=false")]

    unread = notifications(tab, "?is_read=false")
    marked_all = tab.fetch("POST", doc.PATH_MARK_ALL_READ)

    assert marked_all.status_code == 200
    assert marked_all.json() == {"marked": len(unread)}
    assert notifications(tab, "?is_read=false") == []
    assert all(row["is_read"] for row in notifications(tab))


@pytest.fixture
def notified_seller(seller_tab, paid_order, listed_product):
    """A seller with one notification of each type the document filters by, one of them read.
    The order notice comes from the paid order and the product one from a stock edit down to the
    alert threshold (that PATCH is ours, not the document's); no flow of the document produces
    the other types (refunds of late payments, chat, social, operators' notices), so the
    notifications app's own notify() writes them."""
    edited = seller_tab.fetch("PATCH", f"{doc.PATH_PRODUCTS}{listed_product['id']}/", {"stock_quantity": 3})
    assert edited.status_code == 200, edited.json()
    seller = User.objects.get(pk=seller_tab.user["id"])
    for kind in ("payment", "chat", "social", "system"):
        notify(user=seller, type=kind, title=f"A {kind} notice")
    rows = notifications(seller_tab)
    assert sorted(row["type"] for row in rows) == sorted(["order", "product", "payment", "chat", "social", "system"])
    (order_notice,) = [row for row in rows if row["type"] == "order"]
    assert seller_tab.fetch("POST", doc.path_mark_as_read(order_notice["id"])).status_code == 200
    return notifications(seller_tab)


@pytest.mark.parametrize("field, value", [("is_read", "true"), ("is_read", "false"), *(
    ("type", kind) for kind in ("order", "payment", "chat", "product", "social", "system"))])
def test_the_documents_filter_values(seller_tab, notified_seller, field, value):
    # List Notifications, lines 478-480: each value answers its rows and none of the others.
    expected = [row for row in notified_seller if str(row[field]).lower() == value]
    assert expected and len(expected) < len(notified_seller)

    assert notifications(seller_tab, f"?{field}={value}") == expected


def test_update_preferences_with_the_documents_body(buyer_tab):
    response = buyer_tab.fetch("PUT", doc.PATH_PREFERENCES, doc.PREFERENCES_REQUEST)

    assert response.status_code == 200, response.json()
    assert {key: response.json()[key] for key in doc.PREFERENCES_REQUEST} == doc.PREFERENCES_REQUEST
    stored = buyer_tab.fetch("GET", doc.PATH_PREFERENCES).json()
    assert {key: stored[key] for key in doc.PREFERENCES_REQUEST} == doc.PREFERENCES_REQUEST


def test_another_users_notification_is_not_found(seller_tab, buyer_tab, paid_order):
    (seller_notice, *_) = notifications(seller_tab)

    response = buyer_tab.fetch("POST", doc.path_mark_as_read(seller_notice["id"]))

    assert response.status_code == 404
    assert "error" in response.json()
