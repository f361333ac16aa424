"""Every word the social app says to sellers about their connected accounts."""

from notifications.models import NotificationType
from notifications.services import notify
from social.models import SocialAccount


def account_needs_reconnect(account: SocialAccount) -> None:
    """The account's token ran out (or was refused) and could not be refreshed."""
    name = account.platform_username or account.display_name or account.platform_user_id
    notify(user=account.seller, type=NotificationType.SOCIAL,
           title=f"Reconnect your {account.get_platform_display()} account",
           body=f"SellFlow can no longer publish as {name}: its access has expired. Connect it again to keep "
                f"posting.",
           data={"account_id": account.pk, "platform": account.platform, "status": account.status},
           dedupe_key=f"social-reconnect:{account.pk}:{account.updated_at.isoformat() if account.updated_at else ''}")
