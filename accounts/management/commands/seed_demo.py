"""`manage.py seed_demo`: idempotent demo data. Each app that has demo data ships a `demo.py`
with `seed(context)`; they run in INSTALLED_APPS order, so later apps build on earlier ones."""

import importlib
import importlib.util
from collections.abc import Iterable, Iterator
from typing import TypeVar

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

T = TypeVar("T")

# Fewer rows than this are created without a progress bar.
PROGRESS_THRESHOLD = 50


class SeedContext:
    def __init__(self, command: BaseCommand):
        self.command = command
        self.logins: list[tuple[str, str, str]] = []

    def login(self, label: str, email: str, password: str) -> None:
        self.logins.append((label, email, password))

    def progress(self, items: Iterable[T], total: int, label: str) -> Iterator[T]:
        """Yield items, drawing a progress bar on a terminal when there are many."""
        out = self.command.stdout
        show = total >= PROGRESS_THRESHOLD and out.isatty()
        width = 30
        for done, item in enumerate(items, start=1):
            yield item
            if show and (done == total or done % max(total // 100, 1) == 0):
                filled = width * done // total
                out.write(f"\r  {label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
                out.flush()
        if show:
            out.write("")
        elif total:
            out.write(f"  {label}: {total}")


class Command(BaseCommand):
    help = "Create (or keep) the demo accounts and data. Safe to run again."

    def handle(self, *args, **options):
        context = SeedContext(self)
        for app_config in apps.get_app_configs():
            module_name = f"{app_config.name}.demo"
            if importlib.util.find_spec(module_name) is None:
                continue
            with transaction.atomic():
                importlib.import_module(module_name).seed(context)

        self.stdout.write(self.style.SUCCESS("Demo data is ready. Logins:"))
        for label, email, password in context.logins:
            self.stdout.write(f"  {label:<26} {email:<32} {password}")
