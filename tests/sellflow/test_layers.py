"""The apps form layers: an app imports only the apps before it (and sellflow/). A lower app
announces with a domain signal after commit and a higher app listens; it never imports it, not
even late inside a function. Only the project's URLconf and socket routing reach every app.
Inside an app, reads never import writes, no file imports another's private names, and the one
import circle allowed is an app's services with its tasks (services queue tasks, tasks call
services)."""

import ast
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

LAYERS = ["sellflow", "accounts", "notifications", "products", "orders", "ai", "customers", "social", "chat"]
# The one URLconf and the one socket routing table route every app's views.
ROUTING = {Path("sellflow/urls.py"), Path("sellflow/routing.py")}
BASE = Path(settings.BASE_DIR)


def project_modules() -> dict[str, Path]:
    modules = {}
    for app in LAYERS:
        for path in (BASE / app).rglob("*.py"):
            relative = path.relative_to(BASE)
            if "migrations" in relative.parts:
                continue
            name = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
            modules[name] = path
    return modules


MODULES = project_modules()


def imports_of(module: str) -> Iterator[tuple[str, str]]:
    """(imported module, imported name or "") for every import of the module, wherever it sits."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from ((alias.name, "") for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield (submodule, "") if submodule in MODULES else (base, alias.name)


def project_module_of(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    graph = {module: set() for module in MODULES}
    for module in MODULES:
        for imported, _ in imports_of(module):
            target = project_module_of(imported)
            if target and target != module:
                graph[module].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def is_services_and_tasks(component: set[str]) -> bool:
    """One app's (or one of its packages') services, in a module or a package, with its tasks."""
    roots = set()
    for module in component:
        parts = module.split(".")
        if "tasks" in parts:
            roots.add(".".join(parts[: parts.index("tasks")]))
        elif "services" in parts:
            roots.add(".".join(parts[: parts.index("services")]))
        else:
            return False
    return len(roots) == 1 and any(module.endswith(".tasks") for module in component)


def test_no_app_imports_an_app_above_it():
    rank = {app: position for position, app in enumerate(LAYERS)}
    upward = []
    for module, path in MODULES.items():
        app = module.split(".")[0]
        if path.relative_to(BASE) in ROUTING:
            continue
        for imported, _ in imports_of(module):
            if rank.get(imported.split(".")[0], -1) > rank[app]:
                upward.append(f"{module} imports {imported}")

    assert upward == []


def test_the_only_import_circles_are_an_apps_services_with_its_tasks():
    assert [sorted(c) for c in circles(import_graph()) if not is_services_and_tasks(c)] == []


def test_reads_never_import_writes():
    slips = [f"{module} imports {imported}" for module in MODULES if module.split(".")[-1] == "selectors"
             for imported, _ in imports_of(module) if "services" in imported.split(".")]

    assert slips == []


def test_no_file_imports_another_files_private_names():
    private = [f"{module} imports {imported}.{name}" for module in MODULES
               for imported, name in imports_of(module)
               if name.startswith("_") and project_module_of(imported) not in (None, module)]

    assert private == []


def test_the_checks_see_what_they_hold_to():
    # A circle of two plain modules is refused; the allowed pair and package are recognised.
    assert not is_services_and_tasks({"orders.selectors", "orders.services.cart"})
    assert not is_services_and_tasks({"products.services", "orders.tasks"})
    assert is_services_and_tasks({"orders.services.payments", "orders.services.refunds", "orders.tasks"})
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert {"orders.services.payments", "orders.tasks"} <= set(MODULES)


def test_every_app_has_its_layer():
    apps = {config.split(".")[0] for config in settings.INSTALLED_APPS}
    assert set(LAYERS) <= apps
    assert {app for app in apps if (BASE / app).is_dir()} <= set(LAYERS)
