"""Every write of the social app's connected accounts: connecting one with a token the platform
has checked, disconnecting (unsubscribing its Page and revoking at the platform when it can),
storing what an OAuth grant names, subscribing the app to a connected Page's webhooks, refreshing
tokens before they run out, storing the accounts' daily insights, and the platforms' inbound
webhook events (with what they say about published posts: removed at the platform, a WhatsApp
message not delivered). Platform calls happen outside transactions."""

import base64
import hashlib
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from sellflow.platforms import normalize_platform
from sellflow.transactions import after_commit
from social import notifications
from social.errors import (
    AccountRefused,
    HandshakeRefused,
    InvalidEvent,
    InvalidSignature,
    NotConnected,
    PlatformNotSupported,
    UnknownWebhookPlatform,
    WebhooksNotConfigured,
    application_error_for,
)
from social.inbound import InboundEvent, MalformedEvent, PostChange, PostUpdate, parse_events
from social.models import (
    AccountInsight,
    AccountStatus,
    OAuthState,
    PlatformEvent,
    PostStatus,
    PostTarget,
    SocialAccount,
)
from social.platforms import (
    Credentials,
    DailyInsight,
    InvalidWebhook,
    NotConfigured,
    NotSupported,
    PermanentError,
    PlatformClient,
    PlatformError,
    RateLimited,
    TokenExpired,
    TokenGrant,
    TransientError,
    Uncertain,
    UnknownPlatform,
    WebhookChallenge,
    client_for,
)
from social.tasks import subscribe_accounts_webhooks as subscribe_accounts_webhooks_task

logger = logging.getLogger(__name__)

# Meta publishes as a Page or an Instagram account, each with its own token: the user's own grant
# is only the way to them.
MANAGED_ACCOUNT_PLATFORMS = frozenset({"facebook", "instagram"})


def platform_client(platform: str) -> PlatformClient:
    try:
        return client_for(platform)
    except UnknownPlatform:
        raise PlatformNotSupported(details={"platform": platform}) from None


def credentials_of(account: SocialAccount) -> Credentials:
    return Credentials(access_token=account.access_token, platform_user_id=account.platform_user_id,
                       refresh_token=account.refresh_token, page_id=account.page_id)


@dataclass(frozen=True)
class AccountValues:
    """What is stored for one account the platform vouched for (by a checked token or a grant)."""

    platform_user_id: str
    access_token: str
    platform_username: str = ""
    display_name: str = ""
    avatar_url: str = ""
    page_id: str = ""
    refresh_token: str = ""
    token_expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()


def social_account_store(*, seller: User, platform: str, values: AccountValues) -> tuple[SocialAccount, bool]:
    """The seller's account for this platform user, created or reconnected with fresh tokens."""
    account, created = SocialAccount.objects.update_or_create(
        seller=seller, platform=platform, platform_user_id=values.platform_user_id,
        defaults={"platform_username": values.platform_username, "display_name": values.display_name,
                  "avatar_url": values.avatar_url, "page_id": values.page_id,
                  "access_token": values.access_token, "refresh_token": values.refresh_token,
                  "token_expires_at": values.token_expires_at, "scopes": list(values.scopes),
                  "status": AccountStatus.ACTIVE, "last_error": "", "connected_at": timezone.now()})
    return account, created


def social_account_connect(*, seller: User, platform: str, access_token: str, platform_user_id: str = "",
                           platform_username: str = "", refresh_token: str = "",
                           page_id: str = "") -> tuple[SocialAccount, bool]:
    """Connect an account with a token the seller got themselves: the platform is asked who the
    token acts as before anything is stored. Returns the account and whether it is new."""
    client = platform_client(platform)
    try:
        profile = client.verify_token(access_token, platform_user_id=platform_user_id)
    except PlatformError as error:
        logger.info("social connect refused: seller=%s platform=%s error=%s", seller.pk, platform,
                    type(error).__name__)
        raise application_error_for(error) from None
    if not (profile.user_id or platform_user_id):
        raise AccountRefused("The platform did not say which account this token acts as.",
                             details={"platform": platform})
    values = AccountValues(platform_user_id=profile.user_id or platform_user_id, access_token=access_token,
                           platform_username=profile.username or platform_username,
                           display_name=profile.display_name, avatar_url=profile.avatar_url, page_id=page_id,
                           refresh_token=refresh_token)
    account, created = social_account_store(seller=seller, platform=platform, values=values)
    social_account_subscribe_webhooks(account=account, client=client)
    return account, created


def social_accounts_disconnect(*, seller: User, platform: str, platform_user_id: str = "") -> list[SocialAccount]:
    """Disconnect the seller's accounts of `platform` (or the one named): Meta stops delivering
    their Pages' events and each token is revoked at the platform when it can be (a refusal or an
    outage is logged, never in the way), then deleted here. The rows stay, `revoked`, so their posts
    keep their history."""
    accounts = SocialAccount.objects.filter(seller=seller, platform=platform).exclude(status=AccountStatus.REVOKED)
    if platform_user_id:
        accounts = accounts.filter(platform_user_id=platform_user_id)
    accounts = list(accounts)
    if not accounts:
        raise NotConnected(details={"platform": platform})
    unsubscribe_webhooks_at_platform(platform, accounts)  # with the Page token, so before it is revoked
    revoke_at_platform(platform, accounts)
    with transaction.atomic():
        SocialAccount.objects.filter(pk__in=[account.pk for account in accounts]).update(
            access_token="", refresh_token="", token_expires_at=None, status=AccountStatus.REVOKED, last_error="",
            updated_at=timezone.now())
    return list(SocialAccount.objects.filter(pk__in=[account.pk for account in accounts]))


def revoke_at_platform(platform: str, accounts: list[SocialAccount]) -> None:
    try:
        client = client_for(platform)
    except UnknownPlatform:
        return
    for account in accounts:
        if not account.access_token:
            continue
        try:
            client.revoke(credentials_of(account))
        except (PlatformError, NotImplementedError) as error:
            logger.warning("social revoke failed, token deleted anyway: account=%s platform=%s error=%s",
                           account.pk, platform, type(error).__name__)


# --- OAuth grants -------------------------------------------------------------------------------

def grant_account_values(platform: str, grant: TokenGrant) -> list[AccountValues]:
    """The accounts a grant lets the seller publish as: Meta's managed Pages or Instagram accounts
    (their Page tokens do not expire while the user's grant stands), or the X user itself."""
    if platform in MANAGED_ACCOUNT_PLATFORMS:
        return [AccountValues(platform_user_id=managed.profile.user_id, access_token=managed.access_token,
                              platform_username=managed.profile.username,
                              display_name=managed.profile.display_name, avatar_url=managed.profile.avatar_url,
                              page_id=managed.page_id, scopes=grant.scopes)
                for managed in grant.accounts]
    if not grant.user_id:
        return []
    return [AccountValues(platform_user_id=grant.user_id, access_token=grant.access_token,
                          platform_username=grant.username, display_name=grant.display_name,
                          avatar_url=grant.avatar_url, refresh_token=grant.refresh_token,
                          token_expires_at=grant.expires_at, scopes=grant.scopes)]


def social_accounts_store_grant(*, seller: User, platform: str, grant: TokenGrant) -> list[SocialAccount]:
    """Store the accounts a grant names. Their Pages are subscribed to the app's webhooks by a task
    queued after commit: one Graph call per Page never holds up the browser's callback."""
    with transaction.atomic():
        accounts = [social_account_store(seller=seller, platform=platform, values=values)[0]
                    for values in grant_account_values(platform, grant)]
        wanted = [account.pk for account in accounts if webhook_subscription_wanted(account)]
        if wanted:
            after_commit(subscribe_accounts_webhooks_task.delay, wanted)
    return accounts


# --- Page webhook subscriptions -----------------------------------------------------------------

# What the seller reads on an account whose Page is not subscribed: it publishes, but nothing
# arrives from it.
WEBHOOKS_NOT_SUBSCRIBED = ("Connected, but {platform} does not send this account's comments, mentions and messages "
                           "to SellFlow yet: {reason}. SellFlow tries again every hour; reconnecting fixes a missing "
                           "permission.")


def webhook_subscription_wanted(account: SocialAccount) -> bool:
    """Meta's Pages, and the Instagram accounts linked to one, once this server can verify what
    Meta sends (its app secret): before that, subscribing would only bring deliveries refused."""
    return (account.platform in MANAGED_ACCOUNT_PLATFORMS and account.status == AccountStatus.ACTIVE
            and bool(settings.META_APP_SECRET))


def social_account_subscribe_webhooks(*, account: SocialAccount, client: PlatformClient | None = None) -> str:
    """Subscribe the app to the account's Page webhooks (Meta delivers a Page's feed, mentions and
    messages, and its linked Instagram account's, only then). A refusal or an outage never undoes
    the connection, which publishes without webhooks: the reason is kept in `last_error`, where the
    seller sees why nothing arrives, and logged for the operator; the hourly job tries again
    (`webhooks_subscribed_at` stays empty). Returns the outcome."""
    if not webhook_subscription_wanted(account):
        return "skipped"
    client = client or client_for(account.platform)
    try:
        client.subscribe_webhooks(credentials_of(account), scopes=tuple(account.scopes))
    except NotSupported:  # the local platform
        return "skipped"
    except PlatformError as error:
        return webhooks_not_subscribed(account, error)
    now = timezone.now()
    # On an active account `last_error` only ever says why its Page is not subscribed.
    if SocialAccount.objects.filter(pk=account.pk, status=AccountStatus.ACTIVE).update(
            webhooks_subscribed_at=now, last_error="", updated_at=now):
        account.webhooks_subscribed_at, account.last_error, account.updated_at = now, "", now
    return "subscribed"


def social_accounts_subscribe_webhooks(*, accounts: Iterable[SocialAccount]) -> dict[str, int]:
    """Subscribe each account's Page as `social_account_subscribe_webhooks` does, with one client
    (one HTTP session) per platform; a platform that rate-limits is not asked again in this run.
    Returns how many accounts had each outcome."""
    clients: dict[str, PlatformClient] = {}
    limited, outcomes = set(), {}
    for account in accounts:
        if account.platform in limited:
            outcome = "rate limited"
        else:
            if account.platform not in clients:
                clients[account.platform] = client_for(account.platform)
            outcome = social_account_subscribe_webhooks(account=account, client=clients[account.platform])
        if outcome == "rate limited":
            limited.add(account.platform)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def webhook_page(account: SocialAccount) -> str:
    """The Page whose subscription brings the account's events: a Facebook account's own Page, an
    Instagram account's linked Page ('' when not known)."""
    if account.platform == "facebook":
        return account.page_id or account.platform_user_id
    return account.page_id if account.platform == "instagram" else ""


def pages_still_used(pages: set[str], *, leaving: list[SocialAccount]) -> set[str]:
    """Those of `pages` another active account, of any seller, still gets its events through: a
    Facebook account of that Page, or an Instagram account linked to it."""
    others = SocialAccount.objects.filter(
        Q(platform="facebook", platform_user_id__in=pages) | Q(page_id__in=pages),
        status=AccountStatus.ACTIVE, platform__in=MANAGED_ACCOUNT_PLATFORMS,
    ).exclude(pk__in=[account.pk for account in leaving])
    return {webhook_page(account) for account in others.only("platform", "platform_user_id", "page_id")}


def unsubscribe_webhooks_at_platform(platform: str, accounts: list[SocialAccount]) -> None:
    """Remove the app from the Pages of accounts being disconnected, so Meta stops delivering their
    events: each Page once, with its token, and not while another active account (this seller's
    Instagram account linked to it, or another seller's connection) still needs it. A refusal or an
    outage is logged, never in the way of the disconnect."""
    if platform not in MANAGED_ACCOUNT_PLATFORMS:
        return
    by_page = {webhook_page(account): account for account in accounts if account.access_token}
    by_page.pop("", None)
    if not by_page:
        return
    still_used = pages_still_used(set(by_page), leaving=accounts)
    client = client_for(platform)
    for page, account in by_page.items():
        if page in still_used:
            continue
        try:
            client.unsubscribe_webhooks(credentials_of(account))
        except NotSupported:  # the local platform
            return
        except PlatformError as error:
            logger.warning("social page webhooks not unsubscribed, disconnected anyway: account=%s platform=%s "
                           "error=%s", account.pk, platform, error)


def webhooks_not_subscribed(account: SocialAccount, error: PlatformError) -> str:
    logger.warning("social page webhooks not subscribed: account=%s platform=%s error=%s", account.pk,
                   account.platform, error)
    reason = WEBHOOKS_NOT_SUBSCRIBED.format(platform=account.get_platform_display(), reason=error)[:500]
    now = timezone.now()
    if SocialAccount.objects.filter(pk=account.pk, status=AccountStatus.ACTIVE).update(
            webhooks_subscribed_at=None, last_error=reason, updated_at=now):
        account.webhooks_subscribed_at, account.last_error, account.updated_at = None, reason, now
    return "rate limited" if isinstance(error, RateLimited) else "failed"


# --- token refresh ------------------------------------------------------------------------------

def social_account_refresh_token(*, account: SocialAccount) -> str:
    """Refresh one account's token at its platform. A token the platform refuses marks the account
    `expired` and tells the seller; an outage leaves it for the next run. Returns the outcome."""
    try:
        grant = client_for(account.platform).refresh(credentials_of(account))
    except (TransientError, Uncertain):
        return "retry"
    except NotConfigured:
        logger.warning("social refresh skipped, platform app not configured: platform=%s", account.platform)
        return "not configured"
    except TokenExpired as error:
        return account_lost(account, AccountStatus.EXPIRED, str(error))
    except PlatformError as error:
        return account_lost(account, AccountStatus.ERROR, str(error))
    changes = {"access_token": grant.access_token, "token_expires_at": grant.expires_at,
               "last_error": "", "updated_at": timezone.now()}
    if grant.refresh_token:  # X rotates refresh tokens: the old one no longer works
        changes["refresh_token"] = grant.refresh_token
    # A disconnect meanwhile wins: tokens are written only to an account still active.
    updated = SocialAccount.objects.filter(pk=account.pk, status=AccountStatus.ACTIVE).update(**changes)
    return "refreshed" if updated else "gone"


def account_lost(account: SocialAccount, status: str, reason: str) -> str:
    with transaction.atomic():
        updated = SocialAccount.objects.filter(pk=account.pk, status=AccountStatus.ACTIVE).update(
            status=status, last_error=reason[:500], updated_at=timezone.now())
        if updated:
            account.status = status
            notifications.account_needs_reconnect(account)
    return status if updated else "gone"


# --- OAuth flows --------------------------------------------------------------------------------

# Platforms whose OAuth flow a seller can start here. WhatsApp's Embedded Signup names the phone
# number in the browser session, not in the grant: its numbers are connected with a token.
OAUTH_PLATFORMS = frozenset({"facebook", "instagram", "twitter"})
# Platforms that take PKCE (S256).
PKCE_PLATFORMS = frozenset({"twitter"})
STATE_SALT = "social.oauth.state"
STATE_MAX_AGE_SECONDS = 600


class OAuthRefused(Exception):
    """An OAuth callback that stores nothing; `reason` is the word the frontend is sent back with."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def oauth_redirect_uri(platform: str) -> str:
    """Built from settings, never from the request's Host: it must match the URI registered at the
    platform, and a forged Host must not send a code elsewhere."""
    return f"{settings.API_PUBLIC_URL}/api/social/oauth/{platform}/callback/"


def pkce_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def oauth_start(*, user: User, platform: str) -> str:
    """The platform's authorization URL for `user`, with a signed single-use state (and PKCE
    where the platform takes it): the nonce and verifier stay here until the callback."""
    if platform not in OAUTH_PLATFORMS:
        raise PlatformNotSupported("This platform's accounts are connected with a token, not through OAuth.",
                                   details={"platform": platform})
    client = platform_client(platform)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64) if platform in PKCE_PLATFORMS else ""
    state = signing.dumps({"n": nonce, "u": user.pk, "p": platform}, salt=STATE_SALT)
    try:
        url = client.authorization_url(state=state, redirect_uri=oauth_redirect_uri(platform),
                                       code_challenge=pkce_challenge(verifier) if verifier else None)
    except PlatformError as error:
        raise application_error_for(error) from None
    OAuthState.objects.filter(created_at__lt=timezone.now() - timedelta(seconds=STATE_MAX_AGE_SECONDS)).delete()
    OAuthState.objects.create(nonce=nonce, user=user, platform=platform, code_verifier=verifier)
    return url


def oauth_state_consume(*, state: str, platform: str) -> OAuthState:
    """The flow `state` started, used up: a forged, altered, expired or replayed state, or one
    started for another platform, is refused. Only one caller can ever consume a nonce."""
    try:
        payload = signing.loads(state, salt=STATE_SALT, max_age=STATE_MAX_AGE_SECONDS)
    except signing.BadSignature:  # SignatureExpired included
        raise OAuthRefused("invalid_state") from None
    if not isinstance(payload, dict) or payload.get("p") != platform:
        raise OAuthRefused("invalid_state")
    started = OAuthState.objects.select_related("user").filter(
        nonce=str(payload.get("n")), user_id=payload.get("u"), platform=platform).first()
    # The conditional delete is the claim: of two callbacks with one state, one deletes the row.
    if started is None or OAuthState.objects.filter(pk=started.pk).delete()[0] != 1:
        raise OAuthRefused("invalid_state")
    if started.created_at < timezone.now() - timedelta(seconds=STATE_MAX_AGE_SECONDS):
        raise OAuthRefused("invalid_state")
    if not (started.user.is_active and started.user.is_seller):
        raise OAuthRefused("invalid_state")
    return started


def oauth_complete(*, platform: str, state: str, code: str, error: str = "") -> tuple[User, list[SocialAccount]]:
    """The callback: the state is used up first (whatever follows), then the code is exchanged
    and the accounts it grants are stored. Raises OAuthRefused with the reason."""
    started = oauth_state_consume(state=state, platform=platform)
    if error or not code:
        raise OAuthRefused("denied")
    client = client_for(platform)
    try:
        grant = client.exchange_code(code=code, redirect_uri=oauth_redirect_uri(platform),
                                     code_verifier=started.code_verifier or None)
    except NotConfigured:
        raise OAuthRefused("not_configured") from None
    except (TokenExpired, PermanentError) as refused:
        logger.info("social oauth code refused: user=%s platform=%s error=%s", started.user_id, platform,
                    type(refused).__name__)
        raise OAuthRefused("refused") from None
    except PlatformError:
        raise OAuthRefused("provider_error") from None
    accounts = social_accounts_store_grant(seller=started.user, platform=platform, grant=grant)
    if not accounts:
        raise OAuthRefused("no_accounts")
    return started.user, accounts


# --- insights -----------------------------------------------------------------------------------

INSIGHT_FIGURES = ("followers", "impressions", "reach", "engagement", "link_clicks")


def social_account_fetch_insights(*, account: SocialAccount, since: date, until: date,
                                  client: PlatformClient | None = None) -> str:
    """Fetch the account's daily figures for [since, until] from its platform into its daily rows.
    A rate limit or an outage leaves them for the next run; a refused token marks the account
    `expired` as a failed token refresh does. Returns the outcome."""
    client = client or client_for(account.platform)
    try:
        days = client.insights(credentials_of(account), since=since, until=until)
    except RateLimited:
        return "rate limited"
    except (TransientError, Uncertain):
        return "retry"
    except (NotSupported, NotConfigured):
        return "skipped"
    except TokenExpired as error:
        return account_lost(account, AccountStatus.EXPIRED, str(error))
    except PlatformError as error:  # e.g. a permission not granted: the account still publishes
        logger.warning("social insights refused: account=%s platform=%s error=%s", account.pk, account.platform,
                       error)
        return "refused"
    insights_store(account=account, days=[day for day in days if since <= day.day <= until])
    return "fetched"


def reported(value, before: int | None) -> int | None:
    """A figure as stored: a count the platform gave, else what was stored before."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return before


def insights_store(*, account: SocialAccount, days: list[DailyInsight]) -> None:
    """Upsert one row per day. A figure the platform gives only for some days (followers: today's)
    keeps the value stored before rather than being blanked by a later fetch."""
    if not days:
        return
    now = timezone.now()
    with transaction.atomic():
        stored = {row.day: row for row in AccountInsight.objects.select_for_update().filter(
            account=account, day__in=[day.day for day in days])}
        rows = []
        for day in days:
            before = stored.get(day.day)
            figures = {name: reported(getattr(day, name), getattr(before, name, None)) for name in INSIGHT_FIGURES}
            rows.append(AccountInsight(account=account, day=day.day, fetched_at=now, **figures))
        AccountInsight.objects.bulk_create(rows, update_conflicts=True, unique_fields=["account", "day"],
                                           update_fields=[*INSIGHT_FIGURES, "fetched_at"])


# --- inbound webhook events ---------------------------------------------------------------------

# The setting holding the secret each platform signs its webhooks with: Meta's app secret for its
# three products, X's consumer secret.
WEBHOOK_SECRET_SETTINGS = {"facebook": "META_APP_SECRET", "instagram": "META_APP_SECRET",
                           "whatsapp": "META_APP_SECRET", "twitter": "X_CONSUMER_SECRET"}


def webhook_client(platform: str) -> tuple[str, PlatformClient]:
    """The platform's name and client for its webhook address; 404 for any other name."""
    try:
        name = normalize_platform(platform)
        if name not in WEBHOOK_SECRET_SETTINGS:
            raise UnknownPlatform(platform)
        return name, client_for(name)
    except UnknownPlatform:
        raise UnknownWebhookPlatform(details={"platform": platform[:20]}) from None


def social_webhook_challenge(*, platform: str, params: Mapping[str, str]) -> WebhookChallenge:
    """The answer to Meta's subscription handshake or X's CRC check, or 403."""
    name, client = webhook_client(platform)
    try:
        return client.answer_challenge(params)
    except InvalidWebhook as error:
        logger.warning("refused a %s webhook handshake: %s", name, error)
        raise HandshakeRefused(details={"platform": name}) from None


def social_events_receive(*, platform: str, body: bytes, headers: Mapping[str, str]) -> dict[str, int]:
    """Verify the signature over the raw body (nothing is read before, and a platform without its
    secret refuses every call), read the events, and store each once: a replay changes nothing.
    Returns how many events were new and how many were stored before."""
    name, client = webhook_client(platform)
    if not getattr(settings, WEBHOOK_SECRET_SETTINGS[name]):
        # Fail closed: with no secret, a "signature" is something anyone can compute.
        logger.error("refused a %s webhook: %s is not set", name, WEBHOOK_SECRET_SETTINGS[name])
        raise WebhooksNotConfigured(details={"platform": name})
    try:
        client.verify_webhook(body=body, headers=headers)
    except InvalidWebhook as error:
        logger.warning("rejected a %s webhook: %s", name, error)
        raise InvalidSignature(details={"platform": name}) from None
    try:
        events = parse_events(name, body)
    except MalformedEvent as error:
        raise InvalidEvent(details={"body": [str(error)]}) from None
    return events_store(events)


def events_store(events: list[InboundEvent]) -> dict[str, int]:
    """Store the events not stored before and, in the same transaction, apply what the new ones
    say about published posts (`post_targets_update`): a replay is skipped whole."""
    keys = {(event.platform, event.event_id) for event in events}
    known = set(PlatformEvent.objects.filter(
        platform__in={platform for platform, _ in keys}, event_id__in={event_id for _, event_id in keys},
    ).values_list("platform", "event_id"))
    accounts = accounts_named(events)
    new, updates, seen = [], [], set()
    for event in events:
        key = (event.platform, event.event_id)
        if key in known or key in seen:
            continue
        seen.add(key)
        new.append(PlatformEvent(platform=event.platform, event_id=event.event_id, kind=event.kind,
                                 account=accounts.get((event.platform, event.account_user_id)),
                                 payload=event.payload))
        updates += [(event.platform, event.account_user_id, update) for update in event.post_updates
                    if event.account_user_id]
    with transaction.atomic():
        # A delivery racing this one may store the same events first: theirs stand, and the
        # updates below are conditional, so applying them twice changes nothing the second time.
        PlatformEvent.objects.bulk_create(new, ignore_conflicts=True)
        for platform, account_user_id, update in updates:
            post_targets_update(platform=platform, account_user_id=account_user_id, update=update)
    return {"stored": len(new), "duplicates": len(events) - len(new)}


def post_targets_update(*, platform: str, account_user_id: str, update: PostUpdate) -> int:
    """Apply one platform event to the targets it is about: those published as that platform
    account (whichever seller's connection of it published them) under the platform's id for the
    post. Another account's target never matches, even with the same id. Returns how many changed.

    - REMOVED (Facebook feed `remove` of a Page post, X tweet deletion): `removed_at` is set once;
      the target stays `published` with its history, link and attribution.
    - FAILED (a WhatsApp message that was never delivered): a `published` target becomes `failed`
      with the platform's reason in `last_error`, and the seller is told after commit. A target in
      any other state is left alone (a retry already sent it again, or it was marked before).
    An id no target has changes nothing: the event stays stored."""
    targets = PostTarget.objects.filter(platform=platform, account__platform_user_id=account_user_id,
                                        platform_post_id=update.platform_post_id)
    now = timezone.now()
    if update.change == PostChange.REMOVED:
        return targets.filter(removed_at__isnull=True).update(removed_at=now, updated_at=now)
    failed = [pk for pk in targets.filter(status=PostStatus.PUBLISHED).values_list("pk", flat=True)
              if PostTarget.objects.filter(pk=pk, status=PostStatus.PUBLISHED).update(
                  status=PostStatus.FAILED, last_error=update.error[:500], updated_at=now)]
    for target in PostTarget.objects.filter(pk__in=failed).select_related("post__seller", "account"):
        after_commit(notifications.post_failed, target)
    return len(failed)


def accounts_named(events: list[InboundEvent]) -> dict[tuple[str, str], SocialAccount]:
    """The connected account each event names, in one query: an active one before others, the
    latest connected first (the same platform account may be connected by several sellers)."""
    named = {(event.platform, event.account_user_id) for event in events if event.account_user_id}
    if not named:
        return {}
    candidates = SocialAccount.objects.filter(platform__in={platform for platform, _ in named},
                                              platform_user_id__in={user for _, user in named}).only(
        "pk", "platform", "platform_user_id", "status", "connected_at")
    found: dict[tuple[str, str], SocialAccount] = {}
    for account in sorted(candidates, key=lambda account: (account.status != AccountStatus.ACTIVE,
                                                           -account.connected_at.timestamp())):
        found.setdefault((account.platform, account.platform_user_id), account)
    return {key: account for key, account in found.items() if key in named}
