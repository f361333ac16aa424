"""`check --deploy` refuses the development addresses the world would be sent to: posts' links
(API_PUBLIC_URL/r/<code>), OAuth returns, payment returns and the links' redirects (FRONTEND_URL)."""

import pytest
from django.core.checks import run_checks


def address_errors(*, deploy: bool = True) -> list[str]:
    return [message.msg.split(" is ")[0] for message in run_checks(include_deployment_checks=deploy)
            if message.id == "sellflow.E005"]


@pytest.mark.parametrize(("api", "frontend", "refused"), [
    ("http://127.0.0.1:8000", "http://localhost:3000", ["API_PUBLIC_URL", "FRONTEND_URL"]),
    ("https://localhost", "https://shop.example", ["API_PUBLIC_URL"]),
    ("https://api.example", "http://shop.example", ["FRONTEND_URL"]),
    ("https://[::1]:8443", "https://0.0.0.0", ["API_PUBLIC_URL", "FRONTEND_URL"]),
    ("https://api.example", "https://shop.example", []),
])
def test_check_deploy_refuses_addresses_only_this_machine_reaches(settings, api, frontend, refused):
    settings.DEBUG, settings.API_PUBLIC_URL, settings.FRONTEND_URL = False, api, frontend

    assert address_errors() == refused
    assert address_errors(deploy=False) == []  # a deploy check: `check`, migrate and tests run on them


def test_development_keeps_its_local_addresses(settings):
    settings.DEBUG, settings.API_PUBLIC_URL, settings.FRONTEND_URL = True, "http://127.0.0.1:8000", "http://localhost:3000"

    assert address_errors() == []
