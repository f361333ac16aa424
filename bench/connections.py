"""Connections: what reaching PostgreSQL costs a request, for each way of connecting (issue 15).

    .venv/bin/python bench/connections.py                          # driver level, then the app
    .venv/bin/python bench/connections.py --pgbouncer 127.0.0.1:6432   # PgBouncer too (transaction mode)

Driver level (no Django): one "request" takes a connection, runs three small queries and gives
the connection back, in a loop on one thread, then on 8 threads at once:
  - direct:    a new connection per request (what SellFlow did under ASGI, CONN_MAX_AGE=0);
  - pool:      psycopg 3's pool as Django configures it (a liveness check at each borrow);
  - pgbouncer: a new connection per request to PgBouncer, which keeps the server connections.

The app: the production server (one daphne process) serves the uncached public list under wrk,
once per configuration, interleaved over several rounds: no pool (a connection per request),
Django's pool (DATABASE_POOL_MAX_SIZE), and, with --pgbouncer, no pool behind PgBouncer. The
catalog is bench/run.py's (filled once in BENCH_DATABASE_URL).

Results are printed and written to bench/results/connections-<timestamp>.json.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sellflow_bench")

from bench import run  # noqa: E402  (after BENCH_DATABASE_URL, which it reads)

QUERIES = (
    "SELECT 1",
    "SELECT count(*) FROM pg_class",
    "SELECT oid, relname, relkind FROM pg_class ORDER BY oid LIMIT 20",
)


def one_request(connection) -> None:
    for query in QUERIES:
        connection.execute(query).fetchall()


def direct(url: str):
    import psycopg

    def request():
        with psycopg.connect(url, autocommit=True, prepare_threshold=None) as connection:
            one_request(connection)

    return request, lambda: None


def pooled(url: str, size: int):
    from psycopg_pool import ConnectionPool

    pool = ConnectionPool(url, kwargs={"autocommit": True, "prepare_threshold": None}, min_size=size,
                          max_size=size, check=ConnectionPool.check_connection, open=True)
    pool.wait()

    def request():
        with pool.connection() as connection:
            one_request(connection)

    return request, pool.close


def timed(request, count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        request()
        times.append((time.perf_counter() - start) * 1000)
    return times


def threaded(request, threads: int, seconds: float) -> float:
    """Requests per second from `threads` threads looping for `seconds`."""
    done = [0] * threads
    stop = time.perf_counter() + seconds

    def loop(i):
        while time.perf_counter() < stop:
            request()
            done[i] += 1

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(done) / seconds


def driver_level(urls: dict[str, str], rounds: int, count: int) -> dict:
    results = {name: {"ms": [], "threads8_rps": []} for name in urls}
    for round_number in range(rounds):
        for name, url in urls.items():
            request, close = pooled(url, 8) if name == "pool" else direct(url)
            try:
                timed(request, 20)  # warm up
                results[name]["ms"] += timed(request, count)
                results[name]["threads8_rps"].append(threaded(request, 8, 3))
            finally:
                close()
        print(f"  driver round {round_number + 1}/{rounds} done", flush=True)
    summary = {}
    for name, result in results.items():
        ms = sorted(result["ms"])
        summary[name] = {
            "mean_ms": round(statistics.fmean(ms), 3), "p50_ms": round(ms[len(ms) // 2], 3),
            "p99_ms": round(ms[int(len(ms) * 0.99)], 3),
            "threads8_rps": round(statistics.median(result["threads8_rps"]), 1),
        }
        print(f"  {name:<10} one thread: mean {summary[name]['mean_ms']:7.3f} ms  p50 {summary[name]['p50_ms']:7.3f} ms"
              f"  p99 {summary[name]['p99_ms']:7.3f} ms   8 threads: {summary[name]['threads8_rps']:8.1f} req/s")
    return summary


def app_level(configs: dict[str, dict[str, str]], rounds: int, duration: int, connections: int) -> dict:
    url = f"{run.BASE}/api/products/public/list/"
    results: dict[str, list[dict]] = {name: [] for name in configs}
    for round_number in range(rounds):
        for name, extra in configs.items():
            server = start_server(extra)
            try:
                run.wrk(url, duration=2, connections=connections)  # warm up
                results[name].append(run.wrk(url, duration=duration, connections=connections))
            finally:
                run.stop_server(server)
            last = results[name][-1]
            print(f"  round {round_number + 1} {name:<18} {last['requests_per_second']:8.1f} req/s  "
                  f"p50 {last['p50_ms']:8.2f} ms  p99 {last['p99_ms']:8.2f} ms"
                  + (f"  {last['non_2xx']} ERRORS" if last["non_2xx"] else "")
                  + (f"  {last['socket_errors']} SOCKET ERRORS" if last["socket_errors"] else ""), flush=True)
    summary = {}
    for name, runs in results.items():
        summary[name] = {key: statistics.median(r[key] for r in runs) for key in ("requests_per_second", "p50_ms",
                                                                                   "p99_ms")}
        summary[name]["errors"] = sum(r["non_2xx"] + r["socket_errors"] for r in runs)
        summary[name]["runs"] = runs
        print(f"  median {name:<17} {summary[name]['requests_per_second']:8.1f} req/s  "
              f"p99 {summary[name]['p99_ms']:8.2f} ms")
    return summary


def start_server(extra: dict[str, str]) -> subprocess.Popen:
    """One daphne process (not run.server_command's workers): what a connection costs one process."""
    env = run.child_env(PUBLIC_CATALOG_CACHE_SECONDS="0", **extra)
    log = open(run.RESULTS / "server.log", "ab")
    server = subprocess.Popen(
        [str(Path(run.PYTHON).parent / "daphne"), "-b", "127.0.0.1", "-p", str(run.PORT), "sellflow.asgi:application"],
        cwd=run.ROOT, env=env, stdout=log, stderr=log,
    )
    if run.wait_healthy(f"{run.BASE}/api/health/", server):
        return server
    run.stop_server(server)
    raise SystemExit("The server did not become healthy; see bench/results/server.log.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pgbouncer", help="host:port of a PgBouncer in transaction mode in front of the database")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--requests", type=int, default=300, help="requests per round at driver level (default 300)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per configuration and round")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--skip-app", action="store_true", help="driver level only (no catalog, no server)")
    parser.add_argument("--port", type=int, default=run.PORT, help=f"the server's port (default {run.PORT})")
    args = parser.parse_args()
    run.PORT, run.BASE = args.port, f"http://127.0.0.1:{args.port}"
    run.RESULTS.mkdir(parents=True, exist_ok=True)

    database_url = run.ENVIRONMENT["DATABASE_URL"]
    name = database_url.rsplit("/", 1)[1]
    bouncer_url = f"postgres://postgres@{args.pgbouncer}/{name}" if args.pgbouncer else None
    if not args.skip_app:
        run.ensure_database(refill=False)
        run.setup_django()
        run.fill_catalog()
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        connection.close()

    urls = {"direct": database_url, "pool": database_url} | ({"pgbouncer": bouncer_url} if bouncer_url else {})
    print(f"Driver level: {len(QUERIES)} queries per request, {args.requests} requests x {args.rounds} rounds")
    report = {
        "timestamp": datetime.now(UTC).isoformat(),
        "load_average_before": os.getloadavg(),
        "driver": driver_level(urls, args.rounds, args.requests),
    }
    if not args.skip_app:
        configs = {"no pool": {"DATABASE_POOL_MAX_SIZE": "0"}, "django pool": {}}
        if bouncer_url:
            configs["no pool, pgbouncer"] = {"DATABASE_POOL_MAX_SIZE": "0", "DATABASE_URL": bouncer_url}
        print(f"The app: uncached public list, daphne x1, wrk {args.connections} connections, {args.duration}s")
        report["app"] = app_level(configs, args.rounds, args.duration, args.connections)
    report["load_average_after"] = os.getloadavg()
    target = run.RESULTS / f"connections-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    target.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Load average before {report['load_average_before']}, after {report['load_average_after']}")
    print(f"Written to {target.relative_to(run.ROOT)}")


if __name__ == "__main__":
    main()
