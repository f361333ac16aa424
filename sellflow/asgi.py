"""ASGI entry point: Django for HTTP (in one hop to its sync thread, sellflow.http_handler),
Channels for /ws/.

WebSockets authenticate with a token in the query string only, never with cookies, so a page on
another origin cannot ride a user's credentials: no origin allow-list is needed.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellflow.settings")
django.setup(set_prefix=False)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (needs Django set up)

from sellflow.body_limit import BodySizeLimit  # noqa: E402
from sellflow.http_handler import OneHopHTTPHandler  # noqa: E402
from sellflow.routing import websocket_urlpatterns  # noqa: E402
from sellflow.ws_auth import JWTQueryStringAuthMiddleware  # noqa: E402


def use_sellflow_requests_in_daphne() -> None:
    """Under daphne, requests are read by sellflow.daphne_request's WebRequest (body limit and
    malformed requests answered in the error shape before the body is buffered)."""
    try:
        import daphne.http_protocol  # noqa: F401
    except ImportError:  # another ASGI server
        return
    from sellflow.daphne_request import use_in_daphne

    use_in_daphne()


use_sellflow_requests_in_daphne()


async def lifespan(scope, receive, send) -> None:
    """The ASGI lifespan protocol, which uvicorn (the production server's workers) speaks and
    daphne does not: nothing to open or close per process, so each step is acknowledged at once
    (a router without it would fail the scope, and the server log that it is unsupported)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


application = ProtocolTypeRouter(
    {
        "lifespan": lifespan,
        "http": BodySizeLimit(OneHopHTTPHandler()),
        "websocket": JWTQueryStringAuthMiddleware(URLRouter(websocket_urlpatterns)),
    }
)
