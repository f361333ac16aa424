"""The social app's Celery tasks. Each takes ids (or none), re-fetches, and calls a service
(imported inside the task: services may import this module to enqueue)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from social.models import AccountStatus, SocialAccount

REFRESH_BATCH = 500


def expiring_accounts():
    """Active accounts whose token runs out within their platform's lead time (and can be
    refreshed: X with a refresh token, Meta's expiring long-lived tokens)."""
    now = timezone.now()
    x_lead, meta_lead = (timedelta(minutes=settings.SOCIAL_TOKEN_REFRESH_X_MINUTES),
                         timedelta(days=settings.SOCIAL_TOKEN_REFRESH_META_DAYS))
    x_due = Q(platform="twitter", token_expires_at__lte=now + x_lead)
    meta_due = Q(platform__in=["facebook", "instagram", "whatsapp"],
                 token_expires_at__lte=now + meta_lead)
    return SocialAccount.objects.filter(x_due | meta_due, status=AccountStatus.ACTIVE).order_by("token_expires_at")


@shared_task
def refresh_expiring_tokens() -> dict:
    """Every 10 minutes: each account near its expiry is refreshed; an outage leaves it for the
    next run, a refused refresh marks it `expired` and tells the seller (once: the account leaves
    `active` in a conditional update, so two beats cannot both tell)."""
    from social.services import social_account_refresh_token

    outcomes: dict[str, int] = {}
    for account in expiring_accounts().select_related("seller")[:REFRESH_BATCH]:
        outcome = social_account_refresh_token(account=account)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
