"""SellFlow settings, read from the environment (and an optional `.env`).

With nothing set the app runs on its embedded default: SQLite, local-memory cache, in-memory
channel layer, eager Celery, console email, local file storage. `DATABASE_URL` and `REDIS_URL`
switch to the production stack. Every variable read here is listed in `.env.example`.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from sellflow.secret_key import development_field_key, installation_secret_key, refuse_guessable_key

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Variables already in the environment win over the file.
ENV_FILE = Path(env.str("DJANGO_ENV_FILE", default=str(BASE_DIR / ".env")))
if ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE, overwrite=False)

# --- Core -------------------------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)
DATABASE_URL = env("DATABASE_URL", default="")
REDIS_URL = env("REDIS_URL", default="")

# Anything pointed at a real database must bring its own secret. The embedded default (no
# DATABASE_URL) makes one on first run and keeps it in a git-ignored file, never a published one.
# Without DEBUG, a short, repetitive, development or published key refuses to start.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
# Where the embedded default keeps the key it made (mode 0600).
SECRET_KEY_FILE = Path(env("DJANGO_SECRET_KEY_FILE", default=str(BASE_DIR / ".secret_key")))
if not SECRET_KEY:
    if DATABASE_URL:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DATABASE_URL is set.")
    SECRET_KEY = installation_secret_key(SECRET_KEY_FILE, debug=DEBUG)
elif not DEBUG:
    refuse_guessable_key(SECRET_KEY, name="DJANGO_SECRET_KEY")

# Keys of the encrypted model fields (sellflow/encryption.py): Fernet keys, comma-separated, newest
# first. Values are written under the first and read under any, so a new key goes in front, `manage.py
# rotate_encryption_keys` re-encrypts, and the old key leaves. Unset, DEBUG and the embedded default
# use a key derived from SECRET_KEY (development only: `check --deploy` refuses it without DEBUG);
# a real database without DEBUG has none, and `check` and `migrate` refuse to run (sellflow.E002).
FIELD_ENCRYPTION_KEYS = [key.strip() for key in env.list("FIELD_ENCRYPTION_KEYS", default=[]) if key.strip()]
if not FIELD_ENCRYPTION_KEYS and (DEBUG or not DATABASE_URL):
    FIELD_ENCRYPTION_KEYS = [development_field_key(SECRET_KEY)]

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "sellflow.apps.SellflowAdminConfig",  # django.contrib.admin, its sign-in throttled
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "channels",
    "sellflow",
    "accounts",
    "products",
    "notifications",
    "orders",
    "ai",
    "customers",
    "social",
    "chat",
]

MIDDLEWARE = [
    "sellflow.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside WhiteNoise, so that static files carry a policy too.
    "sellflow.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # After CORS, so that the SPA can read the 413 it answers.
    "sellflow.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Allow lists the methods the schema documents (an alias method answers, unadvertised).
    "sellflow.middleware.DocumentedAllowMiddleware",
]

ROOT_URLCONF = "sellflow.urls"
WSGI_APPLICATION = "sellflow.wsgi.application"
ASGI_APPLICATION = "sellflow.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "sellflow" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url_config(DATABASE_URL)
    if DATABASE_URL
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A transaction takes SQLite's write lock when it begins, so two requests writing at once
    # wait their turn (up to the timeout) instead of failing with "database is locked" (also for
    # a DATABASE_URL of sqlite:///...).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
# The app is served by an ASGI server, where Django's persistent connections pile up (one per
# request thread) instead of being reused. On PostgreSQL each process keeps a pool of connections
# instead (Django's, on psycopg 3): a request borrows one and gives it back when it ends, rather
# than paying for a new connection each time (about 9 ms of database CPU). A pooled connection
# is handed out only after a check that it still answers. DATABASE_POOL_MAX_SIZE=0 turns the pool
# off (a connection per request, or DATABASE_CONN_MAX_AGE seconds: for an outside pooler).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Sizes: a process runs all its database work in one thread (sellflow.http_handler's one hop for
# HTTP; Channels' database_sync_to_async is thread-sensitive, and asgiref runs both on the same
# single-thread executor), and that thread holds one connection at a time. So one connection
# stays open (MIN_SIZE 1) and at most 4 are opened (MAX_SIZE): the three spare ones open only if
# database work ever runs outside that thread, which would otherwise wait for the one.
# PostgreSQL's max_connections (100 by default, 3 of them kept for superusers) is shared by every
# process: at 4 per web worker, 20 workers and Celery's stay under it; at 20, 5 workers reached it.
DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=4)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_POOL_MAX_SIZE > 0:
    if DATABASES["default"]["CONN_MAX_AGE"]:
        raise ImproperlyConfigured("DATABASE_CONN_MAX_AGE must be 0 with the pool (DATABASE_POOL_MAX_SIZE > 0).")
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(env.int("DATABASE_POOL_MIN_SIZE", default=1), DATABASE_POOL_MAX_SIZE),
        "max_size": DATABASE_POOL_MAX_SIZE,
        # Seconds a request waits for a free connection (or for PostgreSQL to accept a new one)
        # before it fails: a 503 to retry (sellflow.exceptions.database_busy). Short, as every
        # request of the process queues behind the one database thread while it waits.
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=3.0),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", default="sellflow")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "sellflow.cache_backends.SharedPoolRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # A Redis that stops answering must fail fast (health says 503), not hang requests.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "sellflow",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # The layer waits for messages with a blocking read of 5 s (RedisChannelLayer.brpop_timeout);
                # redis-py's default 5 s socket timeout fired first and crashed every idle socket (1011).
                # 15 s leaves the read room while a Redis that stops answering is still noticed.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15, "socket_connect_timeout": 5}],
                "prefix": f"{CACHE_KEY_PREFIX}:asgi",
                # Messages a slow consumer has not read yet, per channel, before sends fail.
                "capacity": env.int("CHANNEL_LAYER_CAPACITY", default=1000),
                # Seconds an undelivered message lives.
                "expiry": env.int("CHANNEL_LAYER_EXPIRY", default=60),
                # Seconds a channel stays in a group without re-joining (a dead socket's leftovers).
                "group_expiry": env.int("CHANNEL_LAYER_GROUP_EXPIRY", default=86400),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Auth -------------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)
# Reset links mailed to one account per hour; requests beyond get the same answer and no mail.
PASSWORD_RESET_MAILS_PER_HOUR = env.int("PASSWORD_RESET_MAILS_PER_HOUR", default=3)
# Failed admin sign-ins to one account in an hour, from all addresses together, that alert the
# operators (once an hour). Nobody is refused for them: refusals are per address and account.
ADMIN_LOGIN_ALERT_FAILURES_PER_HOUR = env.int("ADMIN_LOGIN_ALERT_FAILURES_PER_HOUR", default=20)
if ADMIN_LOGIN_ALERT_FAILURES_PER_HOUR < 1:
    raise ImproperlyConfigured("ADMIN_LOGIN_ALERT_FAILURES_PER_HOUR must be at least 1.")
FRONTEND_URL = env("FRONTEND_URL", default="http://localhost:3000").rstrip("/")

# The key that signs tokens: SECRET_KEY unless set apart, then held to the same rule.
JWT_SIGNING_KEY = env("JWT_SIGNING_KEY", default="") or SECRET_KEY
if not DEBUG:
    refuse_guessable_key(JWT_SIGNING_KEY, name="JWT_SIGNING_KEY")

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_TOKEN_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_TOKEN_DAYS", default=7)),
    # A refresh answers a new refresh token (a client that keeps each one slides its session on),
    # and the one it used stays good until it expires: the document's frontend keeps its first
    # refresh token for the session's whole life. Logout ends every token of its session.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": False,
    "UPDATE_LAST_LOGIN": True,
    # Tokens carry a hash of the password: changing it ends every session at once.
    "CHECK_REVOKE_TOKEN": True,
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

OTP_TTL_SECONDS = env.int("OTP_TTL_SECONDS", default=600)
OTP_MAX_ATTEMPTS = env.int("OTP_MAX_ATTEMPTS", default=5)

GOOGLE_CLIENT_ID = env("GOOGLE_CLIENT_ID", default="")
GOOGLE_JWKS_URL = env("GOOGLE_JWKS_URL", default="https://www.googleapis.com/oauth2/v3/certs")
GOOGLE_JWKS_CACHE_SECONDS = env.int("GOOGLE_JWKS_CACHE_SECONDS", default=3600)
GOOGLE_HTTP_TIMEOUT = env.float("GOOGLE_HTTP_TIMEOUT", default=5.0)

AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", default=2 * 1024 * 1024)
# Pixels decoded cost CPU and memory whatever the file's size: 16 M fits a 12-16 MP phone photo.
AVATAR_MAX_PIXELS = env.int("AVATAR_MAX_PIXELS", default=16_000_000)
AVATAR_SIZE = env.int("AVATAR_SIZE", default=512)

# Image pixels decoded for uploads (product photos, avatars), counted from the headers before any
# decoding (30 to 100 ns of CPU each): per account per minute and per hour, less per hour until the
# account's email is confirmed, and per client address whatever the account. 0: no limit.
UPLOAD_PIXELS_PER_MINUTE = env.int("UPLOAD_PIXELS_PER_MINUTE", default=250_000_000)
UPLOAD_PIXELS_PER_HOUR = env.int("UPLOAD_PIXELS_PER_HOUR", default=2_000_000_000)
UPLOAD_PIXELS_PER_HOUR_UNVERIFIED = env.int("UPLOAD_PIXELS_PER_HOUR_UNVERIFIED", default=400_000_000)
UPLOAD_PIXELS_PER_MINUTE_PER_IP = env.int("UPLOAD_PIXELS_PER_MINUTE_PER_IP", default=500_000_000)
UPLOAD_PIXELS_PER_HOUR_PER_IP = env.int("UPLOAD_PIXELS_PER_HOUR_PER_IP", default=4_000_000_000)

# --- Catalog ----------------------------------------------------------------------------------

PRODUCT_MAX_IMAGES = env.int("PRODUCT_MAX_IMAGES", default=10)
PRODUCT_IMAGE_MAX_BYTES = env.int("PRODUCT_IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
PRODUCT_IMAGE_MAX_PIXELS = env.int("PRODUCT_IMAGE_MAX_PIXELS", default=16_000_000)
# Pixels of all the images of one upload request together (ten 12 MP phone photos): bounds its work.
PRODUCT_IMAGES_REQUEST_MAX_PIXELS = env.int("PRODUCT_IMAGES_REQUEST_MAX_PIXELS", default=128_000_000)
PRODUCT_IMAGE_MAX_DIMENSION = env.int("PRODUCT_IMAGE_MAX_DIMENSION", default=2048)
# Product images one seller may upload per UTC day (deleting images gives none back); 0: no quota.
PRODUCT_IMAGES_DAILY_QUOTA = env.int("PRODUCT_IMAGES_DAILY_QUOTA", default=500)
# Images a user may send in chat messages per UTC day (checked and cleaned as product images are).
CHAT_IMAGES_DAILY_QUOTA = env.int("CHAT_IMAGES_DAILY_QUOTA", default=200)
# How long a seller's chat figures in their profile `metrics` (30 days of response times) are kept.
CHAT_METRICS_CACHE_SECONDS = env.int("CHAT_METRICS_CACHE_SECONDS", default=600)
# Sockets a user may hold open at once, per kind (chat, notifications): tabs and devices, not a fleet.
WEBSOCKETS_PER_USER = env.int("WEBSOCKETS_PER_USER", default=10)
# The chat socket (/ws/chat/): the largest frame a client may send (bigger ones get an `error` frame;
# the production server reads no larger WebSocket message at all: gunicorn.conf.py), how many frames
# one connection may send per window of seconds (more: an `error` frame, then close 4408), and at
# most how many messages one `sync` frame answers with (the client syncs again for more).
CHAT_SOCKET_MAX_FRAME_BYTES = env.int("CHAT_SOCKET_MAX_FRAME_BYTES", default=16 * 1024)
CHAT_SOCKET_RATE_FRAMES = env.int("CHAT_SOCKET_RATE_FRAMES", default=30)
CHAT_SOCKET_RATE_SECONDS = env.int("CHAT_SOCKET_RATE_SECONDS", default=10)
CHAT_SOCKET_SYNC_MAX_MESSAGES = env.int("CHAT_SOCKET_SYNC_MAX_MESSAGES", default=500)
PRODUCT_THUMBNAIL_SIZE = env.int("PRODUCT_THUMBNAIL_SIZE", default=400)
# CSV imports one seller may start per UTC day, dry runs included; 0: no quota.
CATALOG_IMPORTS_DAILY_QUOTA = env.int("CATALOG_IMPORTS_DAILY_QUOTA", default=20)
# Imports of more rows than this run in the background (202 and a job), whatever the client asked.
CATALOG_IMPORT_SYNC_MAX_ROWS = env.int("CATALOG_IMPORT_SYNC_MAX_ROWS", default=200)
# Days finished import jobs (and their reports) are kept before the nightly prune.
CATALOG_IMPORT_RETENTION_DAYS = env.int("CATALOG_IMPORT_RETENTION_DAYS", default=7)
# A product's views and shares count once per client (user, else address) in this many seconds.
PRODUCT_COUNTER_WINDOW_SECONDS = env.int("PRODUCT_COUNTER_WINDOW_SECONDS", default=3600)
# Views are tallied in the cache and added to view_count every this many seconds (beat; on the
# embedded default, by the first view after the period), so view_count lags by up to that much.
PRODUCT_VIEWS_FLUSH_SECONDS = env.int("PRODUCT_VIEWS_FLUSH_SECONDS", default=60)
# Seconds public listings, details and the category tree stay cached (0 turns caching off).
PUBLIC_CATALOG_CACHE_SECONDS = env.int("PUBLIC_CATALOG_CACHE_SECONDS", default=300)
# Seconds the public listing's counts (X-Total-Count) stay cached per filter set, even with pages not
# cached: exact all the same (dropped on any catalog change), 0 counts on every request.
PUBLIC_CATALOG_COUNT_CACHE_SECONDS = env.int("PUBLIC_CATALOG_COUNT_CACHE_SECONDS", default=300)
# Serves /api/bench/floor/, the benchmark's no-database baseline (bench/README.md). Never in production.
BENCH_FLOOR_ENDPOINT = env.bool("BENCH_FLOOR_ENDPOINT", default=False)

# --- Notifications ----------------------------------------------------------------------------

# Local hour (in each user's time zone) the daily digest goes out; days read notifications are kept.
NOTIFICATION_DIGEST_HOUR = env.int("NOTIFICATION_DIGEST_HOUR", default=8)
NOTIFICATION_RETENTION_DAYS = env.int("NOTIFICATION_RETENTION_DAYS", default=90)

# Push. Web Push turns on with a VAPID private key (`manage.py generate_vapid_key` makes one);
# FCM, for Android and iOS, with a service-account JSON file. Either left empty: not pushed.
WEBPUSH_VAPID_PRIVATE_KEY = env("WEBPUSH_VAPID_PRIVATE_KEY", default="")
WEBPUSH_VAPID_SUBJECT = env("WEBPUSH_VAPID_SUBJECT", default="mailto:support@sellflow.africa")
# Push services a browser subscription may point at (host suffixes). Anything else is refused at
# registration, so the server never posts to an address a user picked.
WEBPUSH_ENDPOINT_HOSTS = env.list("WEBPUSH_ENDPOINT_HOSTS", default=[
    "fcm.googleapis.com", "push.services.mozilla.com", "notify.windows.com", "push.apple.com",
])
# Plain-http subscription endpoints, for a push service on this machine only (development).
WEBPUSH_ALLOW_HTTP = env.bool("WEBPUSH_ALLOW_HTTP", default=False)
FCM_CREDENTIALS_FILE = env("FCM_CREDENTIALS_FILE", default="")
FCM_PROJECT_ID = env("FCM_PROJECT_ID", default="")  # defaults to the credentials' project_id
FCM_API_URL = env("FCM_API_URL", default="https://fcm.googleapis.com")
PUSH_HTTP_TIMEOUT = env.float("PUSH_HTTP_TIMEOUT", default=10.0)
# How long a push service keeps a message for a device that is offline.
PUSH_TTL_SECONDS = env.int("PUSH_TTL_SECONDS", default=24 * 3600)
PUSH_MAX_DEVICES_PER_USER = env.int("PUSH_MAX_DEVICES_PER_USER", default=10)

# --- Orders and payments ---------------------------------------------------------------------

CART_MAX_QUANTITY = env.int("CART_MAX_QUANTITY", default=100)  # units of one line
CART_MAX_LINES = env.int("CART_MAX_LINES", default=50)
# The payment timer: minutes an unpaid online order holds its stock.
PAYMENT_TIMEOUT_MINUTES = env.int("PAYMENT_TIMEOUT_MINUTES", default=15)
# Extra minutes, once, for a mobile-money prompt still waiting on the buyer's phone at expiry.
PAYMENT_MOBILE_MONEY_GRACE_MINUTES = env.int("PAYMENT_MOBILE_MONEY_GRACE_MINUTES", default=10)
# Hours a cash-on-delivery order holds its stock waiting for the seller to confirm it.
COD_CONFIRM_HOURS = env.int("COD_CONFIRM_HOURS", default=48)
# Per buyer: open (unpaid or unconfirmed) orders, and units of one product their open orders hold.
ORDER_MAX_OPEN_PER_BUYER = env.int("ORDER_MAX_OPEN_PER_BUYER", default=10)
ORDER_MAX_HELD_UNITS_PER_PRODUCT = env.int("ORDER_MAX_HELD_UNITS_PER_PRODUCT", default=100)
# The same two caps for a buyer whose email is not confirmed (the tighter of each pair applies).
ORDER_MAX_OPEN_UNVERIFIED = env.int("ORDER_MAX_OPEN_UNVERIFIED", default=2)
ORDER_MAX_HELD_UNITS_UNVERIFIED = env.int("ORDER_MAX_HELD_UNITS_UNVERIFIED", default=10)
# Orders a buyer may cancel unpaid or let run out of payment time in 24 hours before checkout
# refuses them (429) until the oldest leaves the window; 0: no limit.
ORDER_MAX_ABANDONED_PER_DAY = env.int("ORDER_MAX_ABANDONED_PER_DAY", default=5)
# The test gateway takes payments without taking money: on by default only on the embedded
# setup (no DATABASE_URL). A production deployment names real gateways or takes no payments.
PAYMENT_TEST_GATEWAY = env.bool("PAYMENT_TEST_GATEWAY", default=not DATABASE_URL)
# Which gateway takes each payment method: test, paystack or stripe (empty: the method is off).
_default_gateway = "test" if PAYMENT_TEST_GATEWAY else ""
PAYMENT_GATEWAY_CARD = env("PAYMENT_GATEWAY_CARD", default=_default_gateway)
PAYMENT_GATEWAY_MOBILE_MONEY = env("PAYMENT_GATEWAY_MOBILE_MONEY", default=_default_gateway)
PAYMENT_GATEWAY_BANK_TRANSFER = env("PAYMENT_GATEWAY_BANK_TRANSFER", default=_default_gateway)
PAYMENT_GATEWAY_PAYPAL = env("PAYMENT_GATEWAY_PAYPAL", default=_default_gateway)
# The test gateway's answer to every payment: success, decline or pending (development, tests).
PAYMENT_TEST_OUTCOME = env("PAYMENT_TEST_OUTCOME", default="success")
PAYSTACK_SECRET_KEY = env("PAYSTACK_SECRET_KEY", default="")
PAYSTACK_API_URL = env("PAYSTACK_API_URL", default="https://api.paystack.co")
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_URL = env("STRIPE_API_URL", default="https://api.stripe.com")
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env.int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", default=300)
PAYMENT_HTTP_TIMEOUT = env.float("PAYMENT_HTTP_TIMEOUT", default=15.0)
# Where a buyer comes back after paying on a provider's page (the SPA's route; empty: the default).
PAYMENT_RETURN_URL = env("PAYMENT_RETURN_URL", default="") or f"{FRONTEND_URL}/checkout/complete"
# A retried POST with the same Idempotency-Key within this many hours gets the first answer.
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)

# --- AI ---------------------------------------------------------------------------------------

OPENAI_API_KEY = env("OPENAI_API_KEY", default="")
# auto: openai when OPENAI_API_KEY is set, else the built-in local writer (offline, English and French).
AI_PROVIDER = env("AI_PROVIDER", default="auto")
OPENAI_MODEL = env("OPENAI_MODEL", default="gpt-4o-mini")
# Any OpenAI-compatible server (Azure, vLLM, Ollama, LiteLLM...); empty: api.openai.com.
OPENAI_BASE_URL = env("OPENAI_BASE_URL", default="")
OPENAI_TIMEOUT = env.float("OPENAI_TIMEOUT", default=30.0)
OPENAI_MAX_RETRIES = env.int("OPENAI_MAX_RETRIES", default=2)
# Generations one user may run in any 24 hours (cached answers are free); 0 turns the quota off.
AI_DAILY_QUOTA = env.int("AI_DAILY_QUOTA", default=200)
# Minutes after which an unfinished async AI job is reported failed (its worker died).
AI_JOB_STALE_MINUTES = env.int("AI_JOB_STALE_MINUTES", default=15)

# --- Social platforms -------------------------------------------------------------------------

# The Meta app (developers.facebook.com) behind Facebook Pages, Instagram and WhatsApp: its id and
# secret sign the OAuth code exchange, prove our server's calls (appsecret_proof) and verify
# webhooks (X-Hub-Signature-256). The seller README's FACEBOOK_API_KEY / FACEBOOK_APP_SECRET are
# read when these are not set.
META_APP_ID = env("META_APP_ID", default="") or env("FACEBOOK_API_KEY", default="")
META_APP_SECRET = env("META_APP_SECRET", default="") or env("FACEBOOK_APP_SECRET", default="")
# The word Meta's webhook subscription handshake (hub.verify_token) must repeat.
META_WEBHOOK_VERIFY_TOKEN = env("META_WEBHOOK_VERIFY_TOKEN", default="")
META_GRAPH_URL = env("META_GRAPH_URL", default="https://graph.facebook.com")
# Every Graph call names this version; Meta supports each for about two years.
META_GRAPH_VERSION = env("META_GRAPH_VERSION", default="v24.0")
# Where Facebook Login's authorization dialog lives.
META_DIALOG_URL = env("META_DIALOG_URL", default="https://www.facebook.com")
# Optional: a Facebook Login for Business configuration id (the Meta app's Facebook Login for
# Business > Configurations). Set, the Facebook and Instagram OAuth start sends `config_id` and the
# configuration's permissions apply (no `scope`); empty, Facebook Login asks for SellFlow's scopes.
META_LOGIN_CONFIG_ID = env("META_LOGIN_CONFIG_ID", default="")
# The X app's OAuth 2.0 client (developer.x.com): the id, and the secret of a confidential client.
X_CLIENT_ID = env("X_CLIENT_ID", default="")
X_CLIENT_SECRET = env("X_CLIENT_SECRET", default="")
# The app's OAuth 1.0a consumer secret (API key secret): X signs webhooks and CRC checks with it.
# The seller README's TWITTER_API_SECRET is read when it is not set.
X_CONSUMER_SECRET = env("X_CONSUMER_SECRET", default="") or env("TWITTER_API_SECRET", default="")
X_API_URL = env("X_API_URL", default="https://api.x.com")
X_AUTHORIZE_URL = env("X_AUTHORIZE_URL", default="https://x.com/i/oauth2/authorize")
# Seconds a platform has to answer one request. A publish that times out is not retried blindly:
# the post is looked up first.
SOCIAL_HTTP_TIMEOUT_SECONDS = env.float("SOCIAL_HTTP_TIMEOUT_SECONDS", default=15.0)
# Where browsers reach this API: OAuth redirect URIs (API_PUBLIC_URL/api/social/oauth/<platform>/
# callback/, registered in the Meta and X apps) are built from it, never from a request's Host.
API_PUBLIC_URL = env("API_PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")
# The frontend page an OAuth callback sends the seller back to, with `social_connect=success` or
# `social_connect=error&reason=...` and the platform in its query.
SOCIAL_OAUTH_RETURN_URL = env("SOCIAL_OAUTH_RETURN_URL", default="") or f"{FRONTEND_URL}/social/accounts"
# How long before expiry a token is refreshed by the beat job (run every 10 minutes): X access
# tokens live 2 hours, Meta's long-lived user tokens about 60 days (refreshable once a day).
SOCIAL_TOKEN_REFRESH_X_MINUTES = env.int("SOCIAL_TOKEN_REFRESH_X_MINUTES", default=30)
SOCIAL_TOKEN_REFRESH_META_DAYS = env.int("SOCIAL_TOKEN_REFRESH_META_DAYS", default=7)
# Days of insights the hourly beat job fetches again for each account (today included): platforms
# revise their recent figures for a day or two.
SOCIAL_INSIGHTS_DAYS = env.int("SOCIAL_INSIGHTS_DAYS", default=3)
# Publishing: attempts per target before it fails for good (transient errors, rate limits), the
# first retry's wait (doubling each time, at least the platform's Retry-After), and how long a
# target may stay `publishing` before its attempt counts as dead and is looked up at the platform.
SOCIAL_PUBLISH_MAX_ATTEMPTS = env.int("SOCIAL_PUBLISH_MAX_ATTEMPTS", default=5)
SOCIAL_PUBLISH_RETRY_SECONDS = env.int("SOCIAL_PUBLISH_RETRY_SECONDS", default=60)
SOCIAL_PUBLISH_STALE_SECONDS = env.int("SOCIAL_PUBLISH_STALE_SECONDS", default=600)
# The built-in local platform (development and the demo): a platform whose app is not set (META_APP_ID,
# X_CLIENT_ID) is answered on this machine, its posts only recorded (admin: Local platform posts).
# On by default under DEBUG or without DATABASE_URL; a production server refuses to start with it.
SOCIAL_LOCAL_PLATFORM = env.bool("SOCIAL_LOCAL_PLATFORM", default=DEBUG or not DATABASE_URL)
# Post-to-sale attribution: a checkout within this many days of a visit through a post's link
# (/r/<code>) is credited to that post. Visits recorded per client address per minute (past it the
# visitor is still sent on, uncounted), and a visitor's repeat visits through one link within
# SOCIAL_CLICK_REPEAT_MINUTES count once.
ATTRIBUTION_WINDOW_DAYS = env.int("ATTRIBUTION_WINDOW_DAYS", default=7)
if ATTRIBUTION_WINDOW_DAYS < 1:
    raise ImproperlyConfigured("ATTRIBUTION_WINDOW_DAYS must be at least 1.")
SOCIAL_CLICKS_PER_MINUTE = env.int("SOCIAL_CLICKS_PER_MINUTE", default=30)
SOCIAL_CLICK_REPEAT_MINUTES = env.int("SOCIAL_CLICK_REPEAT_MINUTES", default=30)

# --- API --------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    # simplejwt's bearer tokens, refusing those of a session that logged out.
    "DEFAULT_AUTHENTICATION_CLASSES": ["sellflow.authentication.SessionJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        # DRF's, also refusing lone surrogates and deep nesting (a 500 otherwise).
        "sellflow.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        # No file parser: a view that takes files names MultiPartParser itself, with UPLOAD_THROTTLES.
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Formats are negotiated with Accept only; `?format=` would turn typos into 404s.
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_PAGINATION_CLASS": "sellflow.pagination.HeaderPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": [
        "sellflow.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "sellflow.throttling.AnonThrottle",
        "sellflow.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON_RATE", default="120/minute"),
        "user": env("THROTTLE_USER_RATE", default="600/minute"),
        # Credential endpoints, one bucket per action. Login: every attempt per client IP, and
        # failed ones per IP and email together (a stranger's failures never lock the owner out).
        "login_ip": env("THROTTLE_LOGIN_IP_RATE", default="20/minute"),
        "login_failed": env("THROTTLE_LOGIN_FAILED_RATE", default="10/hour"),
        # Registration per client IP and per email; reset requests and reset confirmations per IP.
        "register_ip": env("THROTTLE_REGISTER_IP_RATE", default="20/hour"),
        "register_email": env("THROTTLE_REGISTER_EMAIL_RATE", default="5/hour"),
        "password_reset_ip": env("THROTTLE_PASSWORD_RESET_IP_RATE", default="10/hour"),
        "password_reset_confirm_ip": env("THROTTLE_PASSWORD_RESET_CONFIRM_IP_RATE", default="20/hour"),
        # Google sign-in per client IP; password changes per signed-in user.
        "google_ip": env("THROTTLE_GOOGLE_IP_RATE", default="20/minute"),
        "password_change": env("THROTTLE_PASSWORD_CHANGE_RATE", default="10/hour"),
        # The Django admin's sign-in form: every POST per client IP, failures per IP and account.
        "admin_login_ip": env("THROTTLE_ADMIN_LOGIN_IP_RATE", default="10/minute"),
        "admin_login_failed": env("THROTTLE_ADMIN_LOGIN_FAILED_RATE", default="10/hour"),
        "otp_ip": env("THROTTLE_OTP_IP_RATE", default="20/minute"),
        "otp_email": env("THROTTLE_OTP_EMAIL_RATE", default="10/minute"),
        # AI generation per user, and AI search per client (the openai provider costs money).
        "ai_generate": env("THROTTLE_AI_GENERATE_RATE", default="30/minute"),
        "ai_search": env("THROTTLE_AI_SEARCH_RATE", default="60/minute"),
        # Catalog searches (lists with ?search=) and type-ahead, per user or client: a new query's
        # words are looked up in the vocabulary (cached afterwards).
        "catalog_search": env("THROTTLE_CATALOG_SEARCH_RATE", default="120/minute"),
        "catalog_suggest": env("THROTTLE_CATALOG_SUGGEST_RATE", default="240/minute"),
        # Requests that carry files (product images, avatars, catalog imports), per user and per client IP.
        "upload": env("THROTTLE_UPLOAD_RATE", default="10/minute"),
        "upload_ip": env("THROTTLE_UPLOAD_IP_RATE", default="30/minute"),
        # Checkouts per user: each one holds stock and tells a seller.
        "checkout": env("THROTTLE_CHECKOUT_RATE", default="10/minute"),
        # Social account connections per user (each asks the platform about a token or starts OAuth).
        "social_connect": env("THROTTLE_SOCIAL_CONNECT_RATE", default="20/minute"),
        # Chat writes per user, REST and socket alike: messages, reactions, read marks (the socket
        # also keeps a per-connection frame limit). Conversations started per user.
        "chat_send": env("THROTTLE_CHAT_SEND_RATE", default="60/minute"),
        "chat_start": env("THROTTLE_CHAT_START_RATE", default="60/hour"),
        # Payment links, opened and paid without an account: per link (any address), per address
        # (any link). A page polling the order while a phone prompt waits stays well under both.
        "payment_link": env("THROTTLE_PAYMENT_LINK_RATE", default="30/minute"),
        "payment_link_ip": env("THROTTLE_PAYMENT_LINK_IP_RATE", default="60/minute"),
    },
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "EXCEPTION_HANDLER": "sellflow.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "sellflow.schema.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": True,
}

# Bodies to /api/ and /admin/ larger than this are refused with 413 before they are read (other
# paths: DATA_UPLOAD_MAX_MEMORY_SIZE). deploy/Caddyfile holds the same limit.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

SPECTACULAR_SETTINGS = {
    "TITLE": "SellFlow API",
    "DESCRIPTION": (
        "Backend of the SellFlow social-commerce platform. Authenticate with "
        "`Authorization: Bearer <access>` from `POST /api/auth/login/`. Errors share one shape: "
        '`{"error": "...", "code": "...", "details": {}}`. Lists are JSON arrays paginated with '
        "`?page=` and `?page_size=` and carry `X-Total-Count` and `Link` headers."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would otherwise load a validator badge from another host.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": True, "validatorUrl": None},
    "TAGS": [
        {"name": "auth", "description": "Registration, login, tokens, profile and verification."},
        {"name": "products", "description": "The seller's catalog, and the public listings buyers browse."},
        {"name": "notifications", "description": "In-app notifications, preferences and push devices."},
        {"name": "health", "description": "Liveness of the service and its dependencies."},
    ],
    "ENUM_NAME_OVERRIDES": {
        "ProductStatusEnum": "products.models.ProductStatus",
        "HealthStatusEnum": ["ok", "unavailable"],
        "OrderStatusEnum": "orders.models.OrderStatus",
        "PaymentStatusEnum": "orders.models.PaymentStatus",
        "PaymentMethodEnum": "orders.models.PaymentMethod",
        "MobileMoneyProviderEnum": "orders.models.MobileMoneyProvider",
        "MobileMoneyProviderInputEnum": "orders.mobile_money.PROVIDER_CHOICES",
        "PlatformEnum": "sellflow.platforms.Platform",
        "SocialPlatformEnum": "sellflow.platforms.SOCIAL_CHOICES",
        "SharePlatformEnum": "products.serializers.SHARE_PLATFORMS",
        "AIContentStatusEnum": "ai.models.ContentStatus",
        "AIJobStatusEnum": "ai.models.JobStatus",
        "LanguageEnum": "ai.serializers.generation_languages",
        "ReplyLanguageEnum": "ai.serializers.reply_languages",
        "PostStatusEnum": "social.models.PostStatus",
        "ConversationStatusEnum": "chat.models.ConversationStatus",
    },
}

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=["http://localhost:3000", "http://127.0.0.1:3000"])
CORS_EXPOSE_HEADERS = ["X-Total-Count", "Link", "X-Request-ID", "Retry-After", "Idempotent-Replayed", "Location",
                       "Preference-Applied", "X-Search-Suggestion"]
CORS_ALLOW_HEADERS = [
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "origin",
    "prefer",
    "x-request-id",
]

# --- Background work --------------------------------------------------------------------------

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
# No broker configured means no worker: run tasks in-process so the embedded default works.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers an unacknowledged task after this many seconds. Retry delays are capped at
# 600 s (sellflow/celery.py) and countdowns must stay below it too, so nothing runs twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_TIMEZONE = "UTC"

# The one beat schedule of the project; apps add their periodic jobs here.
CELERY_BEAT_SCHEDULE = {
    # Social tokens near their expiry are refreshed; a refused refresh asks the seller to reconnect.
    "social-refresh-tokens": {
        "task": "social.tasks.refresh_expiring_tokens",
        "schedule": timedelta(minutes=10),
    },
    # Scheduled posts whose time has come (and retries whose backoff ran out) are queued, once each.
    "social-publish-due": {
        "task": "social.tasks.publish_due_targets",
        "schedule": timedelta(minutes=1),
    },
    # Each active account's recent daily figures, read by the insights endpoint.
    "social-fetch-insights": {
        "task": "social.tasks.fetch_insights",
        "schedule": crontab(minute=25),
    },
    # Pages (and linked Instagram accounts) not yet subscribed to the app's webhooks: a refusal or an
    # outage at connect, or connected before META_APP_SECRET was set.
    "social-subscribe-page-webhooks": {
        "task": "social.tasks.subscribe_page_webhooks",
        "schedule": crontab(minute=45),
    },
    "accounts-flush-expired-tokens": {
        "task": "accounts.tasks.flush_expired_tokens",
        "schedule": timedelta(hours=6),
    },
    "accounts-delete-stale-otps": {
        "task": "accounts.tasks.delete_stale_otps",
        "schedule": timedelta(hours=1),
    },
    # Hourly, so that every time zone's morning is met; each user gets one digest a day.
    "notifications-daily-digests": {
        "task": "notifications.tasks.send_daily_digests",
        "schedule": crontab(minute=5),
    },
    "notifications-prune-read": {
        "task": "notifications.tasks.prune_read_notifications",
        "schedule": crontab(hour=3, minute=30),
    },
    # The payment timer: overdue unpaid orders are reconciled with their gateway, then expired
    # (and cash-on-delivery orders the seller did not confirm in time).
    "orders-expire-overdue": {
        "task": "orders.tasks.expire_overdue_orders",
        "schedule": timedelta(minutes=1),
    },
    # Money still held on cancelled orders (an automatic refund the provider failed) goes back.
    "orders-refund-owed-payments": {
        "task": "orders.tasks.refund_owed_payments",
        "schedule": timedelta(minutes=10),
    },
    # Recommendations are precomputed into a table; products that change are redone at once.
    "ai-refresh-recommendations": {
        "task": "ai.tasks.refresh_recommendations",
        "schedule": crontab(minute=40),
    },
    "ai-fail-stale-jobs": {
        "task": "ai.tasks.fail_stale_jobs",
        "schedule": timedelta(minutes=5),
    },
    # Views tallied in the cache (products.services.product_record_view) written to view_count.
    "products-flush-views": {
        "task": "products.tasks.flush_product_views",
        "schedule": timedelta(seconds=max(PRODUCT_VIEWS_FLUSH_SECONDS, 1)),
    },
    # Abandoned imports failed, finished ones past their retention deleted, stray import files removed.
    "products-prune-catalog-imports": {
        "task": "products.tasks.prune_catalog_imports",
        "schedule": crontab(minute=20),
    },
    "sellflow-prune-idempotency-records": {
        "task": "sellflow.tasks.prune_idempotency_records",
        "schedule": crontab(hour=4, minute=10),
    },
    # Quota counts of periods long over (days, hours, minutes).
    "sellflow-prune-quota-usage": {
        "task": "sellflow.tasks.prune_quota_usage",
        "schedule": crontab(hour=4, minute=20),
    },
}

# --- Email ------------------------------------------------------------------------------------

EMAIL_URL = env("EMAIL_URL", default="")
if EMAIL_URL:
    globals().update(env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="SellFlow <no-reply@sellflow.local>")

# --- Files ------------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = env("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Files that are never served (catalog imports): outside MEDIA_ROOT, and without a URL.
PRIVATE_FILES_ROOT = Path(env("PRIVATE_FILES_ROOT", default=str(BASE_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "sellflow.storage.PrivateFileStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# --- Locale -----------------------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_CURRENCY = env("DEFAULT_CURRENCY", default="GHS")
DEFAULT_COUNTRY = env("DEFAULT_COUNTRY", default="GH")

# --- Security ---------------------------------------------------------------------------------

BEHIND_PROXY = env.bool("DJANGO_BEHIND_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "sellflow.exceptions.csrf_failure"

# --- Logging ----------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "sellflow.request_id.RequestIdLogFilter"},
        # Payment link tokens (in /api/chat/pay/<token>/ and the frontend's links) never written.
        "redact_secrets": {"()": "sellflow.redaction.RedactSecretsFilter"},
    },
    "formatters": {
        "default": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "default",
                    "filters": ["request_id", "redact_secrets"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Our own access log line replaces Django's and daphne's.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # Its DEBUG lines print whole request URLs, and Meta's OAuth token endpoint takes the app
        # secret in the query string: never logged, whatever LOG_LEVEL says.
        "urllib3": {"level": "INFO"},
    },
}
