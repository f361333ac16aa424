"""Catalog benchmark: fill PostgreSQL with a realistic catalog, serve it with the production
ASGI server and settings, load it with wrk, and compare each endpoint with a no-database floor.

    .venv/bin/python bench/run.py                 # fill (once), then measure cold and warm
    .venv/bin/python bench/run.py --refill        # drop and rebuild the catalog first
    .venv/bin/python bench/run.py --duration 20 --connections 64

See bench/README.md. Results are printed and written to bench/results/<timestamp>.json.
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
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"

SELLERS, PRODUCTS, IMAGES_PER_PRODUCT = 100, 10_000, 3

ENVIRONMENT = {
    "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sellflow_bench"),
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
    "DJANGO_SECRET_KEY": "bench-only-secret-key-that-is-long-enough-for-django-checks-0123456789",
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


# --- Server and load --------------------------------------------------------------------------

def start_server(cache_seconds: int) -> subprocess.Popen:
    env = child_env(PUBLIC_CATALOG_CACHE_SECONDS=str(cache_seconds))
    log = open(RESULTS / "server.log", "ab")
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "daphne"), "-b", "127.0.0.1", "-p", str(PORT), "sellflow.asgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=log,
    )
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"{BASE}/api/health/", timeout=1) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("The server did not become healthy; see bench/results/server.log.")


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
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1)),
        "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        # Requests that failed or timed out are missing from wrk's latency figures: count them.
        "socket_errors": sum(map(int, socket_errors.groups())) if socket_errors else 0,
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return round(float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit], 3)


def measure(label: str, cache_seconds: int, *, duration: int, connections: int, token: str, detail_script: Path):
    server = start_server(cache_seconds)
    try:
        endpoints = {
            "floor": dict(url=f"{BASE}/api/bench/floor/"),
            "public_list": dict(url=f"{BASE}/api/products/public/list/"),
            "public_detail": dict(url=BASE, script=detail_script),
            "seller_list": dict(url=f"{BASE}/api/products/", headers=[f"Authorization: Bearer {token}"]),
        }
        results = {}
        for name, spec in endpoints.items():
            wrk(**spec, duration=2, connections=connections)  # warm up the server (and the cache, if on)
            results[name] = wrk(**spec, duration=duration, connections=connections)
            print(f"  {label:<5} {name:<14} {results[name]['requests_per_second']:>9.1f} req/s   "
                  f"p50 {results[name]['p50_ms']:>8.2f} ms   p99 {results[name]['p99_ms']:>8.2f} ms"
                  + (f"   {results[name]['non_2xx']} ERRORS" if results[name]["non_2xx"] else "")
                  + (f"   {results[name]['socket_errors']} SOCKET ERRORS" if results[name]["socket_errors"] else ""))
        floor = results["floor"]["requests_per_second"]
        for result in results.values():
            result["ratio_to_floor"] = round(result["requests_per_second"] / floor, 3) if floor else None
        return results
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


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

    from accounts.services import tokens_for_user
    from products.models import Product

    seller = Product.objects.filter(status="active").first().seller
    token = tokens_for_user(seller)["access"]
    public_ids = list(Product.objects.public().values_list("pk", flat=True))
    detail_script = RESULTS / "public_detail.lua"
    detail_script.write_text(
        "local ids = {" + ",".join(map(str, public_ids)) + "}\n"
        "request = function()\n"
        '  return wrk.format("GET", "/api/products/public/" .. ids[math.random(#ids)] .. "/")\n'
        "end\n"
    )

    print(f"Load: wrk, {args.connections} connections, {args.duration}s per endpoint, one daphne process")
    report = {
        "timestamp": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "catalog": {"sellers": SELLERS, "products": PRODUCTS, "images": PRODUCTS * IMAGES_PER_PRODUCT},
        "load": {"tool": "wrk", "connections": args.connections, "duration_seconds": args.duration},
        "cold": measure("cold", 0, duration=args.duration, connections=args.connections, token=token,
                        detail_script=detail_script),
        "warm": measure("warm", 300, duration=args.duration, connections=args.connections, token=token,
                        detail_script=detail_script),
    }
    detail_script.unlink()
    for state in ("cold", "warm"):
        print(f"  {state}: public list at {report[state]['public_list']['ratio_to_floor']:.2f} of the floor")
    failed = [f"{state}/{name}" for state in ("cold", "warm") for name, result in report[state].items()
              if result["non_2xx"] or result["socket_errors"]]
    report["valid"] = not failed
    target = RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    target.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Written to {target.relative_to(ROOT)}")
    if failed:
        # Throughput that includes error responses measures nothing: say so and fail.
        raise SystemExit(f"Errors or timeouts in {', '.join(failed)}: see bench/results/server.log.")


if __name__ == "__main__":
    main()
