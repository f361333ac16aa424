from datetime import timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from products.models import Product, ProductImage
from sellflow.exceptions import ApplicationError
from sellflow.filters import FilterBackend
from sellflow.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from sellflow.images import Uploader
from sellflow.permissions import IsSeller
from sellflow.platforms import normalize_platform
from sellflow.referrals import REFERRAL_COOKIE, VISITOR_COOKIE, attribution_window
from sellflow.schema import error_responses
from sellflow.throttling import UPLOAD_THROTTLES, SocialConnectThrottle, client_address, with_default_throttles
from social import posts, selectors, services
from social import serializers as s
from social.errors import PlatformNotSupported
from social.filters import SocialAccountFilter
from social.models import PostImage, PostTarget, SocialAccount, SocialPost
from social.services import attribution, publishing

TAGS = ["social"]
PLATFORM_PARAMETER = OpenApiParameter(
    "platform", str, OpenApiParameter.PATH, enum=sorted(services.OAUTH_PLATFORMS | {"x"}),
    description="`facebook` (Pages), `instagram` (professional accounts linked to Pages) or `twitter` (`x` "
                "accepted).")


class OwnAccountsMixin:
    permission_classes = [IsSeller]

    def own_accounts(self):
        if getattr(self, "swagger_fake_view", False):
            return SocialAccount.objects.none()
        return selectors.seller_accounts(self.request.user)


@extend_schema_view(
    get=extend_schema(tags=TAGS, summary="My connected social accounts (disconnected ones show as `revoked`)"),
    post=extend_schema(
        tags=TAGS, summary="Connect an account with an access token", request=s.SocialAccountConnectSerializer,
        description="The platform is asked who the token acts as before it is stored (encrypted). Connecting an "
                    "account again replaces its tokens and makes it `active`.",
        responses={201: s.SocialAccountSerializer,
                   200: OpenApiResponse(s.SocialAccountSerializer, description="An account connected before, "
                                                                               "reconnected."),
                   **error_responses(400, 502, 503,
                                     s400="Invalid body, a platform without connections (`platform_not_supported`), "
                                          "a token the platform refuses (`token_refused`) or an account it refuses "
                                          "(`account_refused`, e.g. a token acting as another account).",
                                     s502="The platform did not answer, or limits requests (`provider_error`, "
                                          "with `Retry-After`).",
                                     s503="This server has no app credentials for the platform (`unavailable`).")}),
)
class SocialAccountListCreateView(OwnAccountsMixin, generics.ListCreateAPIView):
    serializer_class = s.SocialAccountSerializer
    filter_backends = [FilterBackend]
    filterset_class = SocialAccountFilter

    def get_queryset(self):
        return self.own_accounts()

    def get_throttles(self):
        if self.request.method == "POST":
            return [throttle() for throttle in with_default_throttles(SocialConnectThrottle)]
        return super().get_throttles()

    def create(self, request, *args, **kwargs):
        serializer = s.SocialAccountConnectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account, created = services.social_account_connect(seller=request.user, **serializer.validated_data)
        return Response(s.SocialAccountSerializer(account).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class SocialAccountDetailView(OwnAccountsMixin, APIView):
    @extend_schema(tags=TAGS, summary="One connected account", responses={200: s.SocialAccountSerializer})
    def get(self, request, pk):
        return Response(s.SocialAccountSerializer(get_object_or_404(self.own_accounts(), pk=pk)).data)


class SocialAccountInsightsView(OwnAccountsMixin, APIView):
    @extend_schema(tags=TAGS, summary="An account's daily insights", parameters=[s.InsightsQuerySerializer],
                   description="Per-day followers, impressions, reach, engagement and link clicks, and their totals "
                               "over the range, as an hourly job fetched them from the platform (no platform is "
                               "asked during the request). A figure the platform does not report is null; "
                               "WhatsApp reports none.",
                   responses={200: s.InsightsSerializer, **error_responses(
                       400, 404, s400="`days` outside 1..90 or not a number (`invalid`).")})
    def get(self, request, pk):
        params = s.InsightsQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        account = get_object_or_404(self.own_accounts(), pk=pk)
        until = timezone.now().date()
        since = until - timedelta(days=params.validated_data["days"] - 1)
        report = selectors.account_insights_report(account, since=since, until=until)
        return Response(s.InsightsSerializer(report).data)


class SocialDisconnectView(APIView):
    permission_classes = [IsSeller]

    @extend_schema(tags=TAGS, summary="Disconnect a platform", request=s.SocialDisconnectSerializer,
                   description="Revokes each token at the platform when it can (a refusal or an outage does not "
                               "stop the disconnect), deletes the tokens and marks the accounts `revoked`; their "
                               "posts keep their history.",
                   responses={200: s.SocialDisconnectResultSerializer, **error_responses(
                       404, s404="No connected account of this platform (`not_connected`).")})
    def post(self, request):
        serializer = s.SocialDisconnectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        accounts = services.social_accounts_disconnect(seller=request.user, **serializer.validated_data)
        return Response({"platform": serializer.validated_data["platform"],
                         "disconnected": s.SocialAccountSerializer(accounts, many=True).data})


def oauth_platform(platform: str) -> str:
    name = normalize_platform(platform)
    if name not in services.OAUTH_PLATFORMS:
        raise PlatformNotSupported("This platform's accounts are connected with a token, not through OAuth.",
                                   details={"platform": platform})
    return name


class OAuthStartView(APIView):
    permission_classes = [IsSeller]
    throttle_classes = with_default_throttles(SocialConnectThrottle)

    @extend_schema(tags=TAGS, summary="Start connecting accounts through the platform's OAuth",
                   parameters=[PLATFORM_PARAMETER],
                   description="Facebook and Instagram connect every Page (or linked Instagram account) the seller "
                               "grants; X the seller's own account (PKCE). The state is bound to the seller, good "
                               "once, for 10 minutes.",
                   responses={200: s.OAuthStartSerializer, **error_responses(
                       400, 503, s400="A platform without OAuth here (`platform_not_supported`).",
                       s503="This server has no app credentials for the platform (`unavailable`).")})
    def get(self, request, platform):
        url = services.oauth_start(user=request.user, platform=oauth_platform(platform))
        return Response({"authorization_url": url, "expires_in": services.STATE_MAX_AGE_SECONDS})


def frontend_redirect(**query) -> HttpResponseRedirect:
    url = settings.SOCIAL_OAUTH_RETURN_URL
    return HttpResponseRedirect(f"{url}{'&' if '?' in url else '?'}{urlencode(query)}")


class OAuthCallbackView(APIView):
    """The platform sends the seller's browser here: no bearer token, the state says who it is."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(tags=TAGS, summary="The platform's OAuth redirect (browser only)", auth=[],
                   parameters=[PLATFORM_PARAMETER, OpenApiParameter("code", str), OpenApiParameter("state", str),
                               OpenApiParameter("error", str, description="The platform's refusal, e.g. "
                                                                          "`access_denied`.")],
                   description="Always a redirect to the frontend (`SOCIAL_OAUTH_RETURN_URL`): `social_connect="
                               "success&platform=...&accounts=N`, or `social_connect=error&platform=...&reason=` "
                               "`invalid_state` (tampered, expired or used before: nothing stored), `denied`, "
                               "`refused`, `provider_error`, `not_configured` or `no_accounts`. A platform without "
                               "OAuth here is 404.",
                   responses={302: OpenApiResponse(description="To the frontend."),
                              **error_responses(404, s404="No platform of this name connects through OAuth here "
                                                          "(`not_found`).")})
    def get(self, request, platform):
        name = normalize_platform(platform)
        if name not in services.OAUTH_PLATFORMS:  # no platform sends a browser here
            raise NotFound()
        try:
            _, accounts = services.oauth_complete(platform=name, state=request.query_params.get("state", ""),
                                                  code=request.query_params.get("code", ""),
                                                  error=request.query_params.get("error", ""))
        except services.OAuthRefused as refused:
            return frontend_redirect(social_connect="error", platform=name, reason=refused.reason)
        return frontend_redirect(social_connect="success", platform=name, accounts=len(accounts))


WEBHOOK_PLATFORM_PARAMETER = OpenApiParameter(
    "platform", str, OpenApiParameter.PATH, enum=["facebook", "instagram", "twitter", "whatsapp", "x"],
    description="Meta's products (`facebook`, `instagram`, `whatsapp`) share the Meta app's secret: each event is "
                "filed under the product its `object` names, whichever of their addresses it came to.")


CHALLENGE_ANSWERS = "Meta: `hub.challenge` as it came, as text/plain; X: the CRC answer, as JSON."


class PlatformWebhookView(APIView):
    """Called by the platforms: no user, no throttle, no CSRF; the signature is the authentication."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(
        tags=["webhooks"], summary="A platform's subscription handshake (Meta's hub.challenge, X's CRC)", auth=[],
        parameters=[WEBHOOK_PLATFORM_PARAMETER,
                    OpenApiParameter("hub.mode", str, description="Meta: `subscribe`."),
                    OpenApiParameter("hub.verify_token", str, description="Meta: `META_WEBHOOK_VERIFY_TOKEN`."),
                    OpenApiParameter("hub.challenge", str, description="Meta: answered back as it is."),
                    OpenApiParameter("crc_token", str, description="X: answered with its HMAC.")],
        responses={(200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description=CHALLENGE_ANSWERS),
                   (200, "application/json"): OpenApiResponse(s.CRCResponseSerializer, description=CHALLENGE_ANSWERS),
                   **error_responses(403, 404, s403="Not this server's verify token, or no secret to answer with "
                                                    "(`invalid_verify_token`).",
                                     s404="No platform of this name sends webhooks here (`not_found`).")})
    def get(self, request, platform):
        challenge = services.social_webhook_challenge(platform=platform, params=request.query_params)
        return HttpResponse(challenge.body, content_type=challenge.content_type)

    @extend_schema(
        tags=["webhooks"], summary="A platform's events (signed)", auth=[], request=None,
        parameters=[WEBHOOK_PLATFORM_PARAMETER],
        description="Meta signs with `X-Hub-Signature-256`, X with `x-twitter-webhooks-signature`; the signature is "
                    "checked before the body is read. Each event is stored once: a redelivery answers 200 and "
                    "changes nothing.",
        responses={200: s.SocialWebhookAckSerializer, **error_responses(
            400, 404, 503, s400="The signature does not verify (`invalid_signature`: nothing was read), or the "
                                "body is not this platform's notification (`invalid`).",
            s404="No platform of this name sends webhooks here (`not_found`).",
            s503="This server has no secret to verify the platform's signatures with (`unavailable`): nothing "
                 "was read.")})
    def post(self, request, platform):
        counts = services.social_events_receive(platform=platform, body=request.body, headers=request.headers)
        return Response(s.SocialWebhookAckSerializer({"received": True, **counts}).data)


# --- Posts

POST_TAGS = ["social posts"]
NOT_FOUND_IDS = "not_found"


def own_rows(queryset, ids: list[int], field: str) -> list:
    """The rows of `ids` in the order given; an id that is not the seller's is a 404, as a foreign
    object always is."""
    rows = queryset.in_bulk(ids)
    missing = [pk for pk in ids if pk not in rows]
    if missing:
        raise ApplicationError("Not found.", code=NOT_FOUND_IDS, status_code=status.HTTP_404_NOT_FOUND,
                               details={field: [f"{pk}: no such {field[:-1] if field.endswith('s') else field} "
                                                f"of yours." for pk in missing]})
    return [rows[pk] for pk in dict.fromkeys(ids)]


def own_product(seller, pk: int) -> Product:
    return own_rows(Product.objects.alive().filter(seller=seller), [pk], "product")[0]


def own_images(request, ids: list[int]) -> list[ProductImage]:
    return own_rows(ProductImage.objects.filter(product__seller=request.user, product__deleted_at__isnull=True),
                    ids, "media")


def own_uploads(request, ids: list[int]) -> list[PostImage]:
    return own_rows(PostImage.objects.filter(seller=request.user), ids, "uploads")


def post_input(request, data: dict, *, product: Product | None, accounts: list[SocialAccount]) -> posts.PostInput:
    post = posts.PostInput(content=data["content"], hashtags=data["hashtags"], product=product, accounts=accounts,
                           images=own_images(request, data["media"]), uploads=own_uploads(request, data["uploads"]),
                           scheduled_at=data["scheduled_at"])
    return posts.generate_copy(seller=request.user, post=post) if data["generate"] else post


def post_response(request, social_post, status_code=status.HTTP_200_OK) -> Response:
    social_post = selectors.seller_posts(request.user).get(pk=social_post.pk)
    return Response(s.SocialPostSerializer(social_post, context={"request": request}).data, status=status_code)


def seller_timezone(request):
    return ZoneInfo(request.user.timezone)


POST_CREATE_ERRORS = error_responses(
    400, 403, 404, 409, 429, 502,
    s400="Invalid body, an account that is not `active`, a time in the past, or a post a platform would refuse "
         "(`invalid`, the reasons by field in details: length with hashtags and link, hashtags, images). WhatsApp "
         "takes no posts (`invalid`, why in details): SellFlow sends WhatsApp messages to customers from the chat "
         "and marketing apps.",
    s403="Not a seller (`permission_denied`), or with `generate` the AI switched off in the profile "
         "(`ai_disabled`).",
    s404="A product, account or image that is not yours (`not_found`, the ids in details).",
    s409="The Idempotency-Key was used for another request (`idempotency_key_reused`) or is still in progress "
         "(`request_in_progress`).",
    s429="Too many requests (`throttled`), or with `generate` the AI quota is spent (`quota_exceeded`).",
    s502="With `generate`, the AI provider failed (`provider_error`).")


@extend_schema_view(
    get=extend_schema(tags=POST_TAGS, summary="My posts, newest first", parameters=[s.PostListQuerySerializer]),
    post=extend_schema(
        tags=POST_TAGS, summary="Create a post (one target per account: a cross-post)",
        request=s.SocialPostCreateSerializer, parameters=[IDEMPOTENCY_PARAMETER],
        description="Checked against every target platform's rules before anything is kept. Targets are `draft`, or "
                    "`scheduled` with `scheduled_at`; publishing them is a separate step.",
        responses={201: s.SocialPostSerializer, **POST_CREATE_ERRORS}),
)
class SocialPostListCreateView(OwnAccountsMixin, generics.ListCreateAPIView):
    serializer_class = s.SocialPostSerializer
    filter_backends = []  # the query serializer filters

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SocialPost.objects.none()
        query = s.PostListQuerySerializer(data=self.request.query_params,
                                          context={"timezone": seller_timezone(self.request)})
        query.is_valid(raise_exception=True)
        return post_filters(selectors.seller_posts(self.request.user), query.validated_data)

    def get(self, request, *args, **kwargs):
        publish_due_on_read(request.user)
        return super().get(request, *args, **kwargs)

    @idempotent
    def post(self, request, *args, **kwargs):
        serializer = s.SocialPostCreateSerializer(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        product = own_product(request.user, data["product"]) if data["product"] else None
        accounts = own_rows(self.own_accounts(), data["accounts"], "accounts")
        social_post = posts.post_create(seller=request.user,
                                        post=post_input(request, data, product=product, accounts=accounts))
        return post_response(request, social_post, status.HTTP_201_CREATED)


# Due targets one read may publish (eagerly, with no worker): a read stays quick; the next one does more.
READ_DISPATCH_LIMIT = 5


def publish_due_on_read(seller, targets=None) -> None:
    """The embedded default has no beat: the seller's due targets are queued (published, when
    tasks run eagerly) before their posts are read, as the payment timer is enforced on read."""
    scope = PostTarget.objects.filter(post__seller=seller) if targets is None else targets
    publishing.targets_dispatch(targets=scope, limit=READ_DISPATCH_LIMIT)


PUBLISH_ERRORS = error_responses(
    404, 409, s404="No such post of yours.",
    s409="Nothing to do: no draft or scheduled target to publish, or no failed target to retry "
         "(`invalid_transition`); or the Idempotency-Key was used for another request (`idempotency_key_reused`) "
         "or is still in progress (`request_in_progress`).")


class SocialPostPublishView(OwnAccountsMixin, APIView):
    @extend_schema(tags=POST_TAGS, summary="Publish a post now", request=None, parameters=[IDEMPOTENCY_PARAMETER],
                   description="Its draft and scheduled targets are queued at once, one task each (a target "
                               "reaches its platform once, however often this is sent). Answers at once with the "
                               "post: poll `GET /api/social/posts/{id}/` for each target's `status`; the seller is "
                               "notified when each is published or failed.",
                   responses={202: s.SocialPostSerializer, **PUBLISH_ERRORS})
    @idempotent
    def post(self, request, pk):
        social_post = get_object_or_404(SocialPost.objects.filter(seller=request.user), pk=pk)
        publishing.post_publish(social_post=social_post)
        return post_response(request, social_post, status.HTTP_202_ACCEPTED)


class SocialPostRetryView(OwnAccountsMixin, APIView):
    @extend_schema(tags=POST_TAGS, summary="Retry a post's failed targets", request=None,
                   parameters=[IDEMPOTENCY_PARAMETER],
                   description="Its `failed` targets are queued again with a fresh count of attempts. Answers at "
                               "once with the post; poll it for each target's `status`.",
                   responses={202: s.SocialPostSerializer, **PUBLISH_ERRORS})
    @idempotent
    def post(self, request, pk):
        social_post = get_object_or_404(SocialPost.objects.filter(seller=request.user), pk=pk)
        publishing.post_retry(social_post=social_post)
        return post_response(request, social_post, status.HTTP_202_ACCEPTED)


def post_filters(queryset, query: dict):
    targets = PostTarget.objects.filter(post=OuterRef("pk"))
    if "status" in query:
        targets = targets.filter(status=query["status"])
    if "platform" in query:
        targets = targets.filter(platform=query["platform"])
    if "status" in query or "platform" in query:
        queryset = queryset.filter(Exists(targets))
    if "product" in query:
        queryset = queryset.filter(product_id=query["product"])
    if "from" in query:
        queryset = queryset.filter(created_at__gte=query["from"])
    if "to" in query:
        queryset = queryset.filter(created_at__lte=query["to"])
    return queryset


class SocialPostDetailView(OwnAccountsMixin, APIView):
    def own_post(self, pk: int) -> SocialPost:
        return get_object_or_404(selectors.seller_posts(self.request.user), pk=pk)

    @extend_schema(tags=POST_TAGS, summary="One post with its targets", responses={200: s.SocialPostSerializer})
    def get(self, request, pk):
        # Its due targets first, then the post read once, as they left it.
        publish_due_on_read(request.user, PostTarget.objects.filter(post_id=pk, post__seller=request.user))
        return Response(s.SocialPostSerializer(self.own_post(pk), context={"request": request}).data)

    @extend_schema(tags=POST_TAGS, summary="Edit a post before it is published", request=s.SocialPostUpdateSerializer,
                   description="Checked again against every target's platform. Refused once a target is "
                               "`publishing` or `published`.",
                   responses={200: s.SocialPostSerializer, **error_responses(
                       400, 404, 409, s400="Invalid body, or a post a platform would refuse (`invalid`, reasons in "
                                           "details).",
                       s404="No such post of yours, or an image that is not yours.",
                       s409="A target is publishing or published (`post_locked`).")})
    def patch(self, request, pk):
        social_post = self.own_post(pk)
        serializer = s.SocialPostUpdateSerializer(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "media" in changes:
            changes["images"] = own_images(request, changes.pop("media"))
        if "uploads" in changes:
            changes["uploads"] = own_uploads(request, changes["uploads"])
        posts.post_update(social_post=social_post, changes=changes)
        return post_response(request, social_post)

    @extend_schema(
        tags=POST_TAGS, summary="Delete a post (once published, at its platforms too)",
        parameters=[s.PostDeleteQuerySerializer],
        description="Before publishing, the post is deleted here. Once a target is `published`, only with "
                    "`?at_platform=true`: each published target is deleted at its platform, one after the other "
                    "(a post already gone there counts as deleted), and the post is deleted here only when all "
                    "of them are gone. If a platform fails, the post is kept and the error's "
                    "`details.removed_at_platform` lists the targets already deleted at their platform: send the "
                    "delete again. A platform whose API cannot delete a published post (Instagram; WhatsApp "
                    "messages) refuses the whole request before any platform is asked to delete: delete it there "
                    "yourself; SellFlow keeps the post, and its link's clicks and sales, while it is live there. "
                    "Instagram is asked first whether the post is still there: one deleted in the Instagram app "
                    "counts as deleted (a sent WhatsApp message cannot be taken back).",
        responses={204: None, **error_responses(
            400, 404, 409, 502, 503,
            s400="`at_platform` is not a boolean (`invalid`).",
            s404="No such post of yours (`not_found`).",
            s409="A target is being published, or was published and `at_platform` is not set (`post_locked`); "
                 "a platform cannot delete a published post (`cannot_delete_at_platform`, the targets in "
                 "details); an account the post was published as must be reconnected first "
                 "(`account_needs_reconnect`); the platform refused to delete it or to say whether it is still "
                 "there (`platform_refused`, its message in details).",
            s502="A platform did not answer or limits requests (`provider_error`, with `Retry-After` when it said "
                 "how long): nothing was deleted here.",
            s503="This server has no app credentials for the platform (`unavailable`).")})
    def delete(self, request, pk):
        query = s.PostDeleteQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        social_post = get_object_or_404(SocialPost.objects.filter(seller=request.user), pk=pk)
        posts.post_delete(social_post=social_post, at_platform=query.validated_data["at_platform"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductSocialPostView(OwnAccountsMixin, APIView):
    @extend_schema(tags=POST_TAGS, summary="Create a post about a product (the API document's body)",
                   request=s.ProductSocialPostSerializer, parameters=[IDEMPOTENCY_PARAMETER],
                   description="To every active account of `platform` unless `accounts` names some; `is_scheduled` "
                               "with `scheduled_at` schedules it. The product's share link, with each target's "
                               "attribution code, goes with the post. `whatsapp` is refused (400, why in "
                               "`details.platform`): SellFlow sends WhatsApp messages to customers from the chat and "
                               "marketing apps, not as posts.",
                   responses={201: s.SocialPostSerializer, **POST_CREATE_ERRORS})
    @idempotent
    def post(self, request, pk):
        product = get_object_or_404(Product.objects.alive().filter(seller=request.user), pk=pk)
        serializer = s.ProductSocialPostSerializer(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "accounts" in data:
            accounts = own_rows(self.own_accounts(), data["accounts"], "accounts")
            if any(account.platform != data["platform"] for account in accounts):
                raise ApplicationError("Every account must be of the platform chosen.", details={
                    "accounts": [f"{account.pk}: a {account.get_platform_display()} account." for account in accounts
                                 if account.platform != data["platform"]]})
        else:
            accounts = posts.accounts_for_platform(seller=request.user, platform=data["platform"])
        social_post = posts.post_create(seller=request.user,
                                        post=post_input(request, data, product=product, accounts=accounts))
        return post_response(request, social_post, status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(tags=POST_TAGS, summary="My calendar: scheduled targets, soonest first",
                      parameters=[s.ScheduleQuerySerializer]),
    post=extend_schema(
        tags=POST_TAGS, summary="Schedule (or move) a post", request=s.ScheduleCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        description="Its draft and scheduled targets (or those on `accounts`) get `scheduled_at`; published ones are "
                    "left alone.",
        responses={200: s.ScheduledTargetSerializer(many=True), **error_responses(
            400, 404, 409, s400="Invalid body, a time in the past, or an account the post does not go to.",
            s404="No such post of yours, or an account that is not yours.",
            s409="No draft or scheduled target left (`invalid_transition`), or the Idempotency-Key was used for "
                 "another request.")}),
)
class ScheduleListCreateView(OwnAccountsMixin, generics.ListCreateAPIView):
    serializer_class = s.ScheduledTargetSerializer
    filter_backends = []  # the query serializer filters

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PostTarget.objects.none()
        query = s.ScheduleQuerySerializer(data=self.request.query_params,
                                          context={"timezone": seller_timezone(self.request)})
        query.is_valid(raise_exception=True)
        targets = selectors.seller_scheduled_targets(self.request.user)
        bounds = query.validated_data
        if "platform" in bounds:
            targets = targets.filter(platform=bounds["platform"])
        if "from" in bounds:
            targets = targets.filter(scheduled_at__gte=bounds["from"])
        if "to" in bounds:
            targets = targets.filter(scheduled_at__lte=bounds["to"])
        return targets

    def get(self, request, *args, **kwargs):
        publish_due_on_read(request.user)
        return super().get(request, *args, **kwargs)

    @idempotent
    def post(self, request, *args, **kwargs):
        serializer = s.ScheduleCreateSerializer(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        social_post = get_object_or_404(SocialPost.objects.filter(seller=request.user), pk=data["post"])
        accounts = own_rows(self.own_accounts(), data["accounts"], "accounts") if "accounts" in data else None
        targets = posts.post_schedule(social_post=social_post, scheduled_at=data["scheduled_at"], accounts=accounts)
        rows = selectors.seller_scheduled_targets(request.user).filter(pk__in=[target.pk for target in targets])
        return Response(s.ScheduledTargetSerializer(rows, many=True).data)


class PostImageUploadView(APIView):
    permission_classes = [IsSeller]
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = with_default_throttles(*UPLOAD_THROTTLES)

    @extend_schema(tags=POST_TAGS, summary="Upload images for posts",
                   request={"multipart/form-data": s.PostImageUploadSerializer},
                   description="Checked and cleaned as product images are (JPEG, PNG or WebP within the same byte "
                               "and pixel limits, metadata stripped), and counted in the same daily image quota. "
                               "Send their ids as a post's `uploads`.",
                   responses={201: s.PostImageSerializer(many=True), **error_responses(
                       400, 413, 429, s400="Not a JPEG, PNG or WebP image, or too many pixels (`invalid_image`, "
                                           "`image_too_large`, `images_too_large`), or too many images.",
                       s413="An image larger than the byte limit (`too_large`).",
                       s429="Too many uploads or image pixels, from this account or this address (`throttled`), "
                            "or today's images are spent (`quota_exceeded`); see `Retry-After`.")})
    def post(self, request):
        files = request.FILES.getlist("images") or request.FILES.getlist("images[]")
        serializer = s.PostImageUploadSerializer(data={"images": files})
        serializer.is_valid(raise_exception=True)
        images = posts.post_images_upload(seller=request.user, uploads=serializer.validated_data["images"],
                                          uploader=Uploader.of(request))
        return Response(s.PostImageSerializer(images, many=True, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


# --- A post's link -------------------------------------------------------------------------------

VISITOR_COOKIE_AGE = timedelta(days=365)


class PostLinkView(APIView):
    """The link a published post carries: followed by buyers' browsers, so no authentication and no
    throttle that could stop one (a flood from one address is sent on uncounted)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(
        tags=["links"], operation_id="post_link_follow", auth=[],
        summary="Follow a post's link (records the visit, then redirects)",
        description="Counts a visit through the post target's link (browsers only; a visitor's repeat within a "
                    "short while counts once) and redirects to the product's page, with the link's UTM parameters "
                    "and, when counted, `sf_ref`: the signed referral that `POST /api/orders/checkout/` takes "
                    "(also kept in the `sf_ref` cookie) to credit the order to the post.",
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH, description="The target's `code`.")],
        responses={302: OpenApiResponse(description="To the product's page (`Location`)."),
                   **error_responses(404, s404="No post link has this code (`not_found`).")})
    def get(self, request, code):
        target = get_object_or_404(PostTarget.objects.select_related("post"), code=code)
        user_agent = "" if request.method == "HEAD" else request.headers.get("User-Agent", "")
        visit = attribution.link_visit(
            target=target, visitor=attribution.new_visitor_id(request.COOKIES.get(VISITOR_COOKIE)),
            client=client_address(request), user_agent=user_agent, utm=request.query_params.dict(),
            referrer=request.headers.get("Referer", ""))
        response = HttpResponseRedirect(visit.destination)
        response["Cache-Control"] = "no-store"  # every visit must come back through here
        secure = request.is_secure() or settings.SESSION_COOKIE_SECURE  # https behind a TLS-ending proxy too
        response.set_cookie(VISITOR_COOKIE, visit.visitor, max_age=VISITOR_COOKIE_AGE, secure=secure,
                            httponly=True, samesite="Lax")
        if visit.referral:
            response.set_cookie(REFERRAL_COOKIE, visit.referral, max_age=attribution_window(), secure=secure,
                                httponly=True, samesite="Lax")
        return response
