"""The social app's Celery tasks. Each takes ids (or none), re-fetches, and calls a service
(imported inside the task: services may import this module to enqueue)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.module_loading import import_string

from social.models import AccountInsight, AccountStatus, SocialAccount

REFRESH_BATCH = 500
INSIGHTS_BATCH = 500


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


def insight_platforms() -> list[str]:
    """The platforms whose client reports insights (WhatsApp's does not)."""
    from social.platforms import CLIENT_CLASSES

    return sorted(name for name, path in CLIENT_CLASSES.items() if import_string(path).has_insights)


def insights_due_accounts():
    """Active accounts of platforms with insights, the longest unfetched first (never fetched
    before all), so that a batch cut short leaves the others for the next run, not for ever."""
    last_fetched = AccountInsight.objects.filter(account=OuterRef("pk")).order_by("-fetched_at").values(
        "fetched_at")[:1]
    return SocialAccount.objects.filter(status=AccountStatus.ACTIVE, platform__in=insight_platforms()).annotate(
        last_fetched=Subquery(last_fetched)).order_by(F("last_fetched").asc(nulls_first=True), "pk")


@shared_task
def fetch_insights() -> dict:
    """Hourly: the last SOCIAL_INSIGHTS_DAYS days (today included, UTC) of each active account of a
    platform with insights, upserted into its daily rows. A rate limit or an outage leaves the
    account for the next run, and a platform that rate-limits is not asked again in this run; a
    refused token marks the account `expired` as the token refresh does."""
    from social.platforms import client_for
    from social.services import social_account_fetch_insights

    until = timezone.now().date()
    since = until - timedelta(days=max(settings.SOCIAL_INSIGHTS_DAYS, 1) - 1)
    accounts = insights_due_accounts().select_related("seller")[:INSIGHTS_BATCH]
    clients, limited, outcomes = {}, set(), {}
    for account in accounts:
        if account.platform in limited:
            outcome = "rate limited"
        else:
            if account.platform not in clients:  # one client (one HTTP session) per platform per run
                clients[account.platform] = client_for(account.platform)
            outcome = social_account_fetch_insights(account=account, since=since, until=until,
                                                    client=clients[account.platform])
        if outcome == "rate limited":
            limited.add(account.platform)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


WEBHOOK_SUBSCRIPTION_BATCH = 500


def webhooks_unsubscribed_accounts():
    """Active Pages and Instagram accounts the app is not subscribed to, the longest untried first:
    a failed attempt stamps `updated_at`, so accounts refused for good do not keep the others out
    of a batch."""
    return SocialAccount.objects.filter(
        status=AccountStatus.ACTIVE, platform__in=["facebook", "instagram"], webhooks_subscribed_at__isnull=True,
    ).order_by("updated_at", "pk")


@shared_task
def subscribe_page_webhooks() -> dict:
    """Hourly: subscribe the app to the Pages whose subscription failed at connect (or that were
    connected before META_APP_SECRET was set). A platform that rate-limits is not asked again in
    this run. Nothing is asked while the server cannot verify Meta's webhooks."""
    from social.services import social_accounts_subscribe_webhooks

    if not settings.META_APP_SECRET:
        return {}
    return social_accounts_subscribe_webhooks(accounts=webhooks_unsubscribed_accounts()[:WEBHOOK_SUBSCRIPTION_BATCH])


@shared_task
def subscribe_accounts_webhooks(account_ids: list[int]) -> dict:
    """The Pages of accounts just connected through OAuth, subscribed to the app's webhooks outside
    the browser's callback. An account disconnected meanwhile is skipped; a refusal or an outage is
    kept on the account, and the hourly job above tries again."""
    from social.services import social_accounts_subscribe_webhooks

    accounts = SocialAccount.objects.filter(pk__in=account_ids, status=AccountStatus.ACTIVE).order_by("pk")
    return social_accounts_subscribe_webhooks(accounts=accounts)


DISPATCH_BATCH = 500


@shared_task
def publish_due_targets() -> int:
    """Every minute: scheduled targets whose time has come are queued, each once even with two
    beats running (claimed by a conditional UPDATE), and targets a dead worker left `publishing`
    are queued to be looked up, once per staleness period however long the workers take."""
    from social.services.publishing import targets_dispatch

    return targets_dispatch(limit=DISPATCH_BATCH)


@shared_task
def publish_target(target_id: int) -> str:
    """One target to its platform, at most once (the service claims it by a conditional UPDATE).
    A transient failure is retried by the target's schedule (back to `scheduled` after a backoff,
    queued again by the beat when due), not by `self.retry`: the retry survives a lost worker,
    and an eager run (no worker) does not retry inline in the request that read the posts. The
    base task still retries a lost database connection."""
    from social.services.publishing import target_publish

    return target_publish(target_id=target_id)
