"""The production web server: gunicorn managing several uvicorn worker processes, each serving
sellflow.asgi:application (HTTP and WebSockets) on its own event loop. The web container
(Dockerfile, docker-compose.yml) and bench/run.py start it as

    gunicorn --config gunicorn.conf.py --bind 0.0.0.0:8000 sellflow.asgi:application

Workers share nothing but the listening socket: WebSocket groups reach across them through the
Redis channel layer (REDIS_URL), as they do across machines; each worker holds its own database
connections and about 125 MB. `make run` keeps one daphne process.

gunicorn rather than `uvicorn --workers`: the same uvicorn code serves each request, and gunicorn
is the long-kept process manager (a worker whose loop stops answering is replaced after `timeout`,
stopping workers get `graceful_timeout`, signals resize or reload the pool).
"""

import os

# uvicorn's worker, with WebSocket messages capped at the chat socket's frame limit (sellflow.workers).
worker_class = "sellflow.workers.SellflowUvicornWorker"


def worker_count() -> int:
    """WEB_CONCURRENCY workers, else one per CPU this process may run on (a container's cpuset)."""
    configured = os.getenv("WEB_CONCURRENCY", "").strip()
    if configured:
        return int(configured)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


workers = worker_count()

# The project's own access log line (sellflow.access, with the request id) is the only one: no
# `accesslog` here, so neither gunicorn nor uvicorn writes a second line per request, nor uvicorn
# one per WebSocket (its line would carry the socket's ?token=).
accesslog = None
errorlog = "-"
loglevel = os.getenv("LOG_LEVEL", "INFO").lower()

# Idle keep-alive connections outlive the proxy's (Caddy keeps idle upstream connections 2
# minutes), so the proxy never reuses one the server is closing under it.
keepalive = 130
# A worker whose event loop is stuck this many seconds is replaced; a stopping worker has this
# long to finish its requests.
timeout = 30
graceful_timeout = 30
# No runtime control socket (gunicornc): one path per user's home would be shared by every
# gunicorn that user runs on the machine (the bench, the tests), and nothing here uses it.
control_socket_disable = True


def post_worker_init(worker) -> None:
    """In each worker, once the app is loaded."""
    from sellflow.server_log import quiet_websocket_connections, redact_server_logs

    quiet_websocket_connections()
    redact_server_logs()
