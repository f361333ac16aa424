"""The one URLconf. API paths are the API document's; aliases from seed 000 are served by the
same views and kept out of the schema."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from orders.views import GatewayPaymentWebhookView, PaymentWebhookView
from sellflow.exceptions import api_not_found_view
from sellflow.health import HealthView
from social.views import PlatformWebhookView, PostLinkView

# Swagger UI's start-up script is served as a file of its own (`?script`), not inline, so that
# the docs pages run under the Content-Security-Policy without 'unsafe-inline' scripts.
docs = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/schema/swagger-ui/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui-alias"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/schema/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc-alias"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/health/", HealthView.as_view(), name="health"),
    path("api/auth/", include("accounts.urls")),
    path("api/products/", include("products.urls")),
    path("api/products/", include("ai.product_urls")),
    path("api/products/", include("social.product_urls")),
    path("api/notifications/", include("notifications.urls")),
    path("api/orders/", include("orders.urls")),
    path("api/ai/", include("ai.urls")),
    path("api/customers/", include("customers.urls")),
    path("api/customers/", include("chat.customer_urls")),
    path("api/social/", include("social.urls")),
    path("api/chat/", include("chat.urls")),
    path("api/webhooks/payment/", PaymentWebhookView.as_view(), name="payment-webhook"),
    path("api/webhooks/payment/<slug:gateway>/", GatewayPaymentWebhookView.as_view(), name="payment-webhook-gateway"),
    path("api/webhooks/social/<slug:platform>/", PlatformWebhookView.as_view(), name="social-webhook"),
    path("r/<str:code>", PostLinkView.as_view(), name="post-link"),
    # Some apps add a slash to a link they open: on to the link itself.
    path("r/<str:code>/", RedirectView.as_view(pattern_name="post-link", query_string=True)),
    *docs,
    # Anything else under /api/ (or /r/, the posts' links) is a JSON 404, whatever DEBUG says.
    re_path(r"^api/", api_not_found_view),
    re_path(r"^r/", api_not_found_view),
]

if settings.BENCH_FLOOR_ENDPOINT:
    from sellflow.bench_floor import FloorView

    urlpatterns.insert(0, path("api/bench/floor/", FloorView.as_view()))

if settings.DEBUG:
    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns

handler400 = "sellflow.exceptions.json_bad_request"
handler403 = "sellflow.exceptions.json_permission_denied"
handler404 = "sellflow.exceptions.json_not_found"
handler500 = "sellflow.exceptions.json_server_error"
