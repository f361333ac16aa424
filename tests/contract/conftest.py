"""The API document's frontend, replayed: requests as its Frontend Integration Guide sends them
(`fetch` with `JSON.stringify` bodies, `Content-Type: application/json`, `Authorization: Bearer
<access>`, `FormData` for files), tokens kept as its `localStorage` keeps them, and every request's
after-commit work run as it runs in production."""

import itertools
import json

import pytest
from rest_framework.test import APIClient

from products.models import Category
from tests.contract import document as doc
from tests.images import image_upload

_emails = itertools.count(1)


def unique_email(role: str) -> str:
    """The document's user@example.com, made unique per registration."""
    return f"user-{role}-{next(_emails)}@example.com"


def assert_has_fields(body, example, where: str = "body") -> None:
    """`body` has every field of the document's `example`, with the same JSON type, recursively:
    into nested objects and into a list's first item. The document's `[...]` (a list of
    unspecified items) and `{...}` (an object of unspecified fields) check the type only."""
    if example == [...]:
        assert isinstance(body, list), f"{where}: a list expected, got {body!r}"
    elif example == {...}:
        assert isinstance(body, dict), f"{where}: an object expected, got {body!r}"
    elif isinstance(example, dict):
        assert isinstance(body, dict), f"{where}: an object expected, got {body!r}"
        missing = set(example) - set(body)
        assert not missing, f"{where}: missing {sorted(missing)} (has {sorted(body)})"
        for key, value in example.items():
            assert_has_fields(body[key], value, f"{where}.{key}")
    elif isinstance(example, list):
        assert isinstance(body, list) and body, f"{where}: a non-empty list expected, got {body!r}"
        assert_has_fields(body[0], example[0], f"{where}[0]")
    else:
        # A JSON number is an int in the document's examples; a boolean is not a number.
        kind = bool if isinstance(example, bool) else type(example)
        assert isinstance(body, kind) and (kind is bool or not isinstance(body, bool)), (
            f"{where}: a {kind.__name__} expected, got {body!r}")


class Frontend:
    """One browser tab of the document's SPA. `storage` is its localStorage."""

    def __init__(self, run_after_commit):
        self.client = APIClient()
        self.storage: dict[str, str] = {}
        self._run_after_commit = run_after_commit

    def _send(self, method: str, path: str, **kwargs):
        headers = {}
        if "access" in self.storage:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.storage['access']}"
        with self._run_after_commit(execute=True):
            return getattr(self.client, method)(path, **kwargs, **headers)

    def fetch(self, method: str, path: str, body=None):
        """fetch(path, {method, headers: {'Content-Type': 'application/json', Authorization},
        body: JSON.stringify(body)}); no body and no content type when the document sends none."""
        if body is None:
            return self._send(method.lower(), path)
        return self._send(method.lower(), path, data=json.dumps(body), content_type="application/json")

    def post_bytes(self, path: str, body: bytes, **headers):
        """What a payment provider's server sends: raw bytes as JSON, with its own signature
        header, its after-commit work run as in production (a tab with no user sends no token)."""
        return self._send("post", path, data=body, content_type="application/json", **headers)

    def post_form(self, path: str, fields: dict, files: list):
        """A FormData: the fields, then each file appended under `images` (lines 679-681)."""
        data = {**fields, "images": files}
        return self._send("post", path, data=data, format="multipart")

    # --- The guide's authentication flow (lines 629-669) ---------------------------------------

    def register(self, body: dict):
        response = self.fetch("POST", doc.PATH_REGISTER, body)
        data = response.json()
        # "Store tokens" (lines 640-642): whatever the response holds under these names.
        self.storage["access"], self.storage["refresh"] = data.get("access"), data.get("refresh")
        return response

    def login(self, email: str, password: str):
        self.storage.clear()
        response = self.fetch("POST", doc.PATH_LOGIN, {"email": email, "password": password})
        data = response.json()
        self.storage["access"], self.storage["refresh"] = data["access"], data["refresh"]
        return response

    def refresh_token(self):
        """refreshToken() (lines 659-668): sends the stored refresh token, stores the new access
        token only; the first refresh token stays in localStorage."""
        refresh = self.storage["refresh"]
        del self.storage["access"]  # its fetch() sends no Authorization header
        response = self.fetch("POST", doc.PATH_REFRESH, {"refresh": refresh})
        self.storage["access"] = response.json().get("access")  # data.access, whatever came back
        return response


@pytest.fixture
def category_one(db):
    """The document's products are in category 1 (line 190). The catalog's migration creates the
    default tree, whose first category has id 1; a test database flushed by a transactional test
    has lost it, so it is put back."""
    Category.objects.get_or_create(pk=1, defaults={"name": "Fashion", "slug": "fashion"})
    Category.objects.filter(pk=1).update(is_active=True)


@pytest.fixture
def open_tab(django_capture_on_commit_callbacks):
    """A new tab of the frontend, signed out."""

    def open_one() -> Frontend:
        return Frontend(django_capture_on_commit_callbacks)

    return open_one


def sign_up(tab: Frontend, role: str) -> dict:
    """Register with the document's body (a unique email), then log in as the guide does."""
    email = unique_email(role)
    registered = tab.register({**doc.REGISTER_REQUEST, "email": email})
    assert registered.status_code == 201, registered.json()
    login = tab.login(email, doc.LOGIN_REQUEST["password"])
    assert login.status_code == 200, login.json()
    return login.json()["user"]


@pytest.fixture
def seller_tab(open_tab) -> Frontend:
    tab = open_tab()
    tab.user = sign_up(tab, "seller")
    return tab


@pytest.fixture
def buyer_tab(open_tab) -> Frontend:
    tab = open_tab()
    tab.user = sign_up(tab, "buyer")
    return tab


@pytest.fixture
def listed_product(seller_tab, category_one) -> dict:
    """The document's product, created by its seller with the document's body."""
    response = seller_tab.fetch("POST", doc.PATH_PRODUCTS, doc.CREATE_PRODUCT_REQUEST)
    assert response.status_code == 201, response.json()
    return response.json()


def photos() -> list:
    """file1.jpg, file2.jpg (line 212)."""
    return [image_upload("file1.jpg"), image_upload("file2.jpg", color=(30, 30, 200))]


ADDRESS_FIELDS = ("full_name", "phone", "address_line1", "address_line2", "city", "state", "postal_code", "country",
                  "delivery_instructions")


def add_to_cart(tab: Frontend, product: dict, quantity: int = 2):
    """The guide's add to cart (lines 692-699): { product_id, quantity }."""
    response = tab.fetch("POST", doc.PATH_CART_ADD, {**doc.ADD_TO_CART_REQUEST, "product_id": product["id"],
                                                     "quantity": quantity})
    assert response.status_code == 200, response.json()
    return response


def check_out(tab: Frontend, **changes) -> dict:
    """The guide's checkout (lines 704-711) with the document's body; 201 Created (line 374)."""
    response = tab.fetch("POST", doc.PATH_CHECKOUT, {**doc.CHECKOUT_REQUEST, **changes})
    assert response.status_code == 201, response.json()
    return response.json()


def pay(tab: Frontend, order: dict) -> dict:
    """processPayment(order.payments[0].id) (line 714): a POST with the bearer token only."""
    response = tab.fetch("POST", doc.path_process_payment(order["payments"][0]["id"]))
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.fixture
def paid_order(seller_tab, buyer_tab, listed_product) -> dict:
    """The document's product bought by card and paid, the order as its buyer then sees it."""
    add_to_cart(buyer_tab, listed_product)
    order = check_out(buyer_tab)
    assert pay(buyer_tab, order)["status"] == "completed"
    return buyer_tab.fetch("GET", doc.path_order(order["id"])).json()
