from accounts.models import User
from social.models import SocialAccount


def seller_accounts(seller: User):
    """The seller's connected accounts (revoked ones too: their posts keep their history)."""
    return SocialAccount.objects.filter(seller=seller).order_by("platform", "pk")
