"""The seller's assistant's tools: what each one is called, what it takes and what it answers (the
contract every provider reads), and where their implementations come from. The data they read
(products, orders, customers, conversations) belongs to apps above this one, so chat registers the
implementations (ChatConfig.ready) and ai never imports it. An implementation is called as
`run(seller, arguments)`: the seller is always the session's, never an argument of the model's."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonschema

from accounts.models import User
from ai.providers.base import BoundTool

PERIODS = ["today", "yesterday", "this_week", "last_week", "this_month", "last_month", "last_7_days",
           "last_30_days", "this_year"]
DEFAULT_PERIOD = "last_30_days"
POST_PLATFORMS = ["facebook", "instagram", "twitter", "tiktok"]


def _object(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    parameters: dict[str, Any]


# What each tool answers (every money amount a string with two places, with its `currency`):
# find_products: {"products": [{id, name, sku, status, price, currency, stock_quantity, low_stock,
#     variants: [{name, stock_quantity}]}], "total": n}
# sales_summary: {"period", "from", "to", "orders", "revenue", "currency", "items_sold",
#     "average_order_value", "by_status": {status: n}, "top_products": [{name, quantity}]}
# orders_awaiting_action: {"to_confirm": [order...], "to_ship": [order...]}, an order being
#     {order_id, status, payment_method, total, currency, customer, created_at}
# draft_post: {"product", "platform", "text", "content_id"} or {"error"}
# draft_reply: {"conversation_id", "customer", "last_message", "suggestions": [...]} or {"error"}
# find_customer: {"customers": [{id, name, email, phone, orders_count, total_spent, currency,
#     last_seen}], "total": n}
# Any tool may answer {"error": "..."} instead, in a sentence the seller can read.
TOOL_SPECS = [
    ToolSpec("find_products", "Look up the seller's own products: names, prices and stock. Without a query, "
             "their products with the least stock first.",
             _object({"query": {"type": "string", "description": "Words of the product's name or SKU."},
                      "product_id": {"type": "integer", "description": "One product's id."},
                      "low_stock_only": {"type": "boolean", "description": "Only products at or under their "
                                                                         "low-stock threshold."}})),
    ToolSpec("sales_summary", "The seller's orders and revenue for a period (days in the seller's time zone): "
             "orders placed, revenue of confirmed orders, items sold, best sellers.",
             _object({"period": {"type": "string", "enum": PERIODS,
                                 "description": f"Default: {DEFAULT_PERIOD}."}})),
    ToolSpec("orders_awaiting_action", "The seller's orders waiting for them: cash-on-delivery orders to confirm "
             "and paid orders to ship.", _object({})),
    ToolSpec("draft_post", "Draft a social media post about one of the seller's products (kept as a draft for "
             "review; nothing is published).",
             _object({"product_query": {"type": "string", "description": "Words of the product's name."},
                      "product_id": {"type": "integer"},
                      "platform": {"type": "string", "enum": POST_PLATFORMS},
                      "language": {"type": "string", "enum": ["en", "fr"]}})),
    ToolSpec("draft_reply", "Suggest replies to a customer's latest message in one of the seller's conversations "
             "(the latest unread one when no customer is named).",
             _object({"customer_query": {"type": "string", "description": "The customer's name, email or "
                                                                          "phone."}})),
    ToolSpec("find_customer", "Find the seller's customers by name, email, phone or platform username.",
             _object({"query": {"type": "string"}}, ("query",))),
]
TOOL_NAMES = [spec.name for spec in TOOL_SPECS]

# run(seller, arguments) -> result, as the contract above says.
ToolImplementation = Callable[[User, dict[str, Any]], dict[str, Any]]
_implementations: dict[str, ToolImplementation] = {}


def register_assistant_tools(implementations: dict[str, ToolImplementation]) -> None:
    unknown = set(implementations) - set(TOOL_NAMES)
    if unknown:
        raise ValueError(f"No such assistant tools: {', '.join(sorted(unknown))}")
    _implementations.update(implementations)


def bound_tools(seller: User) -> list[BoundTool]:
    """The registered tools, bound to `seller`: arguments that do not follow the tool's schema (an
    extra `seller_id`, say) are refused before anything is read."""
    return [BoundTool(spec.name, spec.description, spec.parameters, _bound(spec, _implementations[spec.name], seller))
            for spec in TOOL_SPECS if spec.name in _implementations]


def _bound(spec: ToolSpec, implementation: ToolImplementation, seller: User) -> Callable[[dict], dict]:
    def run(arguments: dict[str, Any]) -> dict[str, Any]:
        try:
            jsonschema.validate(arguments, spec.parameters)
        except jsonschema.ValidationError as invalid:
            return {"error": f"Invalid arguments for {spec.name}: {invalid.message}"}
        return implementation(seller, arguments)

    return run
