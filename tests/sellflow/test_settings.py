"""Settings come from the environment: the embedded default, the production stack, and a
deployment that passes `check --deploy`. Each case runs in a fresh interpreter."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path


PROJECT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "k3y-" + "x9Qv7Lm2Zt8Rb4Nw6Hc1Jd5Pf0Gs3Ky" * 2,
    "DJANGO_ALLOWED_HOSTS": "api.sellflow.example",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "DJANGO_SECURE_HSTS_PRELOAD": "true",
    "DJANGO_SECURE_COOKIES": "true",
    "DJANGO_BEHIND_PROXY": "true",
    "DATABASE_URL": "postgres://sellflow:secret@db.internal:5432/sellflow",
    "REDIS_URL": "redis://cache.internal:6379/0",
}

PROBE = """
import json, django
django.setup()
from django.conf import settings
from sellflow.celery import app
print(json.dumps({
    "debug": settings.DEBUG,
    "database": settings.DATABASES["default"]["ENGINE"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "channels": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "channel_config": settings.CHANNEL_LAYERS["default"].get("CONFIG", {}),
    "broker": app.conf.broker_url,
    "eager": app.conf.task_always_eager,
    "email": settings.EMAIL_BACKEND,
    "acks_late": app.conf.task_acks_late,
    "reject_on_worker_lost": app.conf.task_reject_on_worker_lost,
    "serializer": app.conf.task_serializer,
    "accept": app.conf.accept_content,
    "time_limit": app.conf.task_time_limit,
    "visibility_timeout": app.conf.broker_transport_options["visibility_timeout"],
}))
"""


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))}
    # A developer's .env must not leak into these cases.
    clean |= {"DJANGO_SETTINGS_MODULE": "sellflow.settings", "DJANGO_ENV_FILE": "/nonexistent/.env", **env}
    return subprocess.run([sys.executable, *args], cwd=PROJECT, env=clean, capture_output=True, text=True, timeout=120)


def probe(env: dict[str, str]) -> dict:
    result = run_python(["-c", PROBE], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_nothing_set_is_the_embedded_default():
    config = probe({})

    assert config["debug"] is False
    assert config["database"] == "django.db.backends.sqlite3"
    assert config["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert config["channels"] == "channels.layers.InMemoryChannelLayer"
    assert config["broker"] == "memory://"
    assert config["eager"] is True
    assert config["email"] == "django.core.mail.backends.console.EmailBackend"


def test_database_and_redis_urls_switch_to_the_production_stack():
    config = probe(PRODUCTION_ENV)

    assert config["database"] == "django.db.backends.postgresql"
    assert config["cache"] == "sellflow.cache_backends.SharedPoolRedisCache"
    assert config["channels"] == "channels_redis.core.RedisChannelLayer"
    assert {"capacity", "expiry", "group_expiry"} <= set(config["channel_config"])
    assert config["broker"] == "redis://cache.internal:6379/0"
    assert config["eager"] is False


def test_the_redis_channel_layer_outwaits_its_own_blocking_read():
    from channels_redis.core import RedisChannelLayer

    (host,) = probe(PRODUCTION_ENV)["channel_config"]["hosts"]

    assert host["address"] == PRODUCTION_ENV["REDIS_URL"]
    # A read timing out with the layer's blocking read closes every idle socket with 1011.
    assert host["socket_timeout"] > RedisChannelLayer.brpop_timeout + 5


def test_celery_is_configured_for_safe_redelivery():
    config = probe(PRODUCTION_ENV)

    assert config["acks_late"] is True
    assert config["reject_on_worker_lost"] is True
    assert config["serializer"] == "json"
    assert config["accept"] == ["json"]
    assert config["time_limit"] == 300
    assert config["visibility_timeout"] >= 3600


def test_a_real_database_without_a_secret_key_fails_fast():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}

    result = run_python(["-c", PROBE], env)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_check_deploy_has_no_warnings_with_production_env():
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_env_example_lists_every_variable_the_code_reads():
    example = (PROJECT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    read = set()
    sources = [p for p in PROJECT.rglob("*.py") if not p.relative_to(PROJECT).parts[0].startswith((".", "tests"))]
    for source in sources:
        read |= set(re.findall(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]+)["']""", source.read_text()))

    assert "DATABASE_URL" in read
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"
