from rest_framework.permissions import BasePermission


class IsSeller(BasePermission):
    """Seller-only endpoints: buyers are authenticated but get 403."""

    message = "Only seller accounts can do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_seller)
