"""Content-Security-Policy: the admin, Swagger UI and ReDoc run only this origin's script files,
nothing inline, and nobody frames them; JSON and files get a policy that lets nothing run.

Each page is rendered and every script, style, stylesheet, image and inline handler in it is
checked against the policy the response carries, as a browser would."""

from html.parser import HTMLParser

import pytest

from notifications.models import NotificationTemplate
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

DOCS_PAGES = ["/api/docs/", "/api/schema/swagger-ui/", "/api/redoc/", "/api/schema/redoc/"]


def parse_policy(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in filter(None, (piece.strip() for piece in header.split(";"))):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def allowed(policy: dict[str, list[str]], directive: str, url: str | None) -> bool:
    """May `url` load under `directive` (url None: inline code), for a page of this origin?"""
    sources = policy.get(directive, policy.get("default-src", []))
    if url is None:
        return "'unsafe-inline'" in sources
    if url.startswith("data:"):
        return "data:" in sources
    same_origin = url.startswith("/") and not url.startswith("//")
    return same_origin and "'self'" in sources


class PageResources(HTMLParser):
    """What a page asks the browser to run or load: (directive, url or None for inline, where)."""

    def __init__(self):
        super().__init__()
        self.uses: list[tuple[str, str | None, str]] = []
        self._in_script = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.uses.append(("script-src", None, f"<{tag} {name}>"))
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.uses.append(("script-src", None, f"<{tag} {name}=javascript:>"))
        if "style" in attributes:
            self.uses.append(("style-src", None, f"<{tag} style>"))
        if tag == "script":
            if attributes.get("src"):
                self.uses.append(("script-src", attributes["src"], "<script src>"))
            elif attributes.get("type", "text/javascript") not in ("application/json", "application/ld+json"):
                self._in_script = "<script> inline"
        elif tag == "style":
            self.uses.append(("style-src", None, "<style>"))
        elif tag == "link" and "stylesheet" in (attributes.get("rel") or ""):
            self.uses.append(("style-src", attributes.get("href"), "<link stylesheet>"))
        elif tag == "link" and "icon" in (attributes.get("rel") or ""):
            self.uses.append(("img-src", attributes.get("href"), "<link icon>"))
        elif tag == "img":
            self.uses.append(("img-src", attributes.get("src"), "<img>"))
        elif tag == "iframe" and attributes.get("src"):
            self.uses.append(("frame-src", attributes["src"], "<iframe src>"))

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.uses.append(("script-src", None, self._in_script))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None


def assert_page_runs_under_its_policy(response):
    assert response.status_code == 200
    policy = parse_policy(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    page = PageResources()
    page.feed(response.content.decode())
    blocked = [(directive, url, where) for directive, url, where in page.uses if not allowed(policy, directive, url)]
    assert blocked == []
    return page


@pytest.mark.parametrize("path", DOCS_PAGES)
def test_the_docs_pages_run_under_a_strict_policy(api_client, path):
    page = assert_page_runs_under_its_policy(api_client.get(path))

    assert any(directive == "script-src" and url for directive, url, _ in page.uses)


@pytest.mark.parametrize("path", ["/api/docs/", "/api/schema/swagger-ui/"])
def test_swagger_ui_starts_from_a_script_file_of_its_own(api_client, path):
    script = api_client.get(path + "?script=")

    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()


def test_the_admin_login_page_runs_under_the_policy(client):
    assert_page_runs_under_its_policy(client.get("/admin/login/"))


def test_admin_pages_run_under_the_policy(operator_client):
    product = ProductFactory()
    template = NotificationTemplate.objects.create(
        key="notification", subject="{{ notification.title }}", text_body="Hello {{ user.first_name }}",
        html_body='<p style="color:#c00">Hello <b>{{ user.first_name }}</b></p>',
    )

    for path in ["/admin/", "/admin/products/product/", f"/admin/products/product/{product.pk}/change/",
                 "/admin/orders/order/", "/admin/accounts/user/add/"]:
        assert_page_runs_under_its_policy(operator_client.get(path))
    preview = assert_page_runs_under_its_policy(
        operator_client.get(f"/admin/notifications/notificationtemplate/{template.pk}/change/"))

    # The email preview keeps its sandboxed frame; its inline styles are allowed, its scripts are not.
    content = operator_client.get(f"/admin/notifications/notificationtemplate/{template.pk}/change/").content.decode()
    assert "<iframe sandbox srcdoc=" in content
    assert ("style-src", None, "<iframe style>") in preview.uses


@pytest.mark.parametrize("path", ["/api/health/", "/api/does-not-exist/", "/api/schema/", "/api/docs/?script="])
def test_everything_else_may_run_nothing(api_client, path):
    response = api_client.get(path)

    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_api_errors_carry_the_policy_too(api_client):
    response = api_client.post("/api/auth/login/", data="{", content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_static_files_carry_a_policy(client):
    response = client.get("/static/admin/css/base.css")

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


@pytest.mark.urls("tests.sellflow.urls")
def test_only_the_debug_error_page_goes_without(client, settings):
    client.raise_request_exception = False

    settings.DEBUG = True
    debug_page = client.get("/test/broken-page/")
    settings.DEBUG = False
    production_page = client.get("/test/broken-page/")

    assert debug_page.status_code == production_page.status_code == 500
    assert "Content-Security-Policy" not in debug_page
    assert parse_policy(production_page["Content-Security-Policy"])["script-src"] == ["'self'"]
