"""Search benchmark: the catalog of bench/run.py (10,000 products on PostgreSQL), indexed for
search, served by the production ASGI server with the public catalog cache off, and loaded with
wrk on search requests of four kinds beside the unfiltered public list and the floor.

    .venv/bin/python bench/search.py                  # fill and index (once), then measure
    .venv/bin/python bench/search.py --refill --duration 20

See bench/README.md ("Search"). Results are printed and written to bench/results/search-<timestamp>.json.
"""

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/run.py: the catalog, the database, the server)

# The words of run.py's catalog (names, tags, descriptions) and of the default category tree.
QUERIES = {
    "search_exact": ["kente", "necklace", "leather sandals", "coffee mug", "shea butter", "ankara dress",
                     "pottery bowl", "wax print", "earbuds", "black soap"],
    "search_plural": ["necklaces", "dresses", "bowls", "baskets", "mugs", "lamps", "cushions", "shirts",
                      "wallets", "speakers"],
    # Words few products have: a SKU each (BENCH-00042 is the words "bench", "00042" and "bench00042").
    "search_rare": ["BENCH-00042", "bench 01234", "BENCH-02468", "bench-03579", "BENCH-04680", "bench 05791",
                    "BENCH-06802", "BENCH-07913", "bench-08024", "BENCH-09135"],
    "search_typo": ["necklase", "chocolte", "cushoin", "speeker", "potery", "elephnat", "basekt", "lether",
                    "wallett", "chcolate"],
}
# Type-ahead prefixes, as a search box sends them while the shopper types.
TYPEAHEAD = ["pho", "neck", "kent", "leath", "shea", "mu", "bow", "ank", "speak", "wax p"]
SUGGEST = "/api/products/public/suggest/"
AI_QUERIES = ["necklaces under 100", "leather sandals under 200 cedis", "blue dress", "cheap coffee mugs",
              "kente stole in stock", "speakers between 50 and 150", "shirt size M", "pottery bowls under 300",
              "black soap", "wax print fabric"]
LIST = "/api/products/public/list/"
AI_SEARCH = "/api/ai/search/"

# wrk prints p50/p75/p90/p99 only: every script reports its p95 (and p50, p99) itself, in µs.
DONE = """
done = function(summary, latency, requests)
  io.write(string.format("PCT %d %d %d\\n", latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def paths_by_kind() -> dict[str, list[str]]:
    kinds = {"floor": ["/api/bench/floor/"], "public_list": [LIST]}
    for kind, queries in QUERIES.items():
        kinds[kind] = [f"{LIST}?{urllib.parse.urlencode({'search': q})}" for q in queries]
    kinds["ai_search"] = [f"{AI_SEARCH}?{urllib.parse.urlencode({'q': q})}" for q in AI_QUERIES]
    return kinds


def lua_script(paths: list[str]) -> str:
    quoted = ",".join(json.dumps(p) for p in paths)
    return (f"local paths = {{{quoted}}}\n"
            "request = function()\n"
            '  return wrk.format("GET", paths[math.random(#paths)])\n'
            "end\n" + DONE)


def wrk(script: Path, *, duration: int, connections: int) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
               "-s", str(script), run.BASE]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    p50, p95, p99 = (int(v) / 1000 for v in re.search(r"PCT (\d+) (\d+) (\d+)", output).groups())
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": round(p50, 2), "p95_ms": round(p95, 2), "p99_ms": round(p99, 2),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(map(int, socket_errors.groups())) if socket_errors else 0,
    }


def index_and_analyze() -> dict:
    """bulk_create bypasses the catalog services: index the catalog, then refresh the planner's
    statistics (autovacuum may not have run yet after the bulk load)."""
    from django.db import connection

    from products.models import Product, SearchDocument, SearchWord
    from products.search.index import rebuild

    if SearchDocument.objects.count() != Product.objects.count():
        started = time.perf_counter()
        rebuild(progress=lambda done, total: run.progress(done, total, "indexed"))
        print(f"Indexed in {time.perf_counter() - started:.1f} s.")
    with connection.cursor() as cursor:
        # As docker-compose.yml runs PostgreSQL (SSD-priced random reads); for the server's connections.
        cursor.execute(f'ALTER DATABASE "{connection.settings_dict["NAME"]}" SET random_page_cost = 1.1')
        cursor.execute("ANALYZE")
    return {"documents": SearchDocument.objects.count(), "words": SearchWord.objects.count()}


def check(paths: dict[str, list[str]]) -> dict[str, dict[str, int]]:
    """Every request answers 200; how many products each query finds (X-Total-Count)."""
    found = {}
    for kind, kind_paths in paths.items():
        if kind == "floor":
            continue
        for path in kind_paths:
            with urllib.request.urlopen(run.BASE + path, timeout=30) as response:
                if response.status != 200:
                    raise SystemExit(f"{path} answered {response.status}")
                total = response.headers.get("X-Total-Count")
                found.setdefault(kind, {})[urllib.parse.unquote_plus(path.split("=", 1)[-1]) if "?" in path
                                           else path] = int(total) if total is not None else -1
    return found


def plans() -> dict[str, bool]:
    """Whether PostgreSQL, left to itself on this catalog, reads the GIN indexes: the token index
    for a search of a rare word, the trigram index for its near spellings."""
    from django.db import connection

    from products.models import Product
    from products.search import search_products
    from products.search.vocabulary import expand

    sql, params = search_products(Product.objects.public(), "BENCH-00042", rank_ordering=()).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET random_page_cost = 1.1")  # as the server's connections have it
        cursor.execute("EXPLAIN " + sql, params)
        tokens = "products_search_tokens" in "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET pg_trgm.similarity_threshold = 0.1")
        cursor.execute("EXPLAIN SELECT word FROM products_searchword WHERE lower(word) % 'necklase'")
        trigram = "products_searchword_trigram" in "\n".join(row[0] for row in cursor.fetchall())
    assert "necklace" in expand({"necklase"}, set())["necklase"]
    print(f"Plans: a rare word reads products_search_tokens: {tokens}; near spellings read "
          f"products_searchword_trigram: {trigram}")
    return {"search_reads_token_index": tokens, "near_spellings_read_trigram_index": trigram}


def measure_typeahead(duration: int) -> dict:
    """Type-ahead as the issue states its target, warm: the catalog cache on (suggestions are
    cached per prefix), 2 connections, so that latencies are a request's own, not a queue's."""
    script = run.RESULTS / "search-typeahead.lua"
    script.write_text(lua_script([f"{SUGGEST}?{urllib.parse.urlencode({'q': q})}" for q in TYPEAHEAD]))
    server = run.start_server(300)
    try:
        wrk(script, duration=2, connections=2)  # fills the cache
        result = wrk(script, duration=duration, connections=2)
    finally:
        server.terminate()
        server.wait(timeout=10)
        script.unlink(missing_ok=True)
    print(f"  {'typeahead_warm':<14} {result['requests_per_second']:>8.1f} req/s   p50 {result['p50_ms']:>8.2f} ms   "
          f"p95 {result['p95_ms']:>8.2f} ms   p99 {result['p99_ms']:>8.2f} ms   (catalog cache on, 2 connections)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--refill", action="store_true", help="drop and rebuild the benchmark database")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per kind (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: `apt-get install wrk` (Debian) first.")
    run.RESULTS.mkdir(parents=True, exist_ok=True)
    # AI search by the local parser (no provider to pay or wait for), the search throttles out of the way.
    throttles = ("AI_SEARCH", "CATALOG_SEARCH", "CATALOG_SUGGEST")
    run.ENVIRONMENT.update({"AI_PROVIDER": "local",
                            **{f"THROTTLE_{scope}_RATE": "100000000/second" for scope in throttles}})

    run.ensure_database(args.refill)
    run.setup_django()
    run.fill_catalog()
    index = index_and_analyze()
    index_plans = plans()

    paths = paths_by_kind()
    scripts = {}
    for kind, kind_paths in paths.items():
        scripts[kind] = run.RESULTS / f"search-{kind}.lua"
        scripts[kind].write_text(lua_script(kind_paths))

    print(f"Load: wrk, {args.connections} connections, {args.duration}s per kind, the production server "
          "(bench.run.server_command), public catalog cache off (PUBLIC_CATALOG_CACHE_SECONDS=0)")
    server = run.start_server(0)
    try:
        found = check(paths)
        results = {}
        for kind, script in scripts.items():
            wrk(script, duration=2, connections=args.connections)  # warm up (connections, search plans)
            results[kind] = result = wrk(script, duration=args.duration, connections=args.connections)
            print(f"  {kind:<14} {result['requests_per_second']:>8.1f} req/s   p50 {result['p50_ms']:>8.2f} ms   "
                  f"p95 {result['p95_ms']:>8.2f} ms   p99 {result['p99_ms']:>8.2f} ms"
                  + (f"   {result['non_2xx']} ERRORS" if result["non_2xx"] else "")
                  + (f"   {result['socket_errors']} SOCKET ERRORS" if result["socket_errors"] else ""))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        for script in scripts.values():
            script.unlink(missing_ok=True)

    results["typeahead_warm"] = measure_typeahead(args.duration)

    floor, listing = results["floor"]["requests_per_second"], results["public_list"]["requests_per_second"]
    for result in results.values():
        result["ratio_to_floor"] = round(result["requests_per_second"] / floor, 3) if floor else None
        result["ratio_to_public_list"] = round(result["requests_per_second"] / listing, 3) if listing else None
    report = {
        "timestamp": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "catalog": {"sellers": run.SELLERS, "products": run.PRODUCTS, **index},
        "load": {"tool": "wrk", "connections": args.connections, "duration_seconds": args.duration,
                 "public_catalog_cache_seconds": 0},
        "queries": {**QUERIES, "ai_search": AI_QUERIES, "typeahead_warm": TYPEAHEAD},
        "found": found,
        "plans": index_plans,
        "results": results,
    }
    failed = [kind for kind, result in results.items() if result["non_2xx"] or result["socket_errors"]]
    report["valid"] = not failed
    target = run.RESULTS / f"search-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    target.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Written to {target.relative_to(run.ROOT)}")
    if failed:
        raise SystemExit(f"Errors or timeouts in {', '.join(failed)}: see bench/results/server.log.")


if __name__ == "__main__":
    main()
