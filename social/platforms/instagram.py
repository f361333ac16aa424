"""Instagram professional accounts through the Graph API (Instagram API with Facebook Login):
the two-step publish (a media container, then `media_publish`), carousels of up to 10 images,
daily account insights, and the accounts linked to the Pages a seller manages (the linked Page's
subscription to the app is what brings their webhooks).

Instagram fetches images itself from public URLs (JPEG), so image bytes are refused: the caller
passes the public URLs of the product's images. A post needs at least one image."""

from __future__ import annotations

import logging
import time
from datetime import UTC, date, datetime, timedelta

from social.platforms.base import (
    Credentials,
    DailyInsight,
    ManagedAccount,
    NotSupported,
    PermanentError,
    PlatformError,
    PostRequest,
    Profile,
    Published,
    TransientError,
    Uncertain,
)
from social.platforms.facebook import FacebookClient, object_gone

logger = logging.getLogger(__name__)

MAX_CAROUSEL_ITEMS = 10
# Account metrics asked per day as totals (Meta replaced `impressions` with `views` in 2025).
ACCOUNT_METRICS = {"views": "impressions", "reach": "reach", "total_interactions": "engagement"}
# A container is usually FINISHED at once for images; a few short waits cover a slow fetch.
CONTAINER_CHECKS = 5
CONTAINER_WAIT_SECONDS = 1.0
MEDIA_LOOKED_UP = 25


class InstagramClient(FacebookClient):
    platform = "instagram"
    default_scopes = ("instagram_basic", "instagram_content_publish", "instagram_manage_insights",
                      "pages_show_list", "pages_read_engagement", "business_management", "pages_manage_metadata")
    can_delete = False  # the Instagram Graph API offers no deletion of published media
    can_tell_gone = True  # but it tells media the seller deleted in the app, and sends no webhook for it
    container_wait_seconds = CONTAINER_WAIT_SECONDS

    def verify_token(self, access_token: str, *, platform_user_id: str = "") -> Profile:
        """Instagram accounts are reached by id with the linked Page's (or the user's) token."""
        if not platform_user_id:
            raise PermanentError(f"{self.platform}: the Instagram account id is needed to check a token",
                                 platform=self.platform)
        node = self.call("GET", platform_user_id, access_token,
                         params={"fields": "id,username,name,profile_picture_url"})
        if str(node.get("id", "")) != platform_user_id:
            raise PermanentError(f"{self.platform}: the token does not reach account {platform_user_id}",
                                 platform=self.platform)
        return Profile(user_id=platform_user_id, username=node.get("username", ""), display_name=node.get("name", ""),
                       avatar_url=node.get("profile_picture_url", ""))

    def managed(self, pages: list) -> list[ManagedAccount]:
        accounts = []
        for page in pages:
            linked = page.get("instagram_business_account") if isinstance(page, dict) else None
            if isinstance(linked, dict) and linked.get("id") and page.get("access_token"):
                profile = Profile(user_id=str(linked["id"]), username=linked.get("username", ""),
                                  display_name=linked.get("name", ""), avatar_url=linked.get("profile_picture_url", ""))
                accounts.append(ManagedAccount(profile=profile, access_token=page["access_token"],
                                               page_id=str(page["id"])))
        return accounts

    # --- webhooks -------------------------------------------------------------------------------

    def webhook_page(self, credentials: Credentials) -> str:
        """Instagram's webhooks (Instagram API with Facebook Login) come through the linked Page's
        subscription to the app: without that Page there is nothing to subscribe."""
        if not credentials.page_id:
            raise PermanentError(f"{self.platform}: the Facebook Page linked to this account is not known (connect "
                                 "it through Facebook Login, or with its page_id)", platform=self.platform)
        return credentials.page_id

    # --- posts ----------------------------------------------------------------------------------

    def publish(self, credentials: Credentials, post: PostRequest) -> Published:
        if post.images:
            raise PermanentError(f"{self.platform}: Instagram takes images only by public URL", platform=self.platform)
        if not 1 <= len(post.image_urls) <= MAX_CAROUSEL_ITEMS:
            raise PermanentError(f"{self.platform}: a post needs 1 to {MAX_CAROUSEL_ITEMS} images",
                                 platform=self.platform)
        account, token = credentials.platform_user_id, credentials.access_token
        caption = post.text_with_link()  # links in captions are not clickable, but carry the code
        if len(post.image_urls) == 1:
            container = self.container(account, token, {"image_url": post.image_urls[0], "caption": caption})
        else:
            children = [self.container(account, token, {"image_url": url, "is_carousel_item": "true"})
                        for url in post.image_urls]
            container = self.container(account, token, {"media_type": "CAROUSEL", "children": ",".join(children),
                                                        "caption": caption})
        self.wait_until_ready(container, token)
        media_id = str(self.call("POST", f"{account}/media_publish", token, data={"creation_id": container},
                                 write=True).get("id") or "")
        if not media_id:
            raise Uncertain(f"{self.platform}: published without an id (it may be live)", platform=self.platform)
        return Published(platform_post_id=media_id, url=self.permalink(media_id, token))

    def permalink(self, media_id: str, token: str) -> str:
        """The post's URL, read after it is live: a failed read must not pass for a failed publish
        (which would be retried, publishing it twice), so it only leaves the URL empty."""
        try:
            return self.call("GET", media_id, token, params={"fields": "permalink"}).get("permalink", "")
        except PlatformError as error:
            logger.warning("instagram permalink not read: media=%s error=%s", media_id, type(error).__name__)
            return ""

    def container(self, account: str, token: str, data: dict) -> str:
        # Creating a container publishes nothing: a lost answer only leaves an unused container.
        container = str(self.call("POST", f"{account}/media", token, data=data).get("id") or "")
        if not container:
            raise TransientError(f"{self.platform}: container without an id", platform=self.platform)
        return container

    def wait_until_ready(self, container: str, token: str) -> None:
        for check in range(CONTAINER_CHECKS):
            status = self.call("GET", container, token, params={"fields": "status_code"}).get("status_code")
            if status in ("FINISHED", "PUBLISHED"):
                return
            if status in ("ERROR", "EXPIRED"):
                raise PermanentError(f"{self.platform}: Instagram could not prepare the media ({status})",
                                     platform=self.platform)
            if check < CONTAINER_CHECKS - 1:
                time.sleep(self.container_wait_seconds)
        raise TransientError(f"{self.platform}: the media is still being prepared", platform=self.platform)

    def find_published(self, credentials: Credentials, *, marker: str, since: datetime) -> Published | None:
        media = self.call("GET", f"{credentials.platform_user_id}/media", credentials.access_token, params={
            "fields": "id,caption,permalink,timestamp", "since": int(since.timestamp()),
            "limit": MEDIA_LOOKED_UP}).get("data") or []
        for item in media:
            if isinstance(item, dict) and marker and marker in (item.get("caption") or ""):
                return Published(platform_post_id=str(item["id"]), url=item.get("permalink") or "")
        return None

    def delete(self, credentials: Credentials, platform_post_id: str) -> None:
        raise NotSupported(f"{self.platform}: the API cannot delete published media", platform=self.platform)

    def is_gone(self, credentials: Credentials, platform_post_id: str) -> bool:
        """Media deleted in the Instagram app answers code 100, subcode 33 ("Object ... does not
        exist, cannot be loaded due to missing permissions, or does not support this operation").
        The same answer comes for a token that may not load it, so it counts as gone only when the
        account it was published as still answers to the same token (`confirm_gone`)."""
        try:
            self.call("GET", platform_post_id, credentials.access_token, params={"fields": "id"})
        except PermanentError as error:
            if not object_gone(error):
                raise
            self.confirm_gone(credentials)
            return True
        return False  # it answered: still live

    def check_token_acts_as(self, credentials: Credentials) -> None:
        """An Instagram account is loaded by id only with a token that may read it."""
        self.verify_token(credentials.access_token, platform_user_id=credentials.platform_user_id)

    # --- insights -------------------------------------------------------------------------------

    def insights(self, credentials: Credentials, *, since: date, until: date) -> list[DailyInsight]:
        """One request per day (these metrics are totals over a range); followers only for today,
        the one day the API gives a follower count for."""
        account, token = credentials.platform_user_id, credentials.access_token
        rows, day = [], since
        while day <= until:
            start = datetime.combine(day, datetime.min.time(), UTC)
            answer = self.call("GET", f"{account}/insights", token, params={
                "metric": ",".join(ACCOUNT_METRICS), "period": "day", "metric_type": "total_value",
                "since": int(start.timestamp()), "until": int((start + timedelta(days=1)).timestamp())})
            figures = {ACCOUNT_METRICS[item["name"]]: item.get("total_value", {}).get("value")
                       for item in answer.get("data") or [] if isinstance(item, dict) and item.get("name")
                       in ACCOUNT_METRICS}
            rows.append(DailyInsight(day=day, **figures))
            day += timedelta(days=1)
        today = datetime.fromtimestamp(self.now(), UTC).date()
        if rows and rows[-1].day == today:
            followers = self.call("GET", account, token, params={"fields": "followers_count"}).get("followers_count")
            rows[-1] = DailyInsight(**{**rows[-1].__dict__, "followers": followers})
        return rows
