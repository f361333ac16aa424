"""ASGI entry point: Django for HTTP, Channels for /ws/.

WebSockets authenticate with a token in the query string only, never with cookies, so a page on
another origin cannot ride a user's credentials: no origin allow-list is needed.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellflow.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (needs Django set up)

from sellflow.body_limit import BodySizeLimit  # noqa: E402
from sellflow.routing import websocket_urlpatterns  # noqa: E402
from sellflow.ws_auth import JWTQueryStringAuthMiddleware  # noqa: E402


def leave_form_bodies_to_django() -> None:
    """Under daphne, Twisted parses every POSTed form body itself before the app is called (into
    request.args, which daphne never reads): a malformed multipart body got an empty 400 from
    it, and a large one held the event loop while it was parsed. Django parses them anyway."""
    try:
        from daphne import http_protocol
    except ImportError:  # another ASGI server
        return

    class WebRequest(http_protocol.WebRequest):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, parsePOSTFormSubmission=False, **kwargs)

    # daphne's HTTPFactory looks the class up here for every connection.
    http_protocol.WebRequest = WebRequest


leave_form_bodies_to_django()

application = ProtocolTypeRouter(
    {
        "http": BodySizeLimit(django_asgi_app),
        "websocket": JWTQueryStringAuthMiddleware(URLRouter(websocket_urlpatterns)),
    }
)
