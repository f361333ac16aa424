"""What the production server (gunicorn.conf.py: uvicorn workers) may log of each connection."""

import logging

from sellflow.redaction import RedactSecretsFilter

# uvicorn's lines of one WebSocket handshake ('<client> - "WebSocket <path?query>" [accepted]', or
# a status), and the bare "connection open" / "connection closed" of the socket after it.
HANDSHAKE_LINE = '%s - "WebSocket %s"'
CONNECTION_LINES = ("connection open", "connection closed")


class NoWebSocketConnectionLines(logging.Filter):
    """Drops uvicorn's per-socket lines: the handshake line carries the query string, where the
    sockets take their access token (`?token=`), and they are access log lines, which the project
    keeps to its own (sellflow.access). daphne, before, wrote none either."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg if isinstance(record.msg, str) else ""
        return not (message.startswith(HANDSHAKE_LINE) or message in CONNECTION_LINES)


def quiet_websocket_connections() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(existing, NoWebSocketConnectionLines) for existing in logger.filters):
        logger.addFilter(NoWebSocketConnectionLines())


def redact_server_logs() -> None:
    """The server's own lines (an invalid request, an application error) pass the project's
    redaction too: a payment link's token is in its path."""
    for name in ("gunicorn.error", "gunicorn.access", "uvicorn.error", "uvicorn.access"):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(existing, RedactSecretsFilter) for existing in handler.filters):
                handler.addFilter(RedactSecretsFilter())
