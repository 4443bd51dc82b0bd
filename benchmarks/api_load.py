"""The metrics API under concurrent load on loopback: `warehouse api serve` on a built warehouse, N
client threads (each its own keep-alive connection and tenant key) requesting the endpoints in a
shuffled loop, each client bounded to one request every --interval seconds. Two passes: **cached**
(Redis on, warmed first) and **uncached** (no Redis: every request runs its SQL as the tenant's
login). Prints p50/p95/p99 (ms) per pass and endpoint as markdown rows for BENCHMARKS.md; asserts
nothing.

    .venv/bin/python benchmarks/api_load.py --database warehouse_bench --clients 16 --seconds 30

The marts must be built in that Postgres database (PG* for the server); keys are created for every
tenant and revoked at the end. Redis: REDIS_URL (default redis://127.0.0.1:6379/0).
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from _cpu import cpu_times, steal_share  # noqa: E402
BIN = Path(sys.executable).parent

RANGE = {"start_date": "2025-11-01", "end_date": "2026-10-31"}
REQUESTS = [("dashboards/sales", RANGE), ("dashboards/customer-success", RANGE), ("dashboards/revenue", RANGE),
            ("dashboards/executive", RANGE), ("mrr/trend", RANGE), ("mrr/bridge", RANGE), ("cohorts", RANGE),
            ("messaging/overview", RANGE), ("messaging/dashboard", {"days": 7}), ("messaging/summary", {})]


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def serve(env: dict, port: int, workers: int) -> subprocess.Popen:
    import httpx
    proc = subprocess.Popen([str(BIN / "warehouse"), "api", "serve", "--target", "postgres", "--port", str(port),
                             "--workers", str(workers)], cwd=REPO, env=env)
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=30).status_code in (200, 503):
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("the API did not start")


def run_clients(port: int, keys: list[str], first: int, count: int, seconds: float, interval: float):
    """`count` client threads (numbered from `first`) in this process; their timings and errors."""
    import httpx
    timings: dict[str, list[float]] = {path: [] for path, _ in REQUESTS}
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        rng = random.Random(n)
        headers = {"Authorization": f"Bearer {keys[n % len(keys)]}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", headers=headers, timeout=30) as http:
            next_at = time.monotonic() + rng.random() * interval
            while time.monotonic() < stop:
                time.sleep(max(0.0, next_at - time.monotonic()))
                next_at += interval
                path, params = rng.choice(REQUESTS)
                t = time.perf_counter()
                r = http.get(f"/{path}", params=params)
                elapsed = (time.perf_counter() - t) * 1000
                if r.status_code != 200:
                    errors.append(f"{path}: {r.status_code}")
                else:
                    timings[path].append(elapsed)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(first, first + count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings, errors


def run_pass(port: int, keys: list[str], clients: int, seconds: float, interval: float,
             processes: int = 4) -> tuple[dict, list, float]:
    """The clients spread over `processes` processes, so the load generator's own GIL does not queue them."""
    from concurrent.futures import ProcessPoolExecutor
    processes = max(1, min(processes, clients))
    shares = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    firsts = [sum(shares[:i]) for i in range(processes)]
    before = cpu_times()
    with ProcessPoolExecutor(processes) as pool:
        results = list(pool.map(run_clients, [port] * processes, [keys] * processes, firsts, shares,
                                [seconds] * processes, [interval] * processes))
    timings = {path: [v for t, _ in results for v in t[path]] for path, _ in REQUESTS}
    return timings, [e for _, errs in results for e in errs], steal_share(before, cpu_times())


def report(label: str, timings: dict, errors: list, steal: float, seconds: float) -> None:
    every = [v for values in timings.values() for v in values]
    print(f"\n{label}: {len(every)} requests in {seconds:.0f} s ({len(every) / seconds:.0f}/s), "
          f"{len(errors)} errors, CPU steal {steal:.1%}")
    print("| endpoint | requests | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|")
    for path, values in timings.items():
        if values:
            print(f"| `{path}` | {len(values)} | {statistics.median(values):.1f} | {percentile(values, 0.95):.1f} | "
                  f"{percentile(values, 0.99):.1f} |")
    print(f"| **all** | {len(every)} | {statistics.median(every):.1f} | {percentile(every, 0.95):.1f} | "
          f"{percentile(every, 0.99):.1f} |")
    if errors:
        print("errors:", sorted(set(errors))[:10])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--database", default="warehouse_bench")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--interval", type=float, default=0.1, help="each client's seconds between request starts")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = p.parse_args()
    import psycopg
    import redis
    from orchestration.generator.load import pg_conninfo
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    prefix = f"analytics_bench{os.getpid()}"
    # the load is far above the per-key limits (it measures serving, not limiting): lift them
    limits = ",".join(f"{group}=1000000" for group in ("dashboard", "revenue", "cohorts", "health"))
    env = {**os.environ, "PGDATABASE": args.database, "DBT_TARGET": "postgres", "WAREHOUSE_API_CACHE_PREFIX": prefix,
           "WAREHOUSE_API_RATE_LIMITS": limits}
    with psycopg.connect(**pg_conninfo(args.database)) as con:
        tenants = [r[0] for r in con.execute("select distinct tenant_id from marts.mrr_monthly order by 1")]
        rows = con.execute("select count(*) from marts.fct_messages").fetchone()[0]
    print(f"database {args.database}: {len(tenants)} tenants, {rows:,} messages; {args.clients} clients, "
          f"one request each every {args.interval * 1000:.0f} ms, {args.seconds:.0f} s per pass, "
          f"{args.workers} server worker(s)")
    keys = [subprocess.run([str(BIN / "warehouse"), "api", "key", "create", "--tenant", t], env=env, check=True,
                           capture_output=True, text=True).stdout.strip() for t in tenants]
    try:
        for label, extra in (("cached", {"REDIS_URL": redis_url}), ("uncached", {"REDIS_URL": ""})):
            proc = serve({**env, **extra}, args.port, args.workers)
            try:
                if label == "cached":      # warm: every request once per key
                    run_pass(args.port, keys, len(keys), 0.01, 0)
                    import httpx
                    for key in keys:
                        for path, params in REQUESTS:
                            httpx.get(f"http://127.0.0.1:{args.port}/api/v1/{path}", params=params,
                                      headers={"Authorization": f"Bearer {key}"}, timeout=30)
                report(label, *run_pass(args.port, keys, args.clients, args.seconds, args.interval), args.seconds)
            finally:
                proc.terminate()
                proc.wait(timeout=10)
    finally:
        for t in tenants:
            subprocess.run([str(BIN / "warehouse"), "api", "key", "revoke", "--tenant", t], env=env, check=False,
                           capture_output=True)
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)


if __name__ == "__main__":
    main()
