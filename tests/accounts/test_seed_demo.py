import io

import pytest
from django.core.management import call_command

from accounts.demo import DEMO_PASSWORD
from accounts.management.commands.seed_demo import Command, SeedContext
from accounts.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_its_logins_work(api_client, capsys):
    call_command("seed_demo")
    call_command("seed_demo")

    output = capsys.readouterr().out
    assert User.objects.filter(email__endswith="@demo.sellflow.africa").count() == 3
    assert "seller@demo.sellflow.africa" in output and DEMO_PASSWORD in output
    for email, account_type in [("seller@demo.sellflow.africa", "seller"), ("buyer@demo.sellflow.africa", "buyer")]:
        response = api_client.post("/api/auth/login/", {"email": email, "password": DEMO_PASSWORD}, format="json")
        assert response.status_code == 200
        assert response.json()["user"]["account_type"] == account_type
    assert User.objects.get(email="admin@demo.sellflow.africa").is_superuser


def test_seed_demo_keeps_what_users_changed_but_restores_the_printed_logins(api_client):
    call_command("seed_demo")
    seller = User.objects.get(email="seller@demo.sellflow.africa")
    seller.city = "Tamale"
    seller.set_password("Someone-changed-it-1")
    seller.save()

    call_command("seed_demo")

    seller.refresh_from_db()
    assert seller.city == "Tamale"
    login = {"email": "seller@demo.sellflow.africa", "password": DEMO_PASSWORD}
    assert api_client.post("/api/auth/login/", login, format="json").status_code == 200


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_for_many_rows_on_a_terminal():
    terminal = _Terminal()
    context = SeedContext(Command(stdout=terminal))

    assert list(context.progress(range(200), total=200, label="products")) == list(range(200))

    output = terminal.getvalue()
    assert "\r  products [" in output
    assert output.rstrip().endswith("200/200")


def test_few_rows_or_no_terminal_print_one_summary_line():
    plain = io.StringIO()
    context = SeedContext(Command(stdout=plain))

    list(context.progress(range(200), total=200, label="orders"))

    assert plain.getvalue() == "  orders: 200\n"
