"""Every word the social app says to sellers about their connected accounts and their posts."""

from notifications.models import NotificationType
from notifications.services import notify
from social.models import PostTarget, SocialAccount


def account_needs_reconnect(account: SocialAccount) -> None:
    """The account's token ran out (or was refused) and could not be refreshed."""
    name = account.platform_username or account.display_name or account.platform_user_id
    notify(user=account.seller, type=NotificationType.SOCIAL,
           title=f"Reconnect your {account.get_platform_display()} account",
           body=f"SellFlow can no longer publish as {name}: its access has expired. Connect it again to keep "
                f"posting.",
           data={"account_id": account.pk, "platform": account.platform, "status": account.status},
           dedupe_key=f"social-reconnect:{account.pk}:{account.updated_at.isoformat() if account.updated_at else ''}")


def post_published(target: PostTarget) -> None:
    """One target of a post is live at its platform."""
    platform = target.get_platform_display()
    notify(user=target.post.seller, type=NotificationType.SOCIAL, title=f"Your post is live on {platform}",
           body=f"Published as {target.account.platform_username or target.account.display_name}.",
           data={"post_id": target.post_id, "target_id": target.pk, "platform": target.platform,
                 "status": target.status, "url": target.platform_url},
           dedupe_key=f"social-published:{target.pk}")


def post_failed(target: PostTarget) -> None:
    """One target of a post could not be published (the reason is its last error)."""
    platform = target.get_platform_display()
    notify(user=target.post.seller, type=NotificationType.SOCIAL,
           title=f"Your post could not be published on {platform}",
           body=f"{target.last_error} Fix it and retry the post.".strip(),
           data={"post_id": target.post_id, "target_id": target.pk, "platform": target.platform,
                 "status": target.status},
           dedupe_key=f"social-failed:{target.pk}:{target.updated_at.isoformat()}")
