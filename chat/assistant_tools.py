"""The seller's assistant's tools over the seller's own data (the contract is ai.assistant's): each
reads through a queryset filtered by the seller it is bound to, so an id or a name in the model's
arguments only ever finds the seller's own rows. Registered into the AI app in ChatConfig.ready."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import reduce
from operator import and_, or_
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from ai.assistant import DEFAULT_PERIOD
from ai.models import ContentType
from ai.rules import clip
from ai.services.content import ContentRequest, content_generate
from ai.services.replies import conversation_reply_suggestions
from chat.models import Conversation, Message, SenderType
from chat.selectors import conversation_reply_context
from customers.models import Customer
from orders.models import SOLD_STATUSES, Order, OrderItem, OrderStatus, PaymentMethod
from products.models import Product, Variant
from sellflow.exceptions import ApplicationError
from sellflow.platforms import Platform

LIST_LIMIT = 10
CUSTOMER_TEXT_LIMIT = 200
# Orders that are orders: not cancelled nor refunded. Revenue counts sales (SOLD_STATUSES).
NOT_COUNTED = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)
TO_SHIP = (OrderStatus.CONFIRMED, OrderStatus.PROCESSING)


def money(amount: Decimal | None) -> str:
    return f"{(amount or Decimal('0')).quantize(Decimal('0.01')):.2f}"


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def words_of(query: str) -> list[str]:
    """The query's words, plurals made singular the simple way ("bags" finds "Leather bag")."""
    words = [word.strip(".,;:!?\"'()") for word in (query or "").split()]
    return [word[:-1] if len(word) > 3 and word.lower().endswith("s") else word for word in words if word][:8]


def matching_products(products: QuerySet[Product], query: str) -> QuerySet[Product]:
    """Products whose name or SKU holds every word of the query, else any of them."""
    words = words_of(query)
    if not words:
        return products
    each = [Q(name__icontains=word) | Q(sku__iexact=word) for word in words]
    every = products.filter(reduce(and_, each))
    return every if every.exists() else products.filter(reduce(or_, each))


def own_products(seller: User, arguments: dict[str, Any]) -> QuerySet[Product]:
    products = Product.objects.alive().filter(seller=seller)
    if arguments.get("product_id") is not None:
        return products.filter(pk=arguments["product_id"])
    return matching_products(products, arguments.get("query") or arguments.get("product_query") or "")


# --- find_products --------------------------------------------------------------------------------

def find_products(seller: User, arguments: dict[str, Any]) -> dict[str, Any]:
    products = own_products(seller, arguments)
    if arguments.get("low_stock_only"):
        products = products.filter(stock_quantity__lte=F("low_stock_threshold"))
    ordered = products.order_by("stock_quantity", "name", "pk") if not arguments.get("query") else products.order_by(
        "name", "pk")
    page = ordered.prefetch_related(Prefetch("variants", Variant.objects.order_by("position", "pk")))[:LIST_LIMIT]
    return {"total": products.count(), "products": [{
        "id": product.pk, "name": product.name, "sku": product.sku, "status": product.status,
        "price": money(product.price), "currency": product.currency, "stock_quantity": product.stock_quantity,
        "low_stock": product.is_low_stock,
        "variants": [{"name": variant.name, "stock_quantity": variant.stock_quantity}
                     for variant in product.variants.all()],
    } for product in page]}


# --- sales_summary --------------------------------------------------------------------------------

def period_days(period: str, today: date) -> tuple[date, date]:
    """The first and last day of the period, `today` being the seller's."""
    week_start = today - timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    last_month_end = month_start - timedelta(days=1)
    return {
        "today": (today, today),
        "yesterday": (today - timedelta(days=1), today - timedelta(days=1)),
        "this_week": (week_start, today),
        "last_week": (week_start - timedelta(days=7), week_start - timedelta(days=1)),
        "this_month": (month_start, today),
        "last_month": (last_month_end.replace(day=1), last_month_end),
        "last_7_days": (today - timedelta(days=6), today),
        "this_year": (today.replace(month=1, day=1), today),
    }.get(period, (today - timedelta(days=29), today))


def sales_summary(seller: User, arguments: dict[str, Any]) -> dict[str, Any]:
    """Orders placed in the period (days in the seller's time zone), and what they brought: revenue
    of the confirmed ones in the seller's currency, items sold, the best sellers."""
    period = arguments.get("period") or DEFAULT_PERIOD
    zone = ZoneInfo(seller.timezone)
    first, last = period_days(period, timezone.localtime(timezone=zone).date())
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    placed = Order.objects.filter(seller=seller, created_at__gte=start, created_at__lt=end)
    figures = placed.aggregate(
        orders=Count("pk", filter=~Q(status__in=NOT_COUNTED)),
        earning=Count("pk", filter=Q(status__in=SOLD_STATUSES, currency=seller.currency)),
        revenue=Sum("total_amount", filter=Q(status__in=SOLD_STATUSES, currency=seller.currency)))
    by_status = dict(placed.order_by().values_list("status").annotate(count=Count("pk")))
    items = (OrderItem.objects.filter(order__in=placed.exclude(status__in=NOT_COUNTED)).order_by()
             .values("product_name").annotate(quantity=Sum("quantity")).order_by("-quantity", "product_name"))
    items = list(items)
    revenue = figures["revenue"] or Decimal("0")
    return {
        "period": period, "from": first.isoformat(), "to": last.isoformat(), "orders": figures["orders"],
        "revenue": money(revenue), "currency": seller.currency,
        "average_order_value": money(revenue / figures["earning"]) if figures["earning"] else None,
        "items_sold": sum(item["quantity"] for item in items),
        "by_status": {status: by_status[status] for status in OrderStatus.values if status in by_status},
        "top_products": [{"name": item["product_name"], "quantity": item["quantity"]} for item in items[:3]],
    }


# --- orders_awaiting_action -----------------------------------------------------------------------

def order_line(order: Order) -> dict[str, Any]:
    return {"order_id": order.order_id, "status": order.status, "payment_method": order.payment_method,
            "total": money(order.total_amount), "currency": order.currency, "customer": order.full_name,
            "created_at": iso(order.created_at)}


def orders_awaiting_action(seller: User, arguments: dict[str, Any]) -> dict[str, Any]:
    """Cash-on-delivery orders still to confirm (before their time runs out) and confirmed orders to ship,
    oldest first: the first to act on."""
    now = timezone.now()
    orders = Order.objects.filter(seller=seller).order_by("created_at", "pk")
    to_confirm = orders.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), status=OrderStatus.PENDING,
                               payment_method=PaymentMethod.CASH_ON_DELIVERY)
    to_ship = orders.filter(status__in=TO_SHIP)
    return {"to_confirm": [order_line(order) for order in to_confirm[:LIST_LIMIT * 5]],
            "to_ship": [order_line(order) for order in to_ship[:LIST_LIMIT * 5]]}


# --- draft_post, draft_reply --------------------------------------------------------------------

def draft_post(seller: User, arguments: dict[str, Any]) -> dict[str, Any]:
    """A post about one of the seller's products by the AI app's post writer, kept as a draft."""
    product = own_products(seller, arguments).order_by("name", "pk").first()
    if product is None:
        return {"error": "No product of yours matches; name one of your products."}
    platform = arguments.get("platform") or Platform.INSTAGRAM
    request = ContentRequest(content_type=ContentType.SOCIAL_POST, platform=platform,
                             language=arguments.get("language") or "en")
    try:
        content, _ = content_generate(user=seller, product=product, request=request)
    except ApplicationError as refused:
        return {"error": refused.message}
    return {"product": product.name, "platform": platform, "text": content.text, "content_id": content.pk}


def conversation_to_answer(seller: User, customer_query: str) -> Conversation | None:
    """The seller's customer conversation to reply in: the named customer's latest, else the latest
    one with unread messages, else the latest the customer wrote in."""
    conversations = (Conversation.objects.filter(seller=seller).exclude(source=Platform.ASSISTANT)
                     .select_related("customer", "product").order_by("-last_message_at", "-pk"))
    if customer_query:
        return conversations.filter(customer__in=matching_customers(seller, customer_query)).first()
    inbound = Message.objects.filter(sender_type__in=(SenderType.BUYER, SenderType.CUSTOMER))
    return (conversations.filter(seller_unread__gt=0).first()
            or conversations.filter(pk__in=inbound.values("conversation_id")).first())


def draft_reply(seller: User, arguments: dict[str, Any]) -> dict[str, Any]:
    conversation = conversation_to_answer(seller, arguments.get("customer_query") or "")
    if conversation is None:
        return {"error": "No conversation of yours with that customer to reply to."}
    context = conversation_reply_context(conversation)
    try:
        suggestions = conversation_reply_suggestions(user=seller, conversation=context)
    except ApplicationError as refused:
        return {"error": refused.message}
    last = next((m["text"] for m in reversed(context.messages) if m["from"] == "customer"), "")
    return {"conversation_id": conversation.pk, "customer": conversation.customer.name,
            "last_message": clip(last, CUSTOMER_TEXT_LIMIT), "suggestions": suggestions}


# --- find_customer --------------------------------------------------------------------------------

def matching_customers(seller: User, query: str) -> QuerySet[Customer]:
    query = (query or "").strip()
    customers = Customer.objects.filter(seller=seller)
    if not query:
        return customers.none()
    names = [Q(name__icontains=word) for word in words_of(query)] or [Q(name__icontains=query)]
    found = (Q(email__iexact=query) | Q(phone__icontains=query) | Q(handles__username__iexact=query.lstrip("@"))
             | reduce(and_, names))
    return customers.filter(pk__in=customers.filter(found).values("pk"))


def find_customer(seller: User, arguments: dict[str, Any]) -> dict[str, Any]:
    customers = matching_customers(seller, arguments.get("query", "")).order_by("-last_seen", "-pk")
    return {"total": customers.count(), "customers": [{
        "id": customer.pk, "name": customer.name, "email": customer.email, "phone": customer.phone,
        "orders_count": customer.orders_count, "total_spent": money(customer.total_spent),
        "currency": seller.currency, "last_seen": iso(customer.last_seen),
    } for customer in customers[:LIST_LIMIT]]}


ASSISTANT_TOOLS = {
    "find_products": find_products,
    "sales_summary": sales_summary,
    "orders_awaiting_action": orders_awaiting_action,
    "draft_post": draft_post,
    "draft_reply": draft_reply,
    "find_customer": find_customer,
}
