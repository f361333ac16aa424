"""The production server's worker (gunicorn.conf.py): uvicorn's, reading no WebSocket message
larger than the chat socket's frame limit. uvicorn's default would buffer up to 16 MiB of one
message before the app could refuse it; a larger one now closes the socket with 1009."""

import os

from uvicorn_worker import UvicornWorker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellflow.settings")

from django.conf import settings  # noqa: E402 (after the settings module is named)


class SellflowUvicornWorker(UvicornWorker):
    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "ws_max_size": settings.CHAT_SOCKET_MAX_FRAME_BYTES}
