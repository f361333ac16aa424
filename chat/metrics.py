"""The chat's figures in a seller's profile `metrics`: how fast and how often they answer."""

from accounts.metrics import register_seller_metric
from chat.stats import response_metrics

register_seller_metric("chat")(response_metrics)
