"""The apps form layers: an app imports only the apps before it (and sellflow/). A lower app
announces with a domain signal after commit and a higher app listens; it never imports it, not
even late inside a function. Only the project's URLconf and socket routing reach every app."""

import ast
from pathlib import Path

from django.conf import settings

LAYERS = ["sellflow", "accounts", "notifications", "products", "orders", "ai"]
# The one URLconf and the one socket routing table route every app's views.
ROUTING = {Path("sellflow/urls.py"), Path("sellflow/routing.py")}


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


def test_no_app_imports_an_app_above_it():
    rank = {app: position for position, app in enumerate(LAYERS)}
    upward = []
    for app in LAYERS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            relative = path.relative_to(settings.BASE_DIR)
            if "migrations" in relative.parts or relative in ROUTING:
                continue
            for module in imported_modules(path):
                top = module.split(".")[0]
                if rank.get(top, -1) > rank[app]:
                    upward.append(f"{relative} imports {module}")

    assert upward == []


def test_every_app_has_its_layer():
    apps = {config.split(".")[0] for config in settings.INSTALLED_APPS}
    assert set(LAYERS) <= apps
    assert {app for app in apps if (Path(settings.BASE_DIR) / app).is_dir()} <= set(LAYERS)
