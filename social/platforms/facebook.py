"""Facebook Pages through the Graph API: posts with a link or photos as the Page, their deletion,
the Page's daily insights, Facebook Login for the Pages a seller manages, and the Page's
subscription to the app that makes Meta deliver its webhooks."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from social.platforms.base import (
    Credentials,
    DailyInsight,
    GoneUnconfirmed,
    ManagedAccount,
    PermanentError,
    PlatformError,
    PostRequest,
    Profile,
    Published,
    TokenGrant,
    TransientError,
    Uncertain,
)
from social.platforms.meta import GraphClient, picture_url

# Page Insights names as of Graph v24 (Meta removed `page_impressions*` and `page_fans` in 2025,
# replacing them with views and follows). Link clicks have no Page-level metric left: SellFlow
# counts them itself from its attribution links.
PAGE_METRICS = {
    "page_follows": "followers",
    "page_media_view": "impressions",
    "page_total_media_view_unique": "reach",
    "page_post_engagements": "engagement",
}
# The Page webhook fields a connected Page is subscribed to (Meta delivers a field only when the app's
# Webhooks settings subscribe it too). `feed` and `mention` need pages_manage_metadata; Messenger's
# `messages` needs pages_messaging, which SellFlow does not ask for: it is added only for a grant
# that holds it, since Meta refuses the whole subscription for one field it does not allow.
PAGE_WEBHOOK_FIELDS = ("feed", "mention")
MESSAGING_SCOPE, MESSAGING_FIELDS = "pages_messaging", ("messages",)
# Graph's "object does not exist" (code 100, subcode 33): a post already deleted, or one the token
# may not load (see `confirm_gone`).
GONE_SUBCODE = "33"
POSTS_LOOKED_UP = 25


def object_gone(error: PlatformError) -> bool:
    """Graph could not load the object: it was deleted (or, as Graph words it, the token may not
    load it: `FacebookClient.confirm_gone` tells which)."""
    return isinstance(error, PermanentError) and (error.code, error.subcode) == ("100", GONE_SUBCODE)


def graph_day(end_time: str) -> date:
    """A daily value's day: Graph stamps it with the end of that day (Pacific midnight, in UTC)."""
    moment = datetime.fromisoformat(end_time.replace("+0000", "+00:00"))
    return (moment - timedelta(days=1)).date()


class FacebookClient(GraphClient):
    platform = "facebook"
    default_scopes = ("pages_show_list", "pages_manage_posts", "pages_read_engagement", "read_insights",
                      "pages_manage_metadata")

    # --- accounts -------------------------------------------------------------------------------

    def verify_token(self, access_token: str, *, platform_user_id: str = "") -> Profile:
        """With a Page token, `me` is the Page. A token for another account than the one named is
        refused: the seller must not connect a Page with someone else's token."""
        profile = self.node_profile(access_token, platform_user_id or "me")
        if platform_user_id and profile.user_id != platform_user_id:
            raise PermanentError(f"{self.platform}: the token does not act as account {platform_user_id}",
                                 platform=self.platform)
        return profile

    def node_profile(self, access_token: str, node: str = "me") -> Profile:
        """A Facebook user or Page as a profile (`me` is whoever the token acts as)."""
        answer = self.call("GET", node, access_token, params={"fields": "id,name,picture{url}"})
        return Profile(user_id=str(answer.get("id", "")), display_name=answer.get("name", ""),
                       avatar_url=picture_url(answer))

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenGrant:
        """The user's long-lived token, their profile and granted scopes, and the Pages they manage
        (each with the Page token publishing needs)."""
        short = self.code_token(code=code, redirect_uri=redirect_uri, code_verifier=code_verifier)
        answer = self.long_lived(short)
        token = answer.get("access_token") or short
        user = self.node_profile(token)
        pages = self.call("GET", "me/accounts", token, params={
            "fields": "id,name,access_token,picture{url},instagram_business_account{id,username,name,"
                      "profile_picture_url}", "limit": 100}).get("data") or []
        return self.token_grant(answer, user, scopes=self.granted_scopes(token), accounts=self.managed(pages))

    def managed(self, pages: list) -> list[ManagedAccount]:
        return [ManagedAccount(profile=Profile(user_id=str(page["id"]), display_name=page.get("name", ""),
                                               avatar_url=picture_url(page)),
                               access_token=page["access_token"], page_id=str(page["id"]))
                for page in pages if isinstance(page, dict) and page.get("id") and page.get("access_token")]

    # --- webhooks -------------------------------------------------------------------------------

    def webhook_page(self, credentials: Credentials) -> str:
        """The Page whose subscription brings this account's events: the Page itself."""
        return credentials.page_id or credentials.platform_user_id

    def subscribe_webhooks(self, credentials: Credentials, *, scopes: tuple[str, ...] = ()) -> None:
        """`POST /{page}/subscribed_apps` with the Page token: Meta delivers a Page's events, and
        those of the Instagram account linked to it, only to apps the Page is subscribed to. Needs
        pages_manage_metadata; subscribing again only sets the fields again."""
        fields = PAGE_WEBHOOK_FIELDS + (MESSAGING_FIELDS if MESSAGING_SCOPE in scopes else ())
        answer = self.call("POST", f"{self.webhook_page(credentials)}/subscribed_apps", credentials.access_token,
                           data={"subscribed_fields": ",".join(fields)})
        if answer.get("success") not in (True, "true"):
            raise TransientError(f"{self.platform}: the Page subscription was not confirmed", platform=self.platform)

    def unsubscribe_webhooks(self, credentials: Credentials) -> None:
        """`DELETE /{page}/subscribed_apps` with the Page token: Meta stops delivering the Page's
        events, and those of the Instagram account linked to it, to the app."""
        answer = self.call("DELETE", f"{self.webhook_page(credentials)}/subscribed_apps", credentials.access_token)
        if answer.get("success") not in (True, "true"):
            raise TransientError(f"{self.platform}: the Page unsubscription was not confirmed", platform=self.platform)

    # --- posts ----------------------------------------------------------------------------------

    def publish(self, credentials: Credentials, post: PostRequest) -> Published:
        page, token = credentials.platform_user_id, credentials.access_token
        photos = [{"url": url} for url in post.image_urls] + [{"file": image} for image in post.images]
        message = post.text_with_link()
        if len(photos) == 1:
            answer = self.call("POST", f"{page}/photos", token, write=True, **self.photo(photos[0], caption=message))
            post_id = str(answer.get("post_id") or answer.get("id") or "")
        else:
            data = {"message": message}
            if post.link:
                data["link"] = post.link
            for position, photo in enumerate(photos):  # a multi-photo post: unpublished photos first
                uploaded = self.call("POST", f"{page}/photos", token, **self.photo(photo, published=False))
                data[f"attached_media[{position}]"] = json.dumps({"media_fbid": str(uploaded["id"])})
            post_id = str(self.call("POST", f"{page}/feed", token, data=data, write=True).get("id") or "")
        if not post_id:
            raise Uncertain(f"{self.platform}: published without an id (it may be live)", platform=self.platform)
        return Published(platform_post_id=post_id, url=f"https://www.facebook.com/{post_id}")

    @staticmethod
    def photo(photo: dict, *, caption: str = "", published: bool = True) -> dict:
        data = {"published": "true" if published else "false"}
        if caption:
            data["caption"] = caption
        if "url" in photo:
            return {"data": data | {"url": photo["url"]}}
        image = photo["file"]
        return {"data": data, "files": {"source": (image.filename, image.content, image.content_type)}}

    def find_published(self, credentials: Credentials, *, marker: str, since: datetime) -> Published | None:
        posts = self.call("GET", f"{credentials.platform_user_id}/posts", credentials.access_token, params={
            "fields": "id,message,permalink_url,created_time", "since": int(since.timestamp()),
            "limit": POSTS_LOOKED_UP}).get("data") or []
        for post in posts:
            if isinstance(post, dict) and marker and marker in (post.get("message") or ""):
                return Published(platform_post_id=str(post["id"]), url=post.get("permalink_url") or "")
        return None

    def delete(self, credentials: Credentials, platform_post_id: str) -> None:
        """A post Graph says does not exist counts as deleted only once `confirm_gone` believes it."""
        try:
            self.call("DELETE", platform_post_id, credentials.access_token)
        except PermanentError as error:
            if not object_gone(error):
                raise
            self.confirm_gone(credentials)

    def confirm_gone(self, credentials: Credentials) -> None:
        """Graph answers "does not exist" (code 100, subcode 33) alike for an object deleted and for
        one the token may not load: it is believed only while the account the object was published
        as still answers to the token. GoneUnconfirmed when it does not; an expired token or an
        outage met by the check is raised as it is."""
        try:
            self.check_token_acts_as(credentials)
        except PermanentError as refused:
            reason = str(refused).removeprefix(f"{self.platform}: ")
            raise GoneUnconfirmed(
                f"{self.platform}: Graph says the post does not exist, but account {credentials.platform_user_id} "
                f"no longer answers to its token, so it may only be hidden from it ({reason})",
                platform=self.platform, code=refused.code, subcode=refused.subcode, status=refused.status) from None

    def check_token_acts_as(self, credentials: Credentials) -> None:
        """A Page token acts as its Page: `me` is the Page (any token may load a public Page by id)."""
        me = self.call("GET", "me", credentials.access_token, params={"fields": "id"})
        if str(me.get("id", "")) != credentials.platform_user_id:
            raise PermanentError(f"{self.platform}: the token acts as another account than "
                                 f"{credentials.platform_user_id}", platform=self.platform)

    # --- insights -------------------------------------------------------------------------------

    def insights(self, credentials: Credentials, *, since: date, until: date) -> list[DailyInsight]:
        start = datetime.combine(since, datetime.min.time(), UTC)
        end = datetime.combine(until + timedelta(days=1), datetime.min.time(), UTC)
        answer = self.call("GET", f"{credentials.platform_user_id}/insights", credentials.access_token, params={
            "metric": ",".join(PAGE_METRICS), "period": "day", "since": int(start.timestamp()),
            "until": int(end.timestamp())})
        days: dict[date, dict] = {}
        for series in answer.get("data") or []:
            field = PAGE_METRICS.get(series.get("name")) if isinstance(series, dict) else None
            for point in (series.get("values") or []) if field else []:
                day = graph_day(point["end_time"])
                if since <= day <= until and isinstance(point.get("value"), int):
                    days.setdefault(day, {})[field] = point["value"]
        return [DailyInsight(day=day, **figures) for day, figures in sorted(days.items())]
