"""Checkout contention benchmark: many buyers at once for the last units of one product, through
the HTTP API of the production server (gunicorn with uvicorn workers, DEBUG off, PostgreSQL + Redis), with Celery tasks
eager in the server as on a box without workers.

    .venv/bin/python bench/checkout_contention.py                        # 200 buyers, 50 units
    .venv/bin/python bench/checkout_contention.py --buyers 400 --units 50 --concurrency 100

Prints checkouts/s, p50/p99 latency, orders created and oversold units (must be 0), and writes
them to bench/results/contention-<timestamp>.json. See bench/README.md.
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as catalog_bench  # noqa: E402  (shares the database, environment and server helpers)

ROOT, RESULTS, BASE = catalog_bench.ROOT, catalog_bench.RESULTS, catalog_bench.BASE
catalog_bench.ENVIRONMENT.update({
    "DATABASE_URL": os.environ.get("BENCH_CONTENTION_DATABASE_URL",
                                   "postgres://postgres@127.0.0.1:5432/sellflow_bench_contention"),
    "CELERY_TASK_ALWAYS_EAGER": "true",
    # Payments are not what is measured; the money-less gateway stands in for a provider.
    "PAYMENT_TEST_GATEWAY": "true",
    "PAYMENT_TEST_OUTCOME": "success",
})
ADDRESS = {"full_name": "Bench Buyer", "phone": "+233501234567", "address_line1": "1 Ring Road", "city": "Accra",
           "country": "Ghana", "payment_method": "card"}


def prepare(buyers: int, units: int) -> tuple[int, list[str]]:
    """A fresh product with `units` in stock and `buyers` buyers with one unit each in their cart."""
    catalog_bench.setup_django()
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User
    from orders.models import CartItem, Order
    from orders.services.cart import cart_for
    from products.models import Product

    Order.objects.all().delete()
    User.objects.filter(email__endswith="@contention.bench").delete()
    seller = User.objects.create_user(email="seller@contention.bench", password=None, account_type="seller")
    product = Product.objects.create(seller=seller, name="Last units", slug="last-units", price="20.00",
                                     currency="GHS", status="active", stock_quantity=units)
    users = User.objects.bulk_create([User(email=f"buyer{i}@contention.bench", account_type="buyer")
                                      for i in range(buyers)])
    CartItem.objects.bulk_create([
        CartItem(cart=cart_for(user), product=product, seller=seller, quantity=1, product_name=product.name,
                 price_when_added=product.price)
        for user in users
    ])
    return product.pk, [str(AccessToken.for_user(user)) for user in users]


def check_out(token: str) -> tuple[int, float]:
    request = urllib.request.Request(f"{BASE}/api/orders/checkout/", data=json.dumps(ADDRESS).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, (time.perf_counter() - started) * 1000


def tally(product_id: int, units: int) -> dict:
    from django.db.models import Sum

    from orders.models import Order, ReservationStatus, StockReservation
    from products.models import Product

    held = StockReservation.objects.filter(product_id=product_id, status=ReservationStatus.ACTIVE).aggregate(
        total=Sum("quantity"))["total"] or 0
    stock = Product.objects.get(pk=product_id).stock_quantity
    committed = held + (units - stock)  # held for unpaid orders, plus sold
    return {"orders_created": Order.objects.filter(items__product_id=product_id).count(), "units_held": held,
            "stock_on_hand": stock, "oversold_units": max(committed - units, 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=50, help="requests in flight at once")
    args = parser.parse_args()

    RESULTS.mkdir(parents=True, exist_ok=True)
    catalog_bench.ensure_database(refill=False)
    product_id, tokens = prepare(args.buyers, args.units)
    server = catalog_bench.start_server(cache_seconds=300)
    try:
        gate = threading.Barrier(min(args.concurrency, len(tokens)))

        def one(token: str):
            try:
                gate.wait(timeout=5)  # the first wave leaves together
            except threading.BrokenBarrierError:
                pass
            return check_out(token)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            outcomes = list(pool.map(one, tokens))
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)

    statuses = [status for status, _ in outcomes]
    latencies = sorted(ms for _, ms in outcomes)
    result = {
        "buyers": args.buyers, "units": args.units, "concurrency": args.concurrency,
        "seconds": round(elapsed, 2),
        "checkouts_per_second": round(len(outcomes) / elapsed, 1),
        "created_201": statuses.count(201), "refused_409": statuses.count(409),
        "other_statuses": sorted({s for s in statuses if s not in (201, 409)}),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
        **tally(product_id, args.units),
    }
    print(json.dumps(result, indent=2))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"contention-{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")
    if result["oversold_units"] or result["orders_created"] != min(args.buyers, args.units) or result["other_statuses"]:
        raise SystemExit("FAILED: oversold, wrong number of orders, or unexpected statuses")


if __name__ == "__main__":
    main()
