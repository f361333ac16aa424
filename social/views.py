from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from sellflow.filters import FilterBackend
from sellflow.permissions import IsSeller
from sellflow.platforms import normalize_platform
from sellflow.schema import error_responses
from sellflow.throttling import SocialConnectThrottle, with_default_throttles
from social import selectors, services
from social import serializers as s
from social.errors import PlatformNotSupported
from social.filters import SocialAccountFilter
from social.models import SocialAccount

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
