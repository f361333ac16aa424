"""The document's social accounts (section 6): list, connect with its body, disconnect with its
body, as its frontend sends them, against a fake Graph API standing in for Facebook."""

import pytest

from tests.contract import document as doc
from tests.fake_servers import FakeJSONServer

pytestmark = pytest.mark.django_db

PAGE = doc.CONNECT_PLATFORM_REQUEST["platform_user_id"]


@pytest.fixture
def facebook(settings):
    with FakeJSONServer() as graph:
        settings.META_GRAPH_URL, settings.META_GRAPH_VERSION = graph.url, "v24.0"
        settings.META_APP_ID, settings.META_APP_SECRET = "1234567890", "meta-app-secret"
        graph.routes[f"/v24.0/{PAGE}"] = (200, {"id": PAGE, "name": "My Business"})
        graph.routes["/v24.0/me/permissions"] = (200, {"success": True})
        graph.routes[f"/v24.0/{PAGE}/subscribed_apps"] = (200, {"success": True})  # the Page's webhooks
        yield graph


def accounts(tab) -> list[dict]:
    response = tab.fetch("GET", doc.PATH_SOCIAL_ACCOUNTS)
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_seller_connects_lists_and_disconnects_a_facebook_page(seller_tab, facebook):
    assert accounts(seller_tab) == []

    connected = seller_tab.fetch("POST", doc.PATH_SOCIAL_ACCOUNTS, doc.CONNECT_PLATFORM_REQUEST)

    assert connected.status_code == 201, connected.json()
    account = connected.json()
    assert {key: account[key] for key in ("platform", "platform_user_id", "platform_username", "status")} == {
        "platform": "facebook", "platform_user_id": PAGE, "platform_username": "mybusiness", "status": "active"}
    assert "access_token" not in account
    assert accounts(seller_tab) == [account]

    disconnected = seller_tab.fetch("POST", doc.PATH_SOCIAL_DISCONNECT, doc.DISCONNECT_PLATFORM_REQUEST)

    assert disconnected.status_code == 200, disconnected.json()
    [row] = accounts(seller_tab)
    assert (row["id"], row["status"]) == (account["id"], "revoked")

