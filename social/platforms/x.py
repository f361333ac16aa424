"""X (Twitter) through API v2 with OAuth 2.0 user tokens: posts with up to 4 uploaded images,
their deletion, a lookup of recent posts, per-day figures from the posts' public metrics, the
authorization code flow with PKCE (refresh tokens rotate), and the Account Activity webhooks'
CRC and signature (HMAC-SHA256 with the app's consumer secret)."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings

from social.platforms.base import (
    Credentials,
    DailyInsight,
    HTTPPlatformClient,
    InvalidWebhook,
    NotConfigured,
    PermanentError,
    PlatformError,
    PostRequest,
    Profile,
    Published,
    RateLimited,
    TokenExpired,
    TokenGrant,
    TransientError,
    Uncertain,
    WebhookChallenge,
    header_value,
    hmac_sha256,
    json_of,
    retry_after_seconds,
    same_signature,
)

MAX_IMAGES = 4
# The image types POST /2/media/upload takes in one request (GIFs and video need the chunked flow).
ONE_SHOT_IMAGE_TYPES = frozenset({"image/jpeg", "image/pjpeg", "image/png", "image/webp", "image/bmp", "image/tiff"})
PAGE_SIZE = 100
MAX_PAGES = 10  # 1,000 posts a sync: a seller's recent posts, bounded
DEFAULT_RATE_LIMIT_WAIT = 900  # X's windows are 15 minutes


def x_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def error_message(answer: dict) -> str:
    """X answers problems as {"detail": ...}, {"errors": [{"message": ...}]} or, from the OAuth
    endpoints, {"error": ..., "error_description": ...}."""
    errors = answer.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    return str(answer.get("detail") or first.get("message") or first.get("detail")
               or answer.get("error_description") or answer.get("title") or answer.get("error") or "")


class XClient(HTTPPlatformClient):
    platform = "twitter"
    default_scopes = ("tweet.read", "tweet.write", "users.read", "media.write", "offline.access")

    def __init__(self, *, client_id: str = "", client_secret: str = "", consumer_secret: str = "",
                 api_url: str = "https://api.x.com", authorize_url: str = "https://x.com/i/oauth2/authorize",
                 timeout: float = 15.0, **kwargs):
        super().__init__(timeout=timeout, **kwargs)
        self.client_id = client_id
        self._client_secret = client_secret
        self._consumer_secret = consumer_secret
        self.api_url = api_url.rstrip("/")
        self.authorize_url = authorize_url

    @classmethod
    def from_settings(cls):
        return cls(client_id=settings.X_CLIENT_ID, client_secret=settings.X_CLIENT_SECRET,
                   consumer_secret=settings.X_CONSUMER_SECRET, api_url=settings.X_API_URL,
                   authorize_url=settings.X_AUTHORIZE_URL, timeout=settings.SOCIAL_HTTP_TIMEOUT_SECONDS)

    # --- calls ----------------------------------------------------------------------------------

    def call(self, method: str, path: str, token: str = "", *, write: bool = False, **kwargs) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.send(method, f"{self.api_url}{path}", write=write, headers=headers, **kwargs)
        answer = json_of(response)
        if 200 <= response.status_code < 300:
            return answer
        raise self.error_for(response.status_code, answer, response.headers, write=write)

    def error_for(self, status: int, answer: dict, headers: Mapping[str, str], *, write: bool) -> PlatformError:
        message = f"{self.platform}: {error_message(answer) or f'HTTP {status}'}"
        common = {"platform": self.platform, "status": status, "code": answer.get("error") or status}
        if status == 429:
            return RateLimited(message, retry_after=self.rate_limit_wait(headers), **common)
        if status == 401:
            return TokenExpired(message, **common)
        if status >= 500:
            return (Uncertain if write else TransientError)(message, **common)
        return PermanentError(message, **common)

    def rate_limit_wait(self, headers: Mapping[str, str]) -> float:
        """Retry-After if given; else until the window resets (`x-rate-limit-reset`, epoch seconds),
        or the 24-hour user cap's reset when that is what ran out."""
        now = self.now()
        if (wait := retry_after_seconds(header_value(headers, "retry-after"), now=now)) is not None:
            return wait
        reset = header_value(headers, "x-rate-limit-reset")
        if header_value(headers, "x-user-limit-24hour-remaining") == "0":
            reset = header_value(headers, "x-user-limit-24hour-reset") or reset
        try:
            return max(float(reset) - now, 1.0)
        except ValueError:
            return DEFAULT_RATE_LIMIT_WAIT

    # --- OAuth 2.0 with PKCE --------------------------------------------------------------------

    def require_app(self) -> None:
        if not self.client_id:
            raise NotConfigured(f"{self.platform}: X_CLIENT_ID is not set", platform=self.platform)

    def authorization_url(self, *, state: str, redirect_uri: str, code_challenge: str | None = None) -> str:
        self.require_app()
        if not code_challenge:
            raise ValueError("X requires PKCE: pass the S256 code_challenge")
        query = {"response_type": "code", "client_id": self.client_id, "redirect_uri": redirect_uri,
                 "scope": " ".join(self.default_scopes), "state": state, "code_challenge": code_challenge,
                 "code_challenge_method": "S256"}
        return f"{self.authorize_url}?{urlencode(query)}"

    def token_call(self, path: str, form: dict, *, expired_if_refused: bool) -> dict:
        """A confidential client authenticates with HTTP Basic; a public one names its client_id."""
        self.require_app()
        auth = (self.client_id, self._client_secret) if self._client_secret else None
        try:
            return self.call("POST", path, data=form | {"client_id": self.client_id}, auth=auth)
        except TokenExpired as error:  # a 401 here refuses the app's credentials, not the user's token
            raise PermanentError(f"{self.platform}: X refused the app's client credentials", platform=self.platform,
                                 code=error.code, status=error.status) from None
        except PermanentError as error:
            if expired_if_refused and error.code == "invalid_grant":
                raise TokenExpired(str(error), platform=self.platform, code=error.code, status=error.status) from None
            raise

    def grant(self, answer: dict, profile: Profile | None) -> TokenGrant:
        if not answer.get("access_token"):
            raise TransientError(f"{self.platform}: token answer without a token", platform=self.platform)
        expires_in = answer.get("expires_in")
        expires_at = (datetime.fromtimestamp(self.now(), UTC) + timedelta(seconds=int(expires_in))
                      if isinstance(expires_in, int) else None)
        profile = profile or self.verify_token(answer["access_token"])
        return TokenGrant(access_token=answer["access_token"], refresh_token=answer.get("refresh_token") or "",
                          expires_at=expires_at, scopes=tuple(sorted((answer.get("scope") or "").split())),
                          user_id=profile.user_id, username=profile.username, display_name=profile.display_name,
                          avatar_url=profile.avatar_url)

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenGrant:
        if not code_verifier:
            raise ValueError("X requires PKCE: pass the code_verifier")
        answer = self.token_call("/2/oauth2/token", {"grant_type": "authorization_code", "code": code,
                                                     "redirect_uri": redirect_uri, "code_verifier": code_verifier},
                                 expired_if_refused=False)
        return self.grant(answer, None)

    def refresh(self, credentials: Credentials) -> TokenGrant:
        """A new access token and a new refresh token (X rotates them: store both). A refused
        refresh token means the seller must reconnect: TokenExpired."""
        if not credentials.refresh_token:
            raise TokenExpired(f"{self.platform}: no refresh token", platform=self.platform)
        answer = self.token_call("/2/oauth2/token", {"grant_type": "refresh_token",
                                                     "refresh_token": credentials.refresh_token},
                                 expired_if_refused=True)
        return self.grant(answer, Profile(user_id=credentials.platform_user_id))

    def revoke(self, credentials: Credentials) -> None:
        for token, hint in ((credentials.refresh_token, "refresh_token"), (credentials.access_token, "access_token")):
            if token:
                self.token_call("/2/oauth2/revoke", {"token": token, "token_type_hint": hint},
                                expired_if_refused=False)

    def verify_token(self, access_token: str, *, platform_user_id: str = "") -> Profile:
        data = self.call("GET", "/2/users/me", access_token,
                         params={"user.fields": "name,username,profile_image_url"}).get("data") or {}
        profile = Profile(user_id=str(data.get("id", "")), username=data.get("username", ""),
                          display_name=data.get("name", ""), avatar_url=data.get("profile_image_url", ""))
        if platform_user_id and profile.user_id != platform_user_id:
            raise PermanentError(f"{self.platform}: the token acts as another account than {platform_user_id}",
                                 platform=self.platform)
        return profile

    # --- posts ----------------------------------------------------------------------------------

    def publish(self, credentials: Credentials, post: PostRequest) -> Published:
        if post.image_urls and not post.images:
            raise PermanentError(f"{self.platform}: X takes uploaded image bytes, not URLs", platform=self.platform)
        if len(post.images) > MAX_IMAGES:
            raise PermanentError(f"{self.platform}: at most {MAX_IMAGES} images", platform=self.platform)
        token = credentials.access_token
        body: dict = {"text": post.text_with_link()}
        if post.images:
            body["media"] = {"media_ids": [self.upload(token, image) for image in post.images]}
        data = self.call("POST", "/2/tweets", token, json=body, write=True).get("data") or {}
        if not data.get("id"):
            raise Uncertain(f"{self.platform}: posted without an id (it may be live)", platform=self.platform)
        return Published(platform_post_id=str(data["id"]), url=f"https://x.com/i/web/status/{data['id']}")

    def upload(self, token: str, image) -> str:
        # An upload publishes nothing: a lost answer only leaves unused media, so it is no write.
        form = {"media_category": "tweet_image"}
        if image.content_type in ONE_SHOT_IMAGE_TYPES:
            form["media_type"] = image.content_type
        answer = self.call("POST", "/2/media/upload", token, data=form,
                           files={"media": (image.filename, image.content, image.content_type)})
        data = answer.get("data") if isinstance(answer.get("data"), dict) else answer
        media_id = data.get("id") or data.get("media_id_string")
        if not media_id:
            raise TransientError(f"{self.platform}: media uploaded without an id", platform=self.platform)
        return str(media_id)

    def find_published(self, credentials: Credentials, *, marker: str, since: datetime) -> Published | None:
        """Links in X posts are shortened (t.co): the marker is looked for in the expanded URLs too."""
        for tweet in self.timeline(credentials, start=since, end=None, fields="created_at,entities", pages=1):
            urls = [url.get("expanded_url") or "" for url in (tweet.get("entities") or {}).get("urls") or []]
            if marker and any(marker in text for text in [tweet.get("text") or "", *urls]):
                return Published(platform_post_id=str(tweet["id"]), url=f"https://x.com/i/web/status/{tweet['id']}")
        return None

    def timeline(self, credentials: Credentials, *, start: datetime, end: datetime | None, fields: str,
                 pages: int = MAX_PAGES) -> list[dict]:
        params = {"max_results": PAGE_SIZE, "start_time": x_time(start), "tweet.fields": fields}
        if end is not None:
            params["end_time"] = x_time(end)
        tweets = []
        for _ in range(pages):
            answer = self.call("GET", f"/2/users/{credentials.platform_user_id}/tweets", credentials.access_token,
                               params=params)
            tweets += [tweet for tweet in answer.get("data") or [] if isinstance(tweet, dict) and tweet.get("id")]
            next_token = (answer.get("meta") or {}).get("next_token")
            if not next_token:
                break
            params["pagination_token"] = next_token
        return tweets

    def delete(self, credentials: Credentials, platform_post_id: str) -> None:
        """Deleted only when X answers `{"data": {"deleted": true}}`; a post X cannot find (404) is
        already gone."""
        try:
            answer = self.call("DELETE", f"/2/tweets/{platform_post_id}", credentials.access_token)
        except PermanentError as error:
            if error.status != 404:
                raise
            return
        data = answer.get("data")
        if not (isinstance(data, dict) and data.get("deleted") is True):
            reason = error_message(answer) or "its answer has no deleted: true"
            raise PermanentError(f"{self.platform}: X did not delete the post ({reason})", platform=self.platform)

    # --- insights -------------------------------------------------------------------------------

    def insights(self, credentials: Credentials, *, since: date, until: date) -> list[DailyInsight]:
        """X gives no daily account figures. Per day: the public metrics, to date, of the posts made
        that day (impressions; likes, replies, reposts and quotes as engagement), and followers for
        today only. Reach and link clicks are not reported."""
        start = datetime.combine(since, datetime.min.time(), UTC)
        end = min(datetime.combine(until + timedelta(days=1), datetime.min.time(), UTC),
                  datetime.fromtimestamp(self.now(), UTC) - timedelta(seconds=10))  # X refuses a future end
        days = {since + timedelta(days=n): {"impressions": 0, "engagement": 0} for n in range((until - since).days + 1)}
        for tweet in self.timeline(credentials, start=start, end=end, fields="created_at,public_metrics"):
            day = datetime.fromisoformat(tweet["created_at"].replace("Z", "+00:00")).date()
            metrics = tweet.get("public_metrics") or {}
            if day in days:
                days[day]["impressions"] += int(metrics.get("impression_count") or 0)
                days[day]["engagement"] += sum(int(metrics.get(name) or 0) for name in (
                    "like_count", "reply_count", "retweet_count", "quote_count"))
        today = datetime.fromtimestamp(self.now(), UTC).date()
        if today in days:
            user = self.call("GET", f"/2/users/{credentials.platform_user_id}", credentials.access_token,
                             params={"user.fields": "public_metrics"}).get("data") or {}
            days[today]["followers"] = (user.get("public_metrics") or {}).get("followers_count")
        return [DailyInsight(day=day, **figures) for day, figures in sorted(days.items())]

    # --- webhooks (Account Activity API) --------------------------------------------------------

    def signature(self, message: bytes) -> str:
        return "sha256=" + base64.b64encode(hmac_sha256(self._consumer_secret, message)).decode()

    def verify_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> None:
        if not self._consumer_secret:
            raise InvalidWebhook("no X_CONSUMER_SECRET to verify with")
        if not same_signature(self.signature(body), header_value(headers, "x-twitter-webhooks-signature")):
            raise InvalidWebhook("bad or missing x-twitter-webhooks-signature")

    def answer_challenge(self, params: Mapping[str, str]) -> WebhookChallenge:
        crc_token = params.get("crc_token") or ""
        if not crc_token or not self._consumer_secret:
            raise InvalidWebhook("no crc_token, or no X_CONSUMER_SECRET to answer it with")
        body = json.dumps({"response_token": self.signature(crc_token.encode())})
        return WebhookChallenge(body=body, content_type="application/json")
