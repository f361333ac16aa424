"""Catalog benchmark: fill PostgreSQL with a realistic catalog, serve it with the production
ASGI server and settings, load it with wrk, and compare each endpoint with a no-database floor
that answers the same bytes as the first list page.

    .venv/bin/python bench/run.py                 # fill (once), then measure cold and warm
    .venv/bin/python bench/run.py --refill        # drop and rebuild the catalog first
    .venv/bin/python bench/run.py --duration 20 --connections 64

See bench/README.md. Results are printed and written to bench/results/<timestamp>.json.
bench/compare.py runs the same measurements interleaved with the stock DRF peer.
"""

import argparse
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"

SELLERS, PRODUCTS, IMAGES_PER_PRODUCT = 100, 10_000, 3
HOT_SET = 200  # "popular" products: warm detail hits the cache on these, not on 9,000 random ids
SELLER_LIST = "/api/products/?page_size=20"

ENVIRONMENT = {
    "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sellflow_bench"),
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
    "DJANGO_SECRET_KEY": "bench-only-secret-key-that-is-long-enough-for-django-checks-0123456789",
    # A real database without DEBUG needs its own field encryption key (`migrate` checks for one).
    "FIELD_ENCRYPTION_KEYS": "9czfRv1UGsYd6wsItraxdXG9SfmHwPg3M9B601ow2Yc=",  # bench-only
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_ENV_FILE": "/nonexistent/.env",
    # The load generator is one client: throttles would measure themselves, not the catalog.
    "THROTTLE_ANON_RATE": "100000000/second",
    "THROTTLE_USER_RATE": "100000000/second",
    "BENCH_FLOOR_ENDPOINT": "true",
    "LOG_LEVEL": "WARNING",
}


def progress(done: int, total: int, label: str) -> None:
    width = 30
    filled = width * done // total
    end = "\n" if done == total else ""
    print(f"\r  {label:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end, flush=True)


# --- Database -------------------------------------------------------------------------------

def ensure_database(refill: bool) -> None:
    from urllib.parse import urlparse

    import psycopg

    url = urlparse(ENVIRONMENT["DATABASE_URL"])
    name = url.path.lstrip("/")
    with psycopg.connect(ENVIRONMENT["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and refill:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=child_env(), check=True)


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))}
    return {**env, **ENVIRONMENT, **extra}


def setup_django() -> None:
    os.environ.update(ENVIRONMENT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellflow.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def fill_catalog() -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.models import User
    from products.models import Category, Product, ProductImage, Tag, Variant

    if Product.objects.count() >= PRODUCTS:
        print(f"Catalog already filled ({Product.objects.count()} products); --refill rebuilds it.")
        return
    rng = random.Random(2026)
    words = ("kente stole beads necklace shea butter black soap ankara dress leather sandals earbuds speaker "
             "shito sauce carved elephant smock shirt basket bolga pottery bowl wax print fabric bag wallet "
             "hair oil cocoa chocolate coffee mug lamp cushion").split()
    tags = [Tag(name=name) for name in sorted(set(words))]
    Tag.objects.bulk_create(tags, ignore_conflicts=True)
    tags = list(Tag.objects.all())
    leaves = list(Category.objects.filter(parent__isnull=False))
    password = make_password("bench-password-2026")

    with transaction.atomic():
        sellers = User.objects.bulk_create([
            User(email=f"seller{n}@bench.sellflow.africa", password=password, first_name=f"Seller{n}",
                 company_name=f"Bench Shop {n}", city=rng.choice(["Accra", "Kumasi", "Tamale", "Lagos", "Lomé"]),
                 account_type="seller", is_verified=True)
            for n in range(SELLERS)
        ])
        progress(SELLERS, SELLERS, "sellers")

        batch = 1000
        for start in range(0, PRODUCTS, batch):
            products, chosen_tags = [], []
            for n in range(start, start + batch):
                name_words = rng.sample(words, 3)
                product_tags = rng.sample(tags, 3)
                chosen_tags.append(product_tags)
                price = Decimal(rng.randrange(500, 50_000)) / 100
                products.append(Product(
                    seller=sellers[n % SELLERS], name=" ".join(name_words).title(), slug=f"bench-product-{n}",
                    description=" ".join(rng.choices(words, k=40)), price=price,
                    compare_at_price=price * 2 if n % 4 == 0 else None, currency="GHS", sku=f"BENCH-{n:05d}",
                    category=rng.choice(leaves), tags_text=",".join(t.name for t in product_tags),
                    status="active" if n % 10 else rng.choice(["draft", "inactive", "archived"]),
                    stock_quantity=0 if n % 15 == 0 else rng.randrange(1, 200),
                ))
            products = Product.objects.bulk_create(products)
            Product.tags.through.objects.bulk_create([
                Product.tags.through(product_id=p.pk, tag_id=tag.pk)
                for p, product_tags in zip(products, chosen_tags, strict=True) for tag in product_tags
            ])
            ProductImage.objects.bulk_create([
                ProductImage(product=p, image=f"products/bench/{p.pk}-{i}.jpg",
                             thumbnail=f"products/bench/{p.pk}-{i}.webp",
                             width=1200, height=1200, alt_text=p.name, position=i, is_primary=i == 0)
                for p in products for i in range(IMAGES_PER_PRODUCT)
            ])
            with_variants = [p for p in products if p.pk % 5 == 0]
            Variant.objects.bulk_create([
                Variant(product=p, name=size, options={"size": size}, stock_quantity=p.stock_quantity // 3)
                for p in with_variants for size in ("S", "M", "L")
            ])
            for p in with_variants:  # a product with variants holds their sum
                p.stock_quantity = 3 * (p.stock_quantity // 3)
            Product.objects.bulk_update(with_variants, ["stock_quantity"])
            progress(start + batch, PRODUCTS, "products")
    print(f"Filled: {User.objects.count()} users, {Product.objects.count()} products, "
          f"{ProductImage.objects.count()} images, {Variant.objects.count()} variants, "
          f"{Category.objects.count()} categories.")


def analyze() -> None:
    """Planner statistics for the filled tables: autovacuum is off on the development PostgreSQL,
    so without this the planner guesses (row counts of freshly bulk-created tables are unknown)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def detail_scripts(public_ids: list[int]) -> dict[str, Path]:
    """wrk scripts for the public detail: `cold` picks any public product (9,000 ids: a warm cache
    mostly misses), `hot` one of HOT_SET popular ones (a warm cache answers)."""
    hot = sorted(random.Random(15).sample(public_ids, min(HOT_SET, len(public_ids))))
    return {
        "cold": id_script(RESULTS / "public_detail_cold.lua", public_ids, "/api/products/public/"),
        "hot": id_script(RESULTS / "public_detail_hot.lua", hot, "/api/products/public/"),
    }


def id_script(path: Path, ids: list[int], prefix: str) -> Path:
    # Each wrk thread has its own Lua state with the same default seed: seed them apart.
    path.write_text(
        "local ids = {" + ",".join(map(str, ids)) + "}\n"
        "local threads = 0\n"
        "function setup(thread) threads = threads + 1; thread:set(\"tid\", threads) end\n"
        "function init(args) math.randomseed(os.time() * 1000 + (tid or 0)) end\n"
        "request = function()\n"
        f'  return wrk.format("GET", "{prefix}" .. ids[math.random(#ids)] .. "/")\n'
        "end\n"
    )
    return path


# --- Server and load --------------------------------------------------------------------------

def server_command(port: int) -> list[str]:
    """The production server as the web container starts it (gunicorn with uvicorn workers,
    gunicorn.conf.py: WEB_CONCURRENCY of them, one per CPU unless set), on 127.0.0.1:port."""
    return [str(Path(PYTHON).parent / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"),
            "--bind", f"127.0.0.1:{port}", "sellflow.asgi:application"]


def start_server(cache_seconds: int, port: int = PORT) -> subprocess.Popen:
    env = child_env(PUBLIC_CATALOG_CACHE_SECONDS=str(cache_seconds))
    log = open(RESULTS / "server.log", "ab")
    server = subprocess.Popen(server_command(port), cwd=ROOT, env=env, stdout=log, stderr=log)
    if wait_healthy(f"http://127.0.0.1:{port}/api/health/", server):
        return server
    stop_server(server)
    raise SystemExit("The server did not become healthy; see bench/results/server.log.")


def wait_healthy(url: str, server: subprocess.Popen, attempts: int = 150) -> bool:
    for _ in range(attempts):
        if server.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def stop_server(server: subprocess.Popen) -> None:
    """Stop the server this script started (by its PID; a multi-process server's master stops
    its own workers)."""
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def body(url: str, headers: dict | None = None) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as response:
        return response.read()


def check_floor(base: str) -> dict:
    """The floor must answer the first list page's bytes, or floor ratios compare unlike payloads."""
    floor, page = body(f"{base}/api/bench/floor/"), body(f"{base}/api/products/public/list/")
    if floor != page:
        raise SystemExit(f"The floor ({len(floor)} B) does not answer the list page's bytes ({len(page)} B).")
    return {"floor_bytes": len(floor), "list_bytes": len(page), "same_bytes": True}


def wrk(url: str, *, duration: int, connections: int, script: Path | None = None, headers=()) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1)),
        "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        # Requests that failed or timed out are missing from wrk's latency figures: count them.
        "socket_errors": sum(map(int, socket_errors.groups())) if socket_errors else 0,
    }


def failed(result: dict) -> bool:
    """Throughput with error responses, timeouts or no answer at all measures nothing."""
    return bool(result["non_2xx"] or result["socket_errors"] or not result["requests"])


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return round(float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit], 3)


def endpoints(base: str, token: str, scripts: dict[str, Path]) -> dict[str, dict]:
    """SellFlow's endpoints as wrk specs (url, script, headers)."""
    return {
        "floor": dict(url=f"{base}/api/bench/floor/"),
        "public_list": dict(url=f"{base}/api/products/public/list/"),
        "public_detail": dict(url=base, script=scripts["cold"]),  # random public ids
        "public_detail_hot": dict(url=base, script=scripts["hot"]),  # HOT_SET popular ids
        # 20 rows, as a public page and the peer's (a seller's list pages 100 unless asked).
        "seller_list": dict(url=f"{base}{SELLER_LIST}", headers=[f"Authorization: Bearer {token}"]),
    }


def line(label: str, result: dict) -> str:
    return (f"{label:<34} {result['requests_per_second']:>9.1f} req/s   p50 {result['p50_ms']:>8.2f} ms   "
            f"p99 {result['p99_ms']:>8.2f} ms"
            + (f"   {result['non_2xx']} ERRORS" if result["non_2xx"] else "")
            + (f"   {result['socket_errors']} SOCKET ERRORS" if result["socket_errors"] else "")
            + ("   NO ANSWERS" if not result["requests"] else ""))


def measure(label: str, cache_seconds: int, *, duration: int, connections: int, token: str,
            scripts: dict[str, Path]):
    server = start_server(cache_seconds)
    try:
        results = {"payload": check_floor(BASE)}
        for name, spec in endpoints(BASE, token, scripts).items():
            wrk(**spec, duration=2, connections=connections)  # warm up the server (and the cache, if on)
            results[name] = wrk(**spec, duration=duration, connections=connections)
            print("  " + line(f"{label} {name}", results[name]))
        floor = results["floor"]["requests_per_second"]
        for name, result in results.items():
            if name != "payload":
                result["ratio_to_floor"] = round(result["requests_per_second"] / floor, 3) if floor else None
        return results
    finally:
        stop_server(server)


def seller_token() -> str:
    from accounts.services import tokens_for_user
    from products.models import Product

    return tokens_for_user(Product.objects.filter(status="active").first().seller)["access"]


def public_ids() -> list[int]:
    from products.models import Product

    return list(Product.objects.public().order_by("pk").values_list("pk", flat=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--refill", action="store_true", help="drop and rebuild the benchmark database")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per endpoint (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: `apt-get install wrk` (Debian) first.")
    RESULTS.mkdir(parents=True, exist_ok=True)

    ensure_database(args.refill)
    setup_django()
    fill_catalog()
    analyze()

    token = seller_token()
    scripts = detail_scripts(public_ids())

    print(f"Load: wrk, {args.connections} connections, {args.duration}s per endpoint; server: "
          + " ".join(server_command(PORT)))
    report = {
        "timestamp": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "catalog": {"sellers": SELLERS, "products": PRODUCTS, "images": PRODUCTS * IMAGES_PER_PRODUCT},
        "load": {"tool": "wrk", "connections": args.connections, "duration_seconds": args.duration},
        "server": server_command(PORT),
        "cold": measure("cold", 0, duration=args.duration, connections=args.connections, token=token,
                        scripts=scripts),
        "warm": measure("warm", 300, duration=args.duration, connections=args.connections, token=token,
                        scripts=scripts),
    }
    for script in scripts.values():
        script.unlink()
    for state in ("cold", "warm"):
        print(f"  {state}: public list at {report[state]['public_list']['ratio_to_floor']:.2f} of the floor")
    failures = [f"{state}/{name}" for state in ("cold", "warm") for name, result in report[state].items()
              if name != "payload" and failed(result)]
    report["valid"] = not failures
    target = RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    target.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Written to {target.relative_to(ROOT)}")
    if failures:
        # Throughput that includes error responses measures nothing: say so and fail.
        raise SystemExit(f"Errors, timeouts or no answers in {', '.join(failures)}: see bench/results/server.log.")


if __name__ == "__main__":
    main()
