"""Every list a user owns answers a full page of 500 (the conventions' bound) in as many queries
as a page of 2, and the public catalog (the list, a vendor's page, search) a full page of 100.

Each list holds one row more than a full page, built with bulk_create and carrying what its items
read (images, variants and a category; items, payments and a timeline; actors; holds), each row of
another user where the item shows one: a query per row, or per seller, would show as a count that
grows from the page of 2 to the full page."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from ai.models import AIContent, AIUsage
from customers.models import Customer, CustomerHandle, CustomerTag
from notifications.models import Notification
from orders.models import Order, OrderEvent, OrderItem, OrderStatus, Payment, PaymentMethod, PaymentStatus
from products.models import Category, Favorite, Product, ProductHistory, ProductImage, Tag, Variant
from products.search.index import index_products
from tests.accounts.factories import UserFactory
from tests.conftest import authenticated_client
from tests.orders.factories import hold

pytestmark = pytest.mark.django_db

OWNED, OWNED_MAX = 100, 500  # a list a user owns: its default page, its largest
CATALOG, CATALOG_MAX = 20, 100  # the public catalog's


def links(response) -> dict[str, str]:
    return {rel: href for href, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response["Link"])}


def as_list(body):
    return body


class Pages:
    """Reads one list the ways a client pages it, and measures the query counts."""

    def __init__(self, client, url, *, default: int, largest: int, rows=as_list, **params):
        self.client, self.url, self.default, self.largest, self.rows, self.params = (
            client, url, default, largest, rows, params)

    def get(self, **query):
        return self.client.get(self.url, {**self.params, **query})

    def check(self, assert_max_queries, *, most: int) -> None:
        """Default page, a page of 2 and a full page, then the page after it and one too large: the
        full page costs as many queries as the page of 2, and at most `most`."""
        self.check_default_page()
        response = self.check_full_page(assert_max_queries, most=most)
        self.check_past_the_full_page(response)

    def check_default_page(self) -> None:
        first = self.get()
        assert first.status_code == 200, first.content
        assert len(self.rows(first.json())) == self.default
        assert first["X-Total-Count"] == str(self.largest + 1)

    def check_full_page(self, assert_max_queries, *, most: int):
        # Counted at once: a later request clears the query log the contexts read from.
        with CaptureQueriesContext(connection) as small:
            two = self.get(page_size=2)
        small_count = len(small)
        with assert_max_queries(most) as full:
            response = self.get(page_size=self.largest)
        assert len(full) == small_count, "\n".join(query["sql"] for query in full.captured_queries)

        assert two.status_code == 200 and len(self.rows(two.json())) == 2
        assert response.status_code == 200, response.content
        assert len(self.rows(response.json())) == self.largest
        assert response["X-Total-Count"] == str(self.largest + 1)
        assert set(links(response)) == {"next", "first", "last"}
        return response

    def check_past_the_full_page(self, response) -> None:
        rest = self.client.get(links(response)["next"])
        assert rest.status_code == 200 and len(self.rows(rest.json())) == 1

        too_large = self.get(page_size=self.largest + 1)
        assert too_large.status_code == 400
        assert too_large.json()["details"] == {
            "page_size": [f"Ensure this value is less than or equal to {self.largest}."]}


# --- Building many rows cheaply ------------------------------------------------------------------

def users(count: int, *, account_type: str, prefix: str) -> list[User]:
    return User.objects.bulk_create(
        User(email=f"{prefix}{n}@example.com", first_name="Ama", last_name=f"Owusu {n}", account_type=account_type,
             country="Ghana", city="Accra")
        for n in range(count))


def products(sellers: list[User], count: int, *, name: str = "Kente stole") -> list[Product]:
    """`count` active products, one per seller in turn, each with a category, a primary image and a
    variant, as the lists read them."""
    categories = Category.objects.bulk_create(
        Category(name=f"Fabrics {n}", slug=f"fabrics-{n}-{sellers[0].pk}") for n in range(2))
    rows = Product.objects.bulk_create(
        Product(seller=sellers[n % len(sellers)], name=f"{name} {n}", slug=f"kente-stole-{n}", price=Decimal("45.00"),
                currency="GHS", status="active", stock_quantity=5, category=categories[n % 2],
                tags_text="kente,handmade")
        for n in range(count))
    ProductImage.objects.bulk_create(
        ProductImage(product=product, image=f"products/{product.pk}/a.jpg", thumbnail=f"products/{product.pk}/t.jpg",
                     is_primary=True, alt_text=product.name)
        for product in rows)
    Variant.objects.bulk_create(Variant(product=product, name="M / Red", options={"size": "M"}, stock_quantity=5)
                                for product in rows)
    return rows


def orders(*, buyers: list[User], sellers: list[User], count: int) -> list[Order]:
    """Paid orders (nothing left to expire on reading), each with two items, a payment and a
    timeline of two events by their buyer and the system."""
    paid_at = timezone.now() - timedelta(hours=1)
    rows = Order.objects.bulk_create(
        Order(buyer=buyers[n % len(buyers)], seller=sellers[n % len(sellers)], status=OrderStatus.CONFIRMED,
              payment_method=PaymentMethod.CARD, currency="GHS", subtotal=Decimal("90.00"),
              shipping_fee=Decimal("10.00"), total_amount=Decimal("100.00"), full_name="John Doe",
              phone="+233501234567", address_line1="123 Main Street", city="Accra", country="Ghana",
              confirmed_at=paid_at)
        for n in range(count))
    OrderItem.objects.bulk_create(
        OrderItem(order=order, product_name=f"Kente stole {line}", sku=f"KT-{line}",
                  image=f"/media/products/{line}.jpg", unit_price=Decimal("45.00"), quantity=1, total=Decimal("45.00"))
        for order in rows for line in range(2))
    Payment.objects.bulk_create(
        Payment(order=order, method=PaymentMethod.CARD, gateway="test", reference=f"SFLIST{order.pk}",
                amount=order.total_amount, currency="GHS", status=PaymentStatus.COMPLETED,
                amount_paid=order.total_amount, currency_paid="GHS", paid_at=paid_at)
        for order in rows)
    OrderEvent.objects.bulk_create(
        event for order in rows for event in (
            OrderEvent(order=order, to_status=OrderStatus.PENDING, actor=order.buyer),
            OrderEvent(order=order, from_status=OrderStatus.PENDING, to_status=OrderStatus.CONFIRMED)))
    return rows


# --- Lists the user owns: 100 a page unless asked, up to 500 ----------------------------------

def test_the_sellers_products(seller, django_assert_max_num_queries):
    products([seller], OWNED_MAX + 1)
    pages = Pages(authenticated_client(seller), "/api/products/", default=OWNED, largest=OWNED_MAX)

    # user, count, page with categories, images, variants
    pages.check(django_assert_max_num_queries, most=5)

    item = pages.get(page_size=1).json()[0]
    assert item["images"][0]["is_primary"] and item["variants"][0]["name"] == "M / Red"
    assert item["category_detail"]["name"].startswith("Fabrics")


def test_a_products_history(seller, django_assert_max_num_queries):
    (product,) = products([seller], 1)
    actors = users(OWNED_MAX + 1, account_type="seller", prefix="staff")
    ProductHistory.objects.bulk_create(
        ProductHistory(product=product, actor=actor, event="stock_adjusted", reason=f"delivery {n}",
                       changes={"stock_quantity": {"old": n, "new": n + 1}})
        for n, actor in enumerate(actors))
    pages = Pages(authenticated_client(seller), f"/api/products/{product.pk}/history/", default=OWNED,
                  largest=OWNED_MAX)

    # user, product, count, page with actors
    pages.check(django_assert_max_num_queries, most=4)

    assert pages.get(page_size=1).json()[0]["actor"]["email"].startswith("staff")


def test_the_sellers_tags(seller, django_assert_max_num_queries):
    rows = products([seller], OWNED_MAX + 1)
    tags = Tag.objects.bulk_create(Tag(name=f"tag{n}") for n in range(OWNED_MAX + 1))
    Product.tags.through.objects.bulk_create(
        Product.tags.through(product=product, tag=tag) for product, tag in zip(rows, tags, strict=True))
    pages = Pages(authenticated_client(seller), "/api/products/tags/", default=OWNED, largest=OWNED_MAX)

    # user, count, page of the tags with their counts
    pages.check(django_assert_max_num_queries, most=3)

    assert pages.get(page_size=1).json() == [{"name": "tag0", "count": 1}]


def test_the_buyers_favourites(buyer, django_assert_max_num_queries):
    sellers = users(OWNED_MAX + 1, account_type="seller", prefix="shop")
    favourites = products(sellers, OWNED_MAX + 1)
    Favorite.objects.bulk_create(Favorite(user=buyer, product=product) for product in favourites)
    hold(favourites[0], 2)
    pages = Pages(authenticated_client(buyer), "/api/products/favorites/", default=OWNED, largest=OWNED_MAX)

    # user, count, page with sellers and categories, images, held stock
    pages.check(django_assert_max_num_queries, most=5)

    item = pages.get(page_size=1).json()[0]
    assert item["images"] and item["seller"]["display_name"].startswith("Ama Owusu")


def test_the_buyers_orders(buyer, django_assert_max_num_queries):
    sellers = users(OWNED_MAX + 1, account_type="seller", prefix="shop")
    orders(buyers=[buyer], sellers=sellers, count=OWNED_MAX + 1)
    pages = Pages(authenticated_client(buyer), "/api/orders/orders/", default=OWNED, largest=OWNED_MAX)

    # user, overdue orders to expire (none), count, page with buyers and sellers, items, payments, events
    pages.check(django_assert_max_num_queries, most=7)

    order = pages.get(page_size=1).json()[0]
    assert len(order["items"]) == 2 and len(order["payments"]) == 1
    assert [event["actor"] for event in order["timeline"]] == ["buyer", "system"]


def test_the_sellers_orders(seller, django_assert_max_num_queries):
    buyers = users(OWNED_MAX + 1, account_type="buyer", prefix="buyer")
    orders(buyers=buyers, sellers=[seller], count=OWNED_MAX + 1)
    pages = Pages(authenticated_client(seller), "/api/orders/orders/seller_orders/", default=OWNED,
                  largest=OWNED_MAX)

    # user, overdue orders to expire (none), count, page with buyers and sellers, items, payments, events
    pages.check(django_assert_max_num_queries, most=7)

    order = pages.get(page_size=1).json()[0]
    assert order["buyer"]["name"].startswith("Ama Owusu") and len(order["timeline"]) == 2


def test_the_sellers_customers(seller, django_assert_max_num_queries):
    buyers = users(OWNED_MAX + 1, account_type="buyer", prefix="buyer")
    rows = Customer.objects.bulk_create(
        Customer(seller=seller, buyer=buyer, name=f"Ama Owusu {n}", email=buyer.email)
        for n, buyer in enumerate(buyers))
    CustomerHandle.objects.bulk_create(
        handle for n, customer in enumerate(rows) for handle in (
            CustomerHandle(customer=customer, seller=seller, platform="instagram", platform_user_id=f"ig{n}"),
            CustomerHandle(customer=customer, seller=seller, platform="whatsapp", platform_user_id=f"wa{n}")))
    CustomerTag.objects.bulk_create(CustomerTag(customer=customer, seller=seller, name=name)
                                    for customer in rows for name in ("vip", "accra"))
    pages = Pages(authenticated_client(seller), "/api/customers/", default=OWNED, largest=OWNED_MAX)

    # user, count, page with the seller's currency, handles, tags
    pages.check(django_assert_max_num_queries, most=5)

    item = pages.get(page_size=1).json()[0]
    assert item["tags"] == ["accra", "vip"] and len(item["handles"]) == 2


def test_a_customers_orders(seller, buyer, django_assert_max_num_queries):
    orders(buyers=[buyer], sellers=[seller], count=OWNED_MAX + 1)
    customer = Customer.objects.create(seller=seller, buyer=buyer, email=buyer.email)
    pages = Pages(authenticated_client(seller), f"/api/customers/{customer.pk}/orders/", default=OWNED,
                  largest=OWNED_MAX)

    # user, customer, overdue orders to expire (none), count, page with buyers and sellers, items, payments, events
    pages.check(django_assert_max_num_queries, most=8)


def test_the_users_notifications(buyer, django_assert_max_num_queries):
    Notification.objects.bulk_create(
        Notification(user=buyer, type="order", title=f"Order {n} confirmed", body="It ships soon.",
                     data={"order_id": n})
        for n in range(OWNED_MAX + 1))
    pages = Pages(authenticated_client(buyer), "/api/notifications/", default=OWNED, largest=OWNED_MAX)

    # user, count, page
    pages.check(django_assert_max_num_queries, most=3)



def test_a_products_ai_content(seller, django_assert_max_num_queries):
    (product,) = products([seller], 1)
    AIContent.objects.bulk_create(
        AIContent(product=product, content_type="description", language="en", text=f"Hand-woven, version {n}.",
                  provider="local", version=n + 1, request_key=f"{n:064d}", created_by=seller)
        for n in range(OWNED_MAX + 1))
    pages = Pages(authenticated_client(seller), f"/api/products/{product.pk}/content/", default=OWNED,
                  largest=OWNED_MAX)

    # user, product, count, page
    pages.check(django_assert_max_num_queries, most=4)



def test_the_ai_usage_report_reads_a_year_in_a_fixed_number_of_queries(seller, django_assert_max_num_queries):
    """Not a paged list: one row per day and feature over at most 366 days, summed by the database."""
    client = authenticated_client(seller)
    today = timezone.localdate()
    AIUsage.objects.create(user=seller, feature="description", provider="local", success=True, day=today)
    with CaptureQueriesContext(connection) as one_row:
        assert len(client.get("/api/ai/usage/", {"days": 366}).json()["days"]) == 1
    one_row_count = len(one_row)
    AIUsage.objects.bulk_create(
        AIUsage(user=seller, feature=feature, provider="local", success=True, day=today - timedelta(days=n))
        for n in range(1, 366) for feature in ("description", "hashtags"))

    with django_assert_max_num_queries(3) as year:  # user, the days summed, the quota
        response = client.get("/api/ai/usage/", {"days": 366})

    assert len(response.json()["days"]) == 1 + 365 * 2
    assert len(year) == one_row_count


# --- The public catalog: 20 a page unless asked, up to 100 ------------------------------------

@pytest.fixture
def catalog(db):
    """101 public products of as many sellers, searchable, the first one held in full."""
    rows = products(users(CATALOG_MAX + 1, account_type="seller", prefix="shop"), CATALOG_MAX + 1)
    with transaction.atomic():
        index_products([product.pk for product in rows])
    hold(rows[0], rows[0].stock_quantity)
    return rows


def test_the_public_list(api_client, catalog, settings, django_assert_max_num_queries):
    settings.PUBLIC_CATALOG_CACHE_SECONDS = 0  # measure the database work itself
    pages = Pages(api_client, "/api/products/public/list/", default=CATALOG, largest=CATALOG_MAX)

    # the products held in full, count (of both kinds), page with sellers and categories, images, held stock
    pages.check(django_assert_max_num_queries, most=5)



def test_a_vendors_page(api_client, django_assert_max_num_queries):
    vendor = UserFactory(account_type="seller", company_name="Ama Styles")
    products([vendor], CATALOG_MAX + 1)
    pages = Pages(api_client, f"/api/products/public/vendor/{vendor.pk}/", default=CATALOG, largest=CATALOG_MAX,
                  rows=lambda body: body["products"])

    # vendor, count, page, images, held stock
    pages.check(django_assert_max_num_queries, most=5)

    assert pages.get().json()["vendor"]["product_count"] == CATALOG_MAX + 1


def test_the_ai_search(api_client, catalog, django_assert_max_num_queries):
    pages = Pages(api_client, "/api/ai/search/", default=CATALOG, largest=CATALOG_MAX,
                  rows=lambda body: body["results"], q="kente")

    # Once the words are read (the first request; their plan is cached): the active categories (a
    # category named in the words), count, page with sellers and categories, images, held stock.
    pages.check(django_assert_max_num_queries, most=5)

    assert pages.get().json()["count"] == CATALOG_MAX + 1
