"""The document's social media section (6) and its product post (section 2, `create_social_post`),
replayed with its exact bodies as its frontend sends them, and the social paths of the SellFlow
README (seed 000): posts and schedules.

The document connects with `"access_token": "..."`. The built-in local platform takes only its own
tokens (`local-<account id>`) and would refuse it, so the real Facebook client answers here, talking
over loopback to a fake Graph API (as tests/social does): the token check, the publish, the
insights job and the revocation go through the code that runs in production."""

from datetime import timedelta

import pytest
from django.utils import timezone

from social.models import SocialAccount
from social.tasks import fetch_insights
from tests.contract import document as doc
from tests.contract.conftest import assert_has_fields, sign_up, unique_email
from tests.fake_servers import FakeJSONServer
from tests.social.conftest import sent_to

pytestmark = pytest.mark.django_db

PAGE = doc.CONNECT_PLATFORM_REQUEST["platform_user_id"]
PAGE_POST = f"{PAGE}_4242"
# The fields of the document's connect body that an account shows (its token never).
ACCOUNT = {key: doc.CONNECT_PLATFORM_REQUEST[key] for key in ("platform", "platform_user_id", "platform_username")}
ERROR = {"error": "Human readable sentence.", "code": "machine_readable_code", "details": {...}}


def page_series(name: str, values: list[int]) -> dict:
    """Graph's daily values for the last days, today last, each stamped with the end of its day."""
    today = timezone.now().date()
    days = [today - timedelta(days=back) for back in range(len(values) - 1, -1, -1)]
    return {"name": name, "period": "day", "values": [
        {"value": value, "end_time": f"{(day + timedelta(days=1)).isoformat()}T08:00:00+0000"}
        for day, value in zip(days, values, strict=True)]}


@pytest.fixture
def graph(settings):
    """The Graph API for the document's Page 123456789, which any token acts as."""
    with FakeJSONServer() as server:
        settings.META_GRAPH_URL, settings.META_GRAPH_VERSION = server.url, "v24.0"
        settings.META_APP_ID, settings.META_APP_SECRET = "1234567890", "meta-app-secret"
        settings.SOCIAL_HTTP_TIMEOUT_SECONDS = 2
        server.routes[f"/v24.0/{PAGE}"] = (200, {"id": PAGE, "name": "My Business"})
        server.routes["/v24.0/me/permissions"] = (200, {"success": True})
        server.routes[f"/v24.0/{PAGE}/subscribed_apps"] = (200, {"success": True})  # the Page's webhooks
        server.routes[f"/v24.0/{PAGE}/feed"] = (200, {"id": PAGE_POST})
        server.routes[f"/v24.0/{PAGE}/insights"] = (200, {"data": [
            page_series("page_follows", [120, 123]),
            page_series("page_media_view", [900, 1100]),
            page_series("page_total_media_view_unique", [400, 410]),
            page_series("page_post_engagements", [31, 44]),
        ]})
        yield server


def connect(tab) -> dict:
    response = tab.fetch("POST", doc.PATH_SOCIAL_ACCOUNTS, doc.CONNECT_PLATFORM_REQUEST)
    assert response.status_code == 201, response.json()
    return response.json()


def connected_accounts(tab) -> list[dict]:
    response = tab.fetch("GET", doc.PATH_SOCIAL_ACCOUNTS)
    assert response.status_code == 200, response.json()
    return response.json()


def in_an_hour() -> str:
    return (timezone.now() + timedelta(hours=1)).replace(microsecond=0).isoformat()


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.json()
    assert_has_fields(response.json(), ERROR)
    assert response.json()["code"] == code


# --- 6. Social Media ----------------------------------------------------------------------------

class TestConnectedAccounts:
    def test_list_connect_and_list_again(self, seller_tab, graph):
        # List Connected Accounts (lines 515-519): nothing yet, a plain array.
        assert connected_accounts(seller_tab) == []

        # Connect Platform (lines 521-534), the document's body: the platform checks the token.
        account = connect(seller_tab)

        assert {key: account[key] for key in ACCOUNT} == ACCOUNT
        assert account["status"] == "active"
        assert "access_token" not in account and "refresh_token" not in account
        [checked] = sent_to(graph, f"/v24.0/{PAGE}")
        assert checked.headers["authorization"] == f"Bearer {doc.CONNECT_PLATFORM_REQUEST['access_token']}"
        assert connected_accounts(seller_tab) == [account]

    def test_connecting_the_same_page_again_reconnects_it(self, seller_tab, graph):
        first = connect(seller_tab)

        again = seller_tab.fetch("POST", doc.PATH_SOCIAL_ACCOUNTS, doc.CONNECT_PLATFORM_REQUEST)

        assert again.status_code == 200, again.json()
        assert again.json()["id"] == first["id"]
        assert len(connected_accounts(seller_tab)) == 1

    def test_a_token_the_platform_refuses_is_not_stored(self, seller_tab, graph):
        graph.routes[f"/v24.0/{PAGE}"] = (400, {"error": {"message": "Invalid OAuth access token.",
                                                          "type": "OAuthException", "code": 190}})

        response = seller_tab.fetch("POST", doc.PATH_SOCIAL_ACCOUNTS, doc.CONNECT_PLATFORM_REQUEST)

        assert_error(response, 400, "token_refused")
        assert connected_accounts(seller_tab) == []

    def test_disconnect_with_the_documents_body(self, seller_tab, graph):
        account = connect(seller_tab)

        # Disconnect Platform (lines 545-554).
        response = seller_tab.fetch("POST", doc.PATH_SOCIAL_DISCONNECT, doc.DISCONNECT_PLATFORM_REQUEST)

        assert response.status_code == 200, response.json()
        assert response.json()["platform"] == "facebook"
        assert [row["id"] for row in response.json()["disconnected"]] == [account["id"]]
        [row] = connected_accounts(seller_tab)
        assert (row["id"], row["status"]) == (account["id"], "revoked")
        assert [received.method for received in sent_to(graph, "/v24.0/me/permissions")] == ["DELETE"]
        assert SocialAccount.objects.get(pk=account["id"]).access_token == ""

    def test_disconnecting_a_platform_not_connected_is_404(self, seller_tab, graph):
        response = seller_tab.fetch("POST", doc.PATH_SOCIAL_DISCONNECT, doc.DISCONNECT_PLATFORM_REQUEST)

        assert_error(response, 404, "not_connected")


class TestInsights:
    @pytest.mark.parametrize("query", ["?days=7", ""])
    def test_seven_days_by_default_and_with_days_7(self, seller_tab, graph, query):
        account = connect(seller_tab)
        fetch_insights()  # the hourly job: the request itself never asks the platform

        response = seller_tab.fetch("GET", f"{doc.path_social_insights(account['id'])}{query}")

        assert response.status_code == 200, response.json()
        report = response.json()
        assert (report["account"], report["platform"], report["days"]) == (account["id"], "facebook",
                                                                           doc.INSIGHTS_DEFAULT_DAYS)
        assert len(report["series"]) == doc.INSIGHTS_DEFAULT_DAYS
        assert [day["impressions"] for day in report["series"][-2:]] == [900, 1100]
        assert (report["totals"]["followers"], report["totals"]["impressions"]) == (123, 2000)
        assert len(sent_to(graph, f"/v24.0/{PAGE}/insights")) == 1

    def test_another_sellers_account_is_404(self, seller_tab, graph, open_tab):
        account = connect(seller_tab)
        other = open_tab()
        sign_up(other, "seller")

        response = other.fetch("GET", f"{doc.path_social_insights(account['id'])}?days=7")

        assert_error(response, 404, "not_found")


# --- 2. Products: Publish to Social Media -------------------------------------------------------

class TestProductSocialPost:
    def test_the_documents_body_posts_to_the_connected_page_and_publishes(self, seller_tab, graph, listed_product):
        account = connect(seller_tab)

        # Lines 234-247, the document's body as it is.
        response = seller_tab.fetch("POST", doc.path_create_social_post(listed_product["id"]),
                                    doc.CREATE_SOCIAL_POST_REQUEST)

        assert response.status_code == 201, response.json()
        post = response.json()
        assert (post["product"], post["content"], post["hashtags"]) == (
            listed_product["id"], "Check out our new product!", ["#Wireless", "#Tech"])
        [target] = post["targets"]
        assert (target["account"], target["platform"], target["status"]) == (account["id"], "facebook", "draft")
        assert target["link"].endswith(f"/r/{target['code']}")

        published = seller_tab.fetch("POST", f"{doc.PATH_SOCIAL_POSTS}{post['id']}/publish/")

        assert published.status_code == 202, published.json()
        [target] = seller_tab.fetch("GET", f"{doc.PATH_SOCIAL_POSTS}{post['id']}/").json()["targets"]
        assert (target["status"], target["platform_post_id"]) == ("published", PAGE_POST)
        [sent] = sent_to(graph, f"/v24.0/{PAGE}/feed")
        message = sent.form["message"]
        assert "Check out our new product!" in message and "#Wireless #Tech" in message
        assert sent.form["link"] == target["link"]

    def test_is_scheduled_with_a_time_puts_it_in_the_calendar(self, seller_tab, graph, listed_product):
        connect(seller_tab)
        body = {**doc.CREATE_SOCIAL_POST_REQUEST, "is_scheduled": True, "scheduled_at": in_an_hour()}

        response = seller_tab.fetch("POST", doc.path_create_social_post(listed_product["id"]), body)

        assert response.status_code == 201, response.json()
        [target] = response.json()["targets"]
        assert target["status"] == "scheduled"
        calendar = seller_tab.fetch("GET", doc.PATH_SOCIAL_SCHEDULES).json()
        assert [(row["post"], row["id"]) for row in calendar] == [(response.json()["id"], target["id"])]
        assert sent_to(graph, f"/v24.0/{PAGE}/feed") == []

    def test_is_scheduled_without_a_time_says_so(self, seller_tab, graph, listed_product):
        connect(seller_tab)

        response = seller_tab.fetch("POST", doc.path_create_social_post(listed_product["id"]),
                                    {**doc.CREATE_SOCIAL_POST_REQUEST, "is_scheduled": True})

        assert_error(response, 400, "invalid")
        assert "scheduled_at" in response.json()["details"]

    def test_no_connected_account_of_the_platform_is_404(self, seller_tab, graph, listed_product):
        response = seller_tab.fetch("POST", doc.path_create_social_post(listed_product["id"]),
                                    doc.CREATE_SOCIAL_POST_REQUEST)

        assert_error(response, 404, "not_connected")


# --- The SellFlow README's social paths (seed 000, lines 152-160) -------------------------------

class TestReadmePostsAndSchedules:
    def test_create_a_post_then_schedule_it(self, seller_tab, graph, listed_product):
        account = connect(seller_tab)

        # POST /api/social/posts/ "Create post".
        created = seller_tab.fetch("POST", doc.PATH_SOCIAL_POSTS, {
            "product": listed_product["id"], "accounts": [account["id"]],
            "content": doc.CREATE_SOCIAL_POST_REQUEST["content"],
            "hashtags": doc.CREATE_SOCIAL_POST_REQUEST["hashtags"]})

        assert created.status_code == 201, created.json()
        post = created.json()
        assert [target["status"] for target in post["targets"]] == ["draft"]
        assert [row["id"] for row in seller_tab.fetch("GET", doc.PATH_SOCIAL_POSTS).json()] == [post["id"]]

        # POST /api/social/schedules/ "Schedule post", then GET "List schedules".
        scheduled = seller_tab.fetch("POST", doc.PATH_SOCIAL_SCHEDULES, {"post": post["id"],
                                                                        "scheduled_at": in_an_hour()})

        assert scheduled.status_code == 200, scheduled.json()
        assert [(row["post"], row["status"]) for row in scheduled.json()] == [(post["id"], "scheduled")]
        listed = seller_tab.fetch("GET", doc.PATH_SOCIAL_SCHEDULES)
        assert listed.status_code == 200
        assert listed.json() == scheduled.json()
        assert sent_to(graph, f"/v24.0/{PAGE}/feed") == []


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", doc.PATH_SOCIAL_ACCOUNTS, None),
    ("POST", doc.PATH_SOCIAL_ACCOUNTS, doc.CONNECT_PLATFORM_REQUEST),
    ("POST", doc.PATH_SOCIAL_DISCONNECT, doc.DISCONNECT_PLATFORM_REQUEST),
    ("GET", doc.PATH_SOCIAL_POSTS, None),
    ("GET", doc.PATH_SOCIAL_SCHEDULES, None),
])
def test_the_social_paths_are_for_sellers(open_tab, graph, method, path, body):
    # The document's registration makes sellers (its body has no account_type); a buyer says so.
    buyer = open_tab()
    email = unique_email("buyer")
    assert buyer.register({**doc.REGISTER_REQUEST, "email": email, "account_type": "buyer"}).status_code == 201
    buyer.login(email, doc.REGISTER_REQUEST["password"])

    assert_error(buyer.fetch(method, path, body), 403, "permission_denied")
    assert sent_to(graph, f"/v24.0/{PAGE}") == []
