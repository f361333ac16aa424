"""The domain errors of the orders app, each with its code (see conventions: Errors)."""

from enum import StrEnum

from rest_framework import status

from sellflow.exceptions import ApplicationError, Conflict, ProviderError


class OrdersErrorCode(StrEnum):
    OUT_OF_STOCK = "out_of_stock"
    PRODUCT_UNAVAILABLE = "product_unavailable"
    NOT_FOUND = "not_found"
    VARIANT_REQUIRED = "variant_required"
    CART_EMPTY = "cart_empty"
    CART_FULL = "cart_full"
    SELLER_REQUIRED = "seller_required"
    CHECKOUT_FAILED = "checkout_failed"
    CURRENCY_MISMATCH = "currency_mismatch"
    OWN_PRODUCT = "own_product"
    INVALID_TRANSITION = "invalid_transition"
    PAYMENT_NOT_PAYABLE = "payment_not_payable"
    PAYMENT_IN_PROGRESS = "payment_in_progress"
    METHOD_UNAVAILABLE = "method_unavailable"
    REFUND_TOO_LARGE = "refund_too_large"
    NOT_REFUNDABLE = "not_refundable"
    INVALID_SIGNATURE = "invalid_signature"
    UNKNOWN_GATEWAY = "unknown_gateway"
    VERIFICATION_REQUIRED = "verification_required"
    TOO_MANY_OPEN_ORDERS = "too_many_open_orders"
    HOLD_LIMIT_REACHED = "hold_limit_reached"
    TOO_MANY_ABANDONED_ORDERS = "too_many_abandoned_orders"
    ORDER_TOO_LARGE = "order_too_large"
    PAYMENT_REJECTED = "payment_rejected"
    RESTOCK_NEEDS_FULL_REFUND = "restock_needs_full_refund"
    REFUND_FAILED = "refund_failed"
    PROVIDER_REQUIRED = "provider_required"
    EMAIL_REQUIRED = "email_required"


class OutOfStock(Conflict):
    code = OrdersErrorCode.OUT_OF_STOCK
    message = "Not enough stock for this quantity."


class ProductUnavailable(Conflict):
    code = OrdersErrorCode.PRODUCT_UNAVAILABLE
    message = "This product is not for sale any more."


class ProductNotFound(ApplicationError):
    """A line naming a product (or variant) that is not the seller's: as if it did not exist."""

    status_code = status.HTTP_404_NOT_FOUND
    code = OrdersErrorCode.NOT_FOUND
    message = "No such product (or variant) of yours."


class VariantRequired(ApplicationError):
    code = OrdersErrorCode.VARIANT_REQUIRED
    message = "This product sells by variant: choose one (variant_id)."


class OwnProduct(ApplicationError):
    code = OrdersErrorCode.OWN_PRODUCT
    message = "Sellers cannot buy their own products."


class CartEmpty(Conflict):
    code = OrdersErrorCode.CART_EMPTY
    message = "The cart is empty."


class CartFull(Conflict):
    code = OrdersErrorCode.CART_FULL
    message = "The cart has as many lines as it can hold."


class SellerRequired(ApplicationError):
    code = OrdersErrorCode.SELLER_REQUIRED
    message = "The cart holds products of several sellers: say whose order this is (seller_id)."


class CheckoutFailed(Conflict):
    code = OrdersErrorCode.CHECKOUT_FAILED
    message = "Some lines of the cart cannot be ordered as they are."


class CurrencyMismatch(Conflict):
    code = OrdersErrorCode.CURRENCY_MISMATCH
    message = "One order is paid in one currency: these lines are priced in several."


class VerificationRequired(ApplicationError):
    status_code = 403
    code = OrdersErrorCode.VERIFICATION_REQUIRED
    message = "Confirm your email address before ordering with cash on delivery."


class TooManyOpenOrders(Conflict):
    code = OrdersErrorCode.TOO_MANY_OPEN_ORDERS
    message = "You have as many unpaid or unconfirmed orders as you can: pay or cancel one first."


class HoldLimitReached(Conflict):
    code = OrdersErrorCode.HOLD_LIMIT_REACHED
    message = "Your open orders already hold as many units of this product as one buyer can."


class TooManyAbandonedOrders(ApplicationError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = OrdersErrorCode.TOO_MANY_ABANDONED_ORDERS
    message = "You cancelled or left unpaid too many orders in the last 24 hours: you can order again later."


class OrderTooLarge(ApplicationError):
    code = OrdersErrorCode.ORDER_TOO_LARGE
    message = "This order's total is larger than one order can be: split it into several."


class InvalidTransition(Conflict):
    code = OrdersErrorCode.INVALID_TRANSITION
    message = "The order cannot make this change from its current status."


class PaymentNotPayable(Conflict):
    code = OrdersErrorCode.PAYMENT_NOT_PAYABLE
    message = "This payment cannot be processed in its current state."


class CashOnDeliveryNotPayable(PaymentNotPayable):
    message = "Cash on delivery is paid to the seller on delivery."


class PaymentRejected(ApplicationError):
    """The gateway cannot take what it was given (a wallet number...): its reason is told."""

    code = OrdersErrorCode.PAYMENT_REJECTED
    message = "The payment provider cannot take this payment."

    def __init__(self, reason: str, **kwargs):
        super().__init__(f"The payment provider cannot take this payment: {reason}", **kwargs)


class ProviderRequired(ApplicationError):
    """A mobile money wallet whose number does not tell its network: the buyer names it."""

    code = OrdersErrorCode.PROVIDER_REQUIRED
    message = "Say which mobile money network the wallet is on (mobile_money_provider): its number does not tell."


def _in_words(labels: list[str]) -> str:
    return " or ".join([", ".join(labels[:-1]), labels[-1]] if len(labels) > 1 else labels)


class CustomerEmailRequired(ApplicationError):
    """A guest order without an email, for a payment method whose gateway needs one (Paystack):
    refused before anything is written, with the methods that would do."""

    code = OrdersErrorCode.EMAIL_REQUIRED
    message = "This customer has no email, and the payment provider needs one."

    def __init__(self, *, gateway_label: str, method_label: str, alternatives: list[str], **kwargs):
        super().__init__(f"This customer has no email: {gateway_label} needs one for {method_label} payments. "
                         f"Add an email to the customer, or choose {_in_words(alternatives)}.", **kwargs)


class PayerEmailRequired(Conflict):
    """An order without the payer's email reaches a gateway that needs one (the gateway for its
    method changed since it was placed): nothing is sent."""

    code = OrdersErrorCode.EMAIL_REQUIRED
    message = ("This order has no email, and the payment provider needs one: nothing was charged. "
               "Ask the seller for another way to pay.")


class PaymentInProgress(Conflict):
    code = OrdersErrorCode.PAYMENT_IN_PROGRESS
    message = "This payment is being sent to the provider right now; ask again in a moment."


class MethodUnavailable(ApplicationError):
    code = OrdersErrorCode.METHOD_UNAVAILABLE
    message = "This payment method is not available on this server."


class RefundTooLarge(Conflict):
    code = OrdersErrorCode.REFUND_TOO_LARGE
    message = "A refund cannot exceed what was paid and not yet refunded."


class RefundFailed(Conflict):
    code = OrdersErrorCode.REFUND_FAILED
    message = "The payment provider refused the refund."


class RestockNeedsFullRefund(ApplicationError):
    code = OrdersErrorCode.RESTOCK_NEEDS_FULL_REFUND
    message = "Restocking goes with a refund of everything left to refund."


class NotRefundable(Conflict):
    code = OrdersErrorCode.NOT_REFUNDABLE
    message = "Nothing was paid on this order that can be refunded."


class PaymentProviderError(ProviderError):
    message = "The payment provider did not answer. Nothing was charged; try again."


class RefundNotSent(PaymentProviderError):
    message = "This payment's provider cannot be asked for a refund here; nothing was refunded."


class RefundUnconfirmed(PaymentProviderError):
    message = "The payment provider did not confirm the refund. It is asked again shortly: do not refund again."
