"""SellFlow side by side with the stock DRF peer (issue 15): the same machine, the same wrk lines,
the same catalog size, interleaved over several rounds, and the ratios the issue's goals are set in.

    .venv/bin/python bench/compare.py                           # 3 rounds, 10 s per endpoint
    .venv/bin/python bench/compare.py --rounds 2 --duration 5   # a quick smoke run
    .venv/bin/python bench/compare.py --peer-dir /work/peer     # where the peer is copied to

1. Fills SellFlow's bench database as bench/run.py does (10,000 products), then ANALYZE.
2. Copies the peer from ../shared/peers/drf-stock to --peer-dir (outside this repository; the
   kit writes its .venv/ and results/ beside itself), runs its setup.sh once (venv, pinned
   install, CREATE DATABASE, migrate), then `manage.py seed --products 10000` (its own data rule
   and database; the seed runs ANALYZE).
3. Starts three servers and keeps them for the whole run: SellFlow cold (no catalog cache) on
   BENCH_PORT, SellFlow warm (catalog cache on) on BENCH_PORT+1, both with bench/run.py's
   server_command() (the production server as shipped), and the peer as its README runs it
   (uvicorn, 2 workers) on BENCH_PORT+2. Checks that each floor answers its list page's bytes.
4. For each round, for each row of the table: SellFlow's endpoint and the peer's, one after the
   other, the order alternating from row to row and round to round; each a wrk warm-up then a
   measured wrk run (2 threads, --connections, --duration, --latency).
5. Prints the table (median req/s over the rounds with its range, median p99, SellFlow ÷ peer
   and the issue's goal) and writes everything to bench/results/compare-<UTC timestamp>.json.
"""

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import run  # bench/run.py: the catalog, the SellFlow server and wrk

ROOT = run.ROOT
PEER_SOURCE = ROOT.parent / "shared" / "peers" / "drf-stock"
PEER_DATABASE_URL = os.environ.get("BENCH_PEER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/drf_peer")

# (key, label, SellFlow server and endpoint, the peer's endpoint, goal: SellFlow ÷ peer at least)
ROWS = [
    ("public_list_cold", "public list, cold cache", ("cold", "public_list"), "list", 1.5),
    ("public_list_warm", "public list, warm cache", ("warm", "public_list"), "list", 5.0),
    ("public_detail_cold", "public detail, cold (random ids)", ("cold", "public_detail"), "detail", 1.5),
    ("public_detail_hot", "public detail, warm (200 hot ids)", ("warm", "public_detail_hot"), "detail_hot", None),
    ("floor", "floor (list page bytes, no database)", ("cold", "floor"), "floor", 1.0),
    ("seller_list", "seller list (auth) vs peer's list", ("cold", "seller_list"), "list", 1.0),
]


# --- The peer ---------------------------------------------------------------------------------

def peer_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))}
    return {**env, "DATABASE_URL": database_url, "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost"}


def setup_peer(peer_dir: Path, database_url: str) -> None:
    """Copy the kit (once), make its venv (once: setup.sh), create and migrate its database, seed."""
    if peer_dir.resolve().is_relative_to(ROOT):
        raise SystemExit(f"--peer-dir {peer_dir} is inside the repository: copy the peer somewhere else.")
    if not (peer_dir / "manage.py").exists():
        shutil.copytree(PEER_SOURCE, peer_dir, ignore=shutil.ignore_patterns(".venv", "results"))
    env = peer_env(database_url)
    python = peer_dir / ".venv" / "bin" / "python"
    if not python.exists():
        subprocess.run(["./setup.sh"], cwd=peer_dir, env=env, check=True)
    else:
        subprocess.run([str(python), "manage.py", "ensuredb"], cwd=peer_dir, env=env, check=True)
        subprocess.run([str(python), "manage.py", "migrate", "--noinput", "-v", "0"], cwd=peer_dir, env=env,
                       check=True)
    # Truncates with RESTART IDENTITY: ids 1..N, identical on every run, then ANALYZE.
    subprocess.run([str(python), "manage.py", "seed", "--products", str(run.PRODUCTS)], cwd=peer_dir, env=env,
                   check=True)


def peer_server_command(peer_dir: Path, port: int, workers: int) -> list[str]:
    """The peer as its README runs it (and as the issue measured it): uvicorn, 2 workers."""
    return [str(peer_dir / ".venv" / "bin" / "uvicorn"), "peer.asgi:application", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--no-access-log"]


def start_peer(peer_dir: Path, database_url: str, port: int, workers: int) -> subprocess.Popen:
    log = open(run.RESULTS / "peer-server.log", "ab")
    server = subprocess.Popen(peer_server_command(peer_dir, port, workers), cwd=peer_dir,
                              env=peer_env(database_url), stdout=log, stderr=log)
    if run.wait_healthy(f"http://127.0.0.1:{port}/floor/", server):
        return server
    run.stop_server(server)
    raise SystemExit("The peer did not start; see bench/results/peer-server.log.")


def peer_endpoints(base: str, scripts: dict[str, Path]) -> dict[str, dict]:
    return {
        "floor": dict(url=f"{base}/floor/"),  # its first list page's results, built once at startup
        "list": dict(url=f"{base}/api/products/public/list/"),
        "detail": dict(url=base, script=scripts["cold"]),
        "detail_hot": dict(url=base, script=scripts["hot"]),
    }


def peer_scripts() -> dict[str, Path]:
    ids = list(range(1, run.PRODUCTS + 1))  # every peer product is active; ids restart at 1 on seed
    hot = sorted(random.Random(15).sample(ids, run.HOT_SET))
    return {
        "cold": run.id_script(run.RESULTS / "peer_detail_cold.lua", ids, "/api/products/public/"),
        "hot": run.id_script(run.RESULTS / "peer_detail_hot.lua", hot, "/api/products/public/"),
    }


def payloads(sellflow: dict[str, str], peer: str, token: str) -> dict:
    """Bytes per response (compare bytes as well as req/s), and the floors' like-for-like check."""
    sample = run.public_ids()[0]
    peer_list, peer_floor = run.body(f"{peer}/api/products/public/list/"), run.body(f"{peer}/floor/")
    return {
        "sellflow_cold": run.check_floor(sellflow["cold"]),
        "sellflow_warm": run.check_floor(sellflow["warm"]),
        "sellflow_detail_bytes": len(run.body(f"{sellflow['cold']}/api/products/public/{sample}/")),
        "sellflow_seller_list_bytes": len(run.body(f"{sellflow['cold']}{run.SELLER_LIST}",
                                                   {"Authorization": f"Bearer {token}"})),
        "peer_list_bytes": len(peer_list),  # {count, next, previous, results}
        "peer_floor_bytes": len(peer_floor),
        "peer_floor_is_list_results": json.loads(peer_floor) == json.loads(peer_list)["results"],
        "peer_detail_bytes": len(run.body(f"{peer}/api/products/public/1/")),
    }


# --- The rounds -------------------------------------------------------------------------------

def measure_round(number: int, specs: dict, args) -> dict:
    """One round: every row, SellFlow and the peer back to back, in alternating order."""
    results = {}
    for index, (key, _label, (state, endpoint), peer_endpoint, _goal) in enumerate(ROWS):
        sides = [("sellflow", specs[state][endpoint]), ("peer", specs["peer"][peer_endpoint])]
        if (number + index) % 2:
            sides.reverse()
        results[key] = {}
        for side, spec in sides:
            run.wrk(**spec, duration=args.warmup, connections=args.connections)
            result = run.wrk(**spec, duration=args.duration, connections=args.connections)
            results[key][side] = result
            print("  " + run.line(f"round {number + 1} {side:<8} {key}", result), flush=True)
    return results


def summarize(rounds: list[dict]) -> dict:
    summary = {}
    for key, label, _sellflow, _peer, goal in ROWS:
        row = {"label": label, "goal": goal}
        for side in ("sellflow", "peer"):
            runs = [r[key][side] for r in rounds]
            rates = [x["requests_per_second"] for x in runs]
            row[side] = {
                "requests_per_second": round(statistics.median(rates), 1),
                "range": [min(rates), max(rates)],
                "p50_ms": round(statistics.median(x["p50_ms"] for x in runs), 2),
                "p99_ms": round(statistics.median(x["p99_ms"] for x in runs), 2),
                "failed_runs": sum(run.failed(x) for x in runs),
            }
        peer_rate = row["peer"]["requests_per_second"]
        row["ratio"] = round(row["sellflow"]["requests_per_second"] / peer_rate, 2) if peer_rate else None
        row["ratio_per_round"] = [
            round(r[key]["sellflow"]["requests_per_second"] / r[key]["peer"]["requests_per_second"], 2)
            if r[key]["peer"]["requests_per_second"] else None for r in rounds
        ]
        row["meets_goal"] = None if goal is None or row["ratio"] is None else row["ratio"] >= goal
        summary[key] = row
    return summary


def table(summary: dict) -> str:
    lines = [
        "| median of interleaved rounds | SellFlow req/s (range) | SellFlow p99 ms | peer req/s (range) "
        "| peer p99 ms | SellFlow ÷ peer | goal |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in summary.values():
        sellflow, peer = row["sellflow"], row["peer"]
        goal = "" if row["goal"] is None else f"≥ {row['goal']} ({'met' if row['meets_goal'] else 'not met'})"
        lines.append(
            f"| {row['label']} | {sellflow['requests_per_second']} ({sellflow['range'][0]}–{sellflow['range'][1]}) "
            f"| {sellflow['p99_ms']} | {peer['requests_per_second']} ({peer['range'][0]}–{peer['range'][1]}) "
            f"| {peer['p99_ms']} | {row['ratio']} | {goal} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--duration", type=int, default=10, help="measured seconds per endpoint (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="wrk warm-up seconds before each (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--refill", action="store_true", help="drop and rebuild SellFlow's bench database")
    parser.add_argument("--peer-dir", type=Path, default=ROOT.parent / "peer-drf-stock",
                        help="writable copy of ../shared/peers/drf-stock, outside this repository")
    parser.add_argument("--peer-workers", type=int, default=2, help="the peer's uvicorn workers (default 2)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: `apt-get install wrk` (Debian) first.")
    run.RESULTS.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()

    run.ensure_database(args.refill)
    run.setup_django()
    run.fill_catalog()
    run.analyze()
    setup_peer(args.peer_dir, PEER_DATABASE_URL)

    ports = {"cold": run.PORT, "warm": run.PORT + 1, "peer": run.PORT + 2}
    bases = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    sellflow_scripts, scripts_of_peer = run.detail_scripts(run.public_ids()), peer_scripts()
    servers = []
    try:
        servers.append(run.start_server(0, ports["cold"]))
        servers.append(run.start_server(300, ports["warm"]))
        servers.append(start_peer(args.peer_dir, PEER_DATABASE_URL, ports["peer"], args.peer_workers))
        payload = payloads({"cold": bases["cold"], "warm": bases["warm"]}, bases["peer"], run.seller_token())
        print(f"SellFlow: {' '.join(run.server_command(ports['cold']))}\n"
              f"Peer:     {' '.join(peer_server_command(args.peer_dir, ports['peer'], args.peer_workers))}\n"
              f"wrk -t2 -c{args.connections}, {args.warmup}s warm-up + {args.duration}s per endpoint, "
              f"{args.rounds} rounds; load average {load_before[0]:.2f} at the start")
        rounds = []
        for number in range(args.rounds):
            token = run.seller_token()  # a fresh access token each round (they expire)
            specs = {state: run.endpoints(bases[state], token, sellflow_scripts) for state in ("cold", "warm")}
            specs["peer"] = peer_endpoints(bases["peer"], scripts_of_peer)
            rounds.append(measure_round(number, specs, args))
    finally:
        for server in servers:
            run.stop_server(server)
        for script in [*sellflow_scripts.values(), *scripts_of_peer.values()]:
            script.unlink(missing_ok=True)

    summary = summarize(rounds)
    load_after = os.getloadavg()
    print("\n" + table(summary))
    print(f"\nBytes: SellFlow list {payload['sellflow_cold']['list_bytes']} (floor the same), "
          f"peer list {payload['peer_list_bytes']} (floor {payload['peer_floor_bytes']}); "
          f"seller list {payload['sellflow_seller_list_bytes']}; "
          f"detail {payload['sellflow_detail_bytes']} / {payload['peer_detail_bytes']}. "
          f"Load average {load_before[0]:.2f} before, {load_after[0]:.2f} after.")
    failed = [f"{key}/{side}" for key, row in summary.items() for side in ("sellflow", "peer")
              if row[side]["failed_runs"]]
    report = {
        "timestamp": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_before": load_before, "load_average_after": load_after},
        "catalog": {"products": run.PRODUCTS, "hot_set": run.HOT_SET},
        "load": {"tool": "wrk", "threads": 2, "connections": args.connections, "duration_seconds": args.duration,
                 "warmup_seconds": args.warmup, "rounds": args.rounds},
        "servers": {"sellflow": run.server_command(ports["cold"]),
                    "peer": peer_server_command(args.peer_dir, ports["peer"], args.peer_workers)},
        "payload": payload,
        "summary": summary,
        "rounds": rounds,
        "valid": not failed,
    }
    target = run.RESULTS / f"compare-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    target.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Written to {target.relative_to(ROOT)}")
    if failed:
        raise SystemExit(f"Errors, timeouts or no answers in {', '.join(failed)}: see bench/results/*server.log.")


if __name__ == "__main__":
    sys.exit(main())
