"""Settings come from the environment: the embedded default, the production stack, and a
deployment that passes `check --deploy`. Each case runs in a fresh interpreter."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

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
    "FIELD_ENCRYPTION_KEYS": "Yn3p5PZ9yX0m3qk8oV1s2Lw6Hc4Jd7Rf9Gt0Ua2Xb5E=",
    "API_PUBLIC_URL": "https://api.sellflow.example",
    "FRONTEND_URL": "https://shop.sellflow.example",
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


KEY_PROBE = """
import json, django
django.setup()
from django.conf import settings
from orders.gateways.test import test_webhook_secret
print(json.dumps({"key": settings.SECRET_KEY, "jwt": settings.SIMPLE_JWT["SIGNING_KEY"],
                  "webhook": test_webhook_secret()}))
"""


def probe_key(env: dict[str, str]) -> dict:
    result = run_python(["-c", KEY_PROBE], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_embedded_default_signs_with_a_key_of_its_own_kept_for_the_next_run(tmp_path):
    key_file = tmp_path / ".secret_key"

    first = probe_key({"DJANGO_SECRET_KEY_FILE": str(key_file)})
    again = probe_key({"DJANGO_SECRET_KEY_FILE": str(key_file)})

    assert len(first["key"]) >= 50
    assert "insecure" not in first["key"]
    assert key_file.read_text().strip() == first["key"] == again["key"]
    assert key_file.stat().st_mode & 0o777 == 0o600
    # What is derived from it follows it: tokens and the test gateway's webhook signatures.
    assert first["jwt"] == first["key"]
    assert first["webhook"] == again["webhook"]
    assert list(tmp_path.iterdir()) == [key_file]  # no temporary file left behind


def test_another_installation_gets_another_key(tmp_path):
    one = probe_key({"DJANGO_SECRET_KEY_FILE": str(tmp_path / "one")})
    other = probe_key({"DJANGO_SECRET_KEY_FILE": str(tmp_path / "other")})

    assert one["key"] != other["key"]
    assert one["webhook"] != other["webhook"]


def test_processes_starting_together_agree_on_one_key(tmp_path):
    key_file = tmp_path / ".secret_key"
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))}
    env |= {"DJANGO_SETTINGS_MODULE": "sellflow.settings", "DJANGO_ENV_FILE": "/nonexistent/.env",
            "DJANGO_SECRET_KEY_FILE": str(key_file)}

    processes = [subprocess.Popen([sys.executable, "-c", code], cwd=PROJECT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(6)]
    keys = {process.communicate(timeout=120)[0].strip() for process in processes}

    assert keys == {key_file.read_text().strip()}


def test_a_set_secret_key_is_used_and_nothing_is_written(tmp_path):
    key = "k3y-" + "Lm2Zt8Rb4Nw6Hc1Jd5Pf0Gs3Kyx9Qv7" * 2

    config = probe_key({"DJANGO_SECRET_KEY": key, "DJANGO_SECRET_KEY_FILE": str(tmp_path / ".secret_key")})

    assert config["key"] == key
    assert list(tmp_path.iterdir()) == []


def test_without_debug_no_key_to_be_had_refuses_to_start(tmp_path):
    result = run_python(["-c", KEY_PROBE], {"DJANGO_SECRET_KEY_FILE": str(tmp_path / "missing-dir" / ".secret_key")})

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set DJANGO_SECRET_KEY" in result.stderr


def test_a_truncated_key_file_refuses_to_start(tmp_path):
    key_file = tmp_path / ".secret_key"
    key_file.write_text("short\n")

    result = run_python(["-c", KEY_PROBE], {"DJANGO_SECRET_KEY_FILE": str(key_file), "DJANGO_DEBUG": "true"})

    assert result.returncode != 0
    assert "holds no usable key" in result.stderr


def test_with_debug_and_nowhere_to_keep_a_key_each_process_makes_its_own(tmp_path):
    env = {"DJANGO_DEBUG": "true", "DJANGO_SECRET_KEY_FILE": str(tmp_path / "missing-dir" / ".secret_key")}

    one, other = probe_key(env), probe_key(env)

    assert len(one["key"]) >= 50
    assert one["key"] != other["key"]


CI_KEY = "ci-only-secret-key-1733470000-not-used-anywhere-else-0123456789"  # as .ci/run makes it
GUESSABLE_KEYS = {
    "the .env.example placeholder": ("change-me-to-50-or-more-random-characters", "published"),
    "the old embedded default": ("django-insecure-embedded-default-only-for-local-development-and-tests",
                                 "published"),
    "a development key": ("django-insecure-" + "x9Qv7Lm2Zt8Rb4Nw6Hc1Jd5Pf0Gs3Ky" * 2, "django-insecure"),
    "a short key": ("s3cr3t-k3y", "fewer than 50 characters"),
    "a repetitive key": ("abcd" * 20, "fewer than 5 different characters"),
}


@pytest.mark.parametrize("setting", ["DJANGO_SECRET_KEY", "JWT_SIGNING_KEY"])
@pytest.mark.parametrize(("key", "reason"), GUESSABLE_KEYS.values(), ids=GUESSABLE_KEYS.keys())
def test_without_debug_a_guessable_key_refuses_to_start(tmp_path, setting, key, reason):
    env = {"DJANGO_SECRET_KEY_FILE": str(tmp_path / ".secret_key"), setting: key}

    result = run_python(["-c", KEY_PROBE], env)  # daphne starts the same way: no system check runs

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {setting} is not a secret: it" in result.stderr
    assert reason in result.stderr


def test_with_debug_a_guessable_key_is_a_developer_s_choice(tmp_path):
    key = GUESSABLE_KEYS["a short key"][0]

    assert probe_key({"DJANGO_SECRET_KEY": key, "DJANGO_DEBUG": "true"})["key"] == key


def test_ci_s_key_and_a_key_set_apart_for_tokens_are_used():
    jwt_key = "k3y-" + "Lm2Zt8Rb4Nw6Hc1Jd5Pf0Gs3Kyx9Qv7" * 2

    config = probe_key({"DJANGO_SECRET_KEY": CI_KEY, "JWT_SIGNING_KEY": jwt_key})

    assert (config["key"], config["jwt"]) == (CI_KEY, jwt_key)


def test_a_key_file_with_a_guessable_key_refuses_to_start(tmp_path):
    key_file = tmp_path / ".secret_key"
    key_file.write_text("a" * 80 + "\n")

    result = run_python(["-c", KEY_PROBE], {"DJANGO_SECRET_KEY_FILE": str(key_file)})

    assert result.returncode != 0
    assert "holds no usable key (it has fewer than 5 different characters)" in result.stderr
