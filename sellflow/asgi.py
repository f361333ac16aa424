"""ASGI entry point: Django for HTTP, Channels for /ws/.

WebSockets authenticate with a token in the query string only, never with cookies, so a page on
another origin cannot ride a user's credentials: no origin allow-list is needed.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellflow.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (needs Django set up)

from sellflow.routing import websocket_urlpatterns  # noqa: E402
from sellflow.ws_auth import JWTQueryStringAuthMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": JWTQueryStringAuthMiddleware(URLRouter(websocket_urlpatterns)),
    }
)
