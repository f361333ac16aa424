"""WebSocket routes of every app, behind the JWT query-string middleware (see asgi.py)."""

from django.urls import re_path

from chat.routing import websocket_urlpatterns as chat_routes
from notifications.routing import websocket_urlpatterns as notification_routes
from sellflow.ws_auth import unknown_websocket_path

websocket_urlpatterns = [
    *notification_routes,
    *chat_routes,
    # Apps add their consumers (sellflow.consumers.SessionConsumer subclasses) above this line;
    # anything else closes with 4404.
    re_path(r"^ws/", unknown_websocket_path),
]
