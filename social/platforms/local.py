"""The built-in `local` platform: every call answered on this machine, for development and the
demo (SOCIAL_LOCAL_PLATFORM). A publish is recorded as a LocalPlatformPost (seen in the admin),
insights are figures derived from those records, and the OAuth consent is given at once. Nothing
is sent anywhere; production settings refuse it (social.checks)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Q

from social.models import LocalPlatformPost
from social.platforms.base import (
    Credentials,
    DailyInsight,
    InvalidWebhook,
    ManagedAccount,
    PlatformClient,
    PostRequest,
    Profile,
    Published,
    TokenExpired,
    TokenGrant,
    WebhookChallenge,
)

# A local token is `local-<account id>`; an authorization code is `local-code-<account id>`.
TOKEN_PREFIX = "local-"
CODE_PREFIX = "local-code-"
MAX_ID_LENGTH = 60
# Insights: a post is seen for a week, less each day; every figure follows from the posts.
BASE_FOLLOWERS = 120
FIRST_DAY_IMPRESSIONS = 160
VISIBLE_DAYS = 7


def local_post_url(post_id: int) -> str:
    """Where the recorded post is seen: its (read-only) page in this app's admin."""
    return f"{settings.API_PUBLIC_URL}/admin/social/localplatformpost/{post_id}/change/"


def account_id_of(token: str) -> str:
    account_id = token[len(TOKEN_PREFIX):] if token.startswith(TOKEN_PREFIX) else ""
    if not account_id or len(account_id) > MAX_ID_LENGTH or not account_id.replace("-", "").isalnum():
        return ""
    return account_id


class LocalPlatformClient(PlatformClient):
    """One platform's name, answered locally. Tokens are `local-<account id>`: any other is refused."""

    default_scopes = ("local.publish",)

    def __init__(self, *, platform: str, can_delete: bool = True, can_tell_gone: bool = False):
        self.platform = platform
        self.can_delete = can_delete
        self.can_tell_gone = can_tell_gone

    def __repr__(self) -> str:
        return f"LocalPlatformClient(platform={self.platform!r})"

    def account(self, access_token: str, platform_user_id: str = "") -> str:
        account_id = account_id_of(access_token)
        if not account_id:
            raise TokenExpired(f"{self.platform} (local): not a local token; local tokens look like "
                               f"'local-<account id>'", platform=self.platform)
        if platform_user_id and platform_user_id != account_id:
            raise TokenExpired(f"{self.platform} (local): the token acts as another account", platform=self.platform)
        return account_id

    def profile(self, account_id: str) -> Profile:
        return Profile(user_id=account_id, username=account_id, display_name=f"{account_id} (local {self.platform})")

    # --- OAuth: consent is given at once ---------------------------------------------------------

    def authorization_url(self, *, state: str, redirect_uri: str, code_challenge: str | None = None) -> str:
        account_id = f"local-{self.platform}"
        return f"{redirect_uri}?{urlencode({'code': f'{CODE_PREFIX}{account_id}', 'state': state})}"

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenGrant:
        if not code.startswith(CODE_PREFIX):
            raise TokenExpired(f"{self.platform} (local): not a local authorization code", platform=self.platform)
        account_id = self.account(f"{TOKEN_PREFIX}{code[len(CODE_PREFIX):]}")
        return self.grant(account_id)

    def grant(self, account_id: str) -> TokenGrant:
        """The user's grant, naming the same local account as the one it manages too: Meta's flow
        stores the managed accounts (Pages, Instagram accounts), X's the user itself."""
        profile = self.profile(account_id)
        token = f"{TOKEN_PREFIX}{account_id}"
        return TokenGrant(access_token=token, scopes=self.default_scopes, user_id=profile.user_id,
                          username=profile.username, display_name=profile.display_name,
                          accounts=(ManagedAccount(profile=profile, access_token=token),))

    def refresh(self, credentials: Credentials) -> TokenGrant:
        return self.grant(self.account(credentials.access_token, credentials.platform_user_id))

    def revoke(self, credentials: Credentials) -> None:
        return None

    def verify_token(self, access_token: str, *, platform_user_id: str = "") -> Profile:
        return self.profile(self.account(access_token, platform_user_id))

    # --- posts -----------------------------------------------------------------------------------

    def publish(self, credentials: Credentials, post: PostRequest) -> Published:
        account_id = self.account(credentials.access_token, credentials.platform_user_id)
        recorded = LocalPlatformPost.objects.create(
            platform=self.platform, platform_user_id=account_id, text=post.text_with_link(), link=post.link,
            image_urls=list(post.image_urls), image_count=len(post.image_urls) + len(post.images),
            recipient=post.recipient)
        return published(recorded)

    def find_published(self, credentials: Credentials, *, marker: str, since: datetime) -> Published | None:
        account_id = self.account(credentials.access_token, credentials.platform_user_id)
        found = self.posts(account_id).filter(published_at__gte=since).filter(
            Q(text__contains=marker) | Q(link__contains=marker)).order_by("published_at", "pk").first()
        return published(found) if found else None

    def delete(self, credentials: Credentials, platform_post_id: str) -> None:
        account_id = self.account(credentials.access_token, credentials.platform_user_id)
        if platform_post_id.isdigit():
            self.posts(account_id).filter(pk=int(platform_post_id)).delete()

    def is_gone(self, credentials: Credentials, platform_post_id: str) -> bool:
        """Gone once the record is deleted (in the admin: the seller deleting it in the platform's app)."""
        account_id = self.account(credentials.access_token, credentials.platform_user_id)
        return not (platform_post_id.isdigit() and self.posts(account_id).filter(pk=int(platform_post_id)).exists())

    def insights(self, credentials: Credentials, *, since: date, until: date) -> list[DailyInsight]:
        """Each day's figures follow from the account's recorded posts: a post is seen most on its
        first day and less each day for a week; followers grow with every post."""
        account_id = self.account(credentials.access_token, credentials.platform_user_id)
        post_days = [moment.date() for moment in self.posts(account_id).values_list("published_at", flat=True)]
        days = []
        day = since
        while day <= until:
            days.append(day_insight(day, post_days, seed=f"{self.platform}:{account_id}"))
            day += timedelta(days=1)
        return days

    def posts(self, account_id: str):
        return LocalPlatformPost.objects.filter(platform=self.platform, platform_user_id=account_id)

    # --- webhooks: the local platform sends none -------------------------------------------------

    def verify_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> None:
        raise InvalidWebhook("the local platform sends no webhooks")

    def answer_challenge(self, params: Mapping[str, str]) -> WebhookChallenge:
        raise InvalidWebhook("the local platform sends no webhooks")


def published(recorded: LocalPlatformPost) -> Published:
    return Published(platform_post_id=str(recorded.pk), url=local_post_url(recorded.pk))


def day_insight(day: date, post_days: list[date], *, seed: str) -> DailyInsight:
    ages = [(day - posted).days for posted in post_days]
    impressions = sum(FIRST_DAY_IMPRESSIONS * (VISIBLE_DAYS - age) // VISIBLE_DAYS
                      for age in ages if 0 <= age < VISIBLE_DAYS)
    # A small steady audience every day, the same for the same account and day.
    impressions += int(hashlib.sha256(f"{seed}:{day.isoformat()}".encode()).hexdigest()[:4], 16) % 25
    followers = BASE_FOLLOWERS + 3 * sum(1 for age in ages if age >= 0)
    return DailyInsight(day=day, followers=followers, impressions=impressions, reach=impressions * 3 // 4,
                        engagement=impressions // 12, link_clicks=impressions // 40)

