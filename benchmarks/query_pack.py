"""The dashboards' query pack (bi/queries/**.sql) under concurrent load on Postgres: N clients,
each its own connection as a BI login (row-level security applies), run the queries in a shuffled
loop for a fixed time against random tenants. Prints p50/p95/p99 per query (ms) as markdown rows
for BENCHMARKS.md; asserts nothing.

    .venv/bin/python benchmarks/query_pack.py --database warehouse_bench --clients 16 --seconds 60

The login (default bench_platform, a platform login: every tenant) is created if missing through
`warehouse access`; the marts must be built in that database.

    .venv/bin/python benchmarks/query_pack.py --database warehouse_bench --clients 16 --during-build

runs the clients for as long as a `dbt build --full-refresh` of the same database takes (the marts
are swapped in under the readers: docs/FAULTS.md), and reports the build's time and outcome beside
the readers' errors and percentiles.
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from _cpu import cpu_times, steal_share  # noqa: E402
BIN = Path(sys.executable).parent
AS_OF = date(2026, 11, 21)


def load_pack() -> dict[str, str]:
    return {str(p.relative_to(REPO / "bi" / "queries"))[:-4]: p.read_text()
            for p in sorted((REPO / "bi" / "queries").rglob("*.sql"))}


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--database", default="warehouse_bench")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--login", default="bench_platform")
    p.add_argument("--tenant", default=None, help="make the login a tenant login of this tenant (RLS filters)")
    p.add_argument("--during-build", action="store_true",
                   help="load the marts while dbt rebuilds them (--full-refresh), for as long as the build takes")
    args = p.parse_args()
    import psycopg
    from orchestration.generator.load import pg_conninfo
    env = dict(os.environ, PGDATABASE=args.database)
    access = ["tenant-login", args.login, args.tenant] if args.tenant else ["platform-login", args.login]
    subprocess.run([str(BIN / "python"), "-m", "orchestration.cli", "access", *access],
                   env=env, check=True, capture_output=True)
    info = {**pg_conninfo(args.database), "user": args.login}
    with psycopg.connect(**info) as con:
        tenants = [r[0] for r in con.execute("select distinct tenant_id from marts.mrr_monthly")]
    pack = load_pack()
    params = {"since_month": AS_OF.replace(day=1) - timedelta(days=365), "since_day": AS_OF - timedelta(days=30)}
    timings = {name: [] for name in pack}
    errors = []
    stop = time.monotonic() + args.seconds
    build_done = threading.Event()

    def running() -> bool:
        return not build_done.is_set() if args.during_build else time.monotonic() < stop

    def client(seed):
        rng = random.Random(seed)
        names = list(pack)
        # autocommit, as a BI tool reads: a transaction left open would hold its tables' locks and
        # keep a rebuild from swapping them in
        with psycopg.connect(**info, autocommit=True) as con:
            while running():
                rng.shuffle(names)
                for name in names:
                    t0 = time.perf_counter()
                    try:
                        con.execute(pack[name], {**params, "tenant_id": rng.choice(tenants)}).fetchall()
                    except psycopg.Error as e:
                        errors.append(f"{name}: {e}")
                        continue
                    timings[name].append((time.perf_counter() - t0) * 1000)

    c0 = cpu_times()
    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for t in threads:
        t.start()
    if args.during_build:
        build = subprocess.run([str(BIN / "dbt"), "build", "--full-refresh", "--target", "postgres",
                                "--vars", "{as_of_date: '" + AS_OF.isoformat() + "'}"],
                               cwd=REPO, env=env, capture_output=True, text=True, check=False)
        build_done.set()
        args.seconds = time.monotonic() - started
        print(f"dbt build --full-refresh during the load: exit {build.returncode} in {args.seconds:.0f} s "
              f"({build.stdout.strip().splitlines()[-1] if build.stdout.strip() else 'no output'})")
    for t in threads:
        t.join()
    steal = steal_share(c0, cpu_times())
    total = sum(len(v) for v in timings.values())
    print(f"{args.clients} clients x {args.seconds:.0f} s on {args.database} as {args.login}: "
          f"{total:,} queries ({total / args.seconds:,.0f}/s), {len(errors)} errors, CPU steal {steal:.0%}")
    print("| query | runs | p50 (ms) | p95 (ms) | p99 (ms) |\n|---|---|---|---|---|")
    for name, values in timings.items():
        if values:
            print(f"| {name} | {len(values)} | {statistics.median(values):.1f} | {percentile(values, 0.95):.1f} | "
                  f"{percentile(values, 0.99):.1f} |")
    for e in errors[:5]:
        print("error:", e)


if __name__ == "__main__":
    main()
