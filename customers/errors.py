"""The domain errors of the customers app, each with its code (see conventions: Errors)."""

from enum import StrEnum

from rest_framework import status

from sellflow.exceptions import ApplicationError, Conflict


class CustomersErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    IDENTIFIER_TAKEN = "identifier_taken"
    BUYER_ACCOUNTS_DIFFER = "buyer_accounts_differ"


class IdentifierTaken(Conflict):
    """details: the `field` (email or phone) and the id of the customer who holds it (`customer_id`),
    so the seller can open that customer, or merge the two."""

    code = CustomersErrorCode.IDENTIFIER_TAKEN
    message = "Another of your customers has this email address or phone number: merge the two instead."


class MergeIntoItself(ApplicationError):
    code = CustomersErrorCode.INVALID
    message = "A customer cannot be merged into itself."

    def __init__(self):
        super().__init__(details={"other": [self.message]})


class CustomerNotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    code = CustomersErrorCode.NOT_FOUND
    message = "Not found."


class OtherCustomerNotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    code = CustomersErrorCode.NOT_FOUND
    message = "Not found."

    def __init__(self, pk: int):
        super().__init__(details={"other": [f"{pk}: no such customer of yours."]})


class BuyerAccountsDiffer(Conflict):
    code = CustomersErrorCode.BUYER_ACCOUNTS_DIFFER
    message = ("Both customers have their own SellFlow account: each account's orders stay with its customer, so "
               "they are not merged.")
