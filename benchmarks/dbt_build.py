"""Time a full `dbt run` on generated data: total and per layer / per model, from run_results.json.

    .venv/bin/python benchmarks/dbt_build.py --scale 1 --target duckdb
    .venv/bin/python benchmarks/dbt_build.py --scale 1 --target postgres --top 10
    .venv/bin/python benchmarks/dbt_build.py --scale 1 --target duckdb --clickstream-increment

Generates the data first (not timed here; see benchmarks/generator.py). Prints
markdown rows for BENCHMARKS.md; asserts nothing.

--clickstream-increment holds back the clickstream loaded in the last day
before the as-of date, runs everything, then lands that day and times the
incremental run of the clickstream models (what the hourly job does).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from _cpu import cpu_times, steal_share  # noqa: E402
BIN = Path(sys.executable).parent
AS_OF = "2026-11-21"
CLICKSTREAM = ["base_commerce__web_events", "stg_commerce__web_events", "quarantine_commerce__web_events",
               "int_web_sessions", "web_funnel_daily"]
COMMERCE_MODELS = ("int_orders_enriched", "int_customer_paid_months", "int_web_sessions", "int_paid_order_lines",
                   "int_tenant_daily", "int_marketing", "fct_orders", "cohort_", "customer_rfm", "rfm_", "web_funnel",
                   "product_perf", "category_perf", "basket_", "period_kpis", "executive_kpis", "cac_")
REVENUE_MODELS = ("util_months", "int_invoice_lines", "int_mrr_lines", "int_customer_mrr", "fct_mrr", "mrr_",
                  "revenue_", "fct_customer_churn")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--scale", type=float, default=0.1)
    p.add_argument("--target", choices=["duckdb", "postgres"], default="duckdb")
    p.add_argument("--top", type=int, default=5, help="slowest models to list")
    p.add_argument("--select", default=None)
    p.add_argument("--clickstream-increment", action="store_true")
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-dbt-"))
    try:
        shutil.copy(REPO / "profiles.yml.example", tmp / "profiles.yml")
        env = dict(os.environ, DBT_PROFILES_DIR=str(tmp), DBT_DUCKDB_PATH=str(tmp / "bench.duckdb"))
        env.setdefault("PGDATABASE", "warehouse_bench")
        raw = tmp / "raw"
        subprocess.run([str(BIN / "warehouse"), "generate", "--scale", str(args.scale), "--seed", "42",
                        "--as-of-date", AS_OF, "--target", "parquet", "--out", str(raw), "--no-progress"],
                       env=env, check=True, capture_output=True)
        held_back = hold_back_last_day(raw) if args.clickstream_increment else None
        land(args.target, raw, env)
        cmd = [str(BIN / "dbt"), "run", "--target", args.target, "--target-path", str(tmp / "target"),
               "--vars", "{as_of_date: '2026-11-21'}"]
        subprocess.run([str(BIN / "dbt"), "seed", "--target", args.target, "--target-path", str(tmp / "target")],
                       cwd=REPO, env=env, check=True, capture_output=True)
        if args.select:
            cmd += ["--select", args.select]
        t0, c0 = time.perf_counter(), cpu_times()
        subprocess.run(cmd, cwd=REPO, env=env, check=True, capture_output=True)
        wall, steal = time.perf_counter() - t0, steal_share(c0, cpu_times())
        results = json.loads((tmp / "target" / "run_results.json").read_text())["results"]
        if held_back is not None:
            append_web_events(args.target, held_back, env)
            inc = [str(BIN / "dbt"), "run", "--target", args.target, "--target-path", str(tmp / "target"),
                   "--vars", f"{{as_of_date: '{AS_OF}'}}", "--select", *CLICKSTREAM]
            t0 = time.perf_counter()
            subprocess.run(inc, cwd=REPO, env=env, check=True, capture_output=True)
            inc_wall = time.perf_counter() - t0
            inc_results = json.loads((tmp / "target" / "run_results.json").read_text())["results"]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    by_layer = defaultdict(float)
    for r in results:
        name = r["unique_id"].split(".")[-1]
        layer = name.split("_")[0] if name.split("_")[0] in ("base", "stg", "quarantine", "int", "fct", "dim") else "marts"
        by_layer[layer] += r["execution_time"]
    print(f"scale {args.scale}, {args.target}: dbt run wall {wall:.1f}s, {len(results)} models, "
          f"CPU steal {steal:.0%}")
    print("| layer | models' summed execution time (s) |")
    print("|---|---|")
    for layer, secs in sorted(by_layer.items(), key=lambda kv: -kv[1]):
        print(f"| {layer} | {secs:.1f} |")
    revenue = [r for r in results if r["unique_id"].split(".")[-1].startswith(REVENUE_MODELS)]
    total = sum(r["execution_time"] for r in results)
    rev_total = sum(r["execution_time"] for r in revenue)
    print(f"\nrevenue models ({len(revenue)}): {rev_total:.1f}s of {total:.1f}s summed model time "
          f"({rev_total / max(total, 1e-9):.0%})")
    for r in sorted(revenue, key=lambda r: -r["execution_time"]):
        print(f"  {r['unique_id'].split('.')[-1]}: {r['execution_time']:.2f}s")
    commerce = [r for r in results if r["unique_id"].split(".")[-1].startswith(COMMERCE_MODELS)
                or r["unique_id"].split(".")[-1] in CLICKSTREAM]
    com_total = sum(r["execution_time"] for r in commerce)
    print(f"\ncommerce models ({len(commerce)}): {com_total:.1f}s of {total:.1f}s summed model time")
    for r in sorted(commerce, key=lambda r: -r["execution_time"]):
        print(f"  {r['unique_id'].split('.')[-1]}: {r['execution_time']:.2f}s")
    if held_back is not None:
        print(f"\nincremental clickstream run after landing {held_back.num_rows:,} events "
              f"(the last day's loads): wall {inc_wall:.1f}s")
        for r in inc_results:
            print(f"  {r['unique_id'].split('.')[-1]}: {r['execution_time']:.2f}s")
    print(f"\nslowest {args.top}:")
    for r in sorted(results, key=lambda r: -r["execution_time"])[:args.top]:
        print(f"  {r['unique_id'].split('.')[-1]}: {r['execution_time']:.2f}s")


def hold_back_last_day(raw: Path):
    """Remove from the raw web events what was loaded in the day before AS_OF; return it."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from datetime import datetime, timedelta
    path = raw / "raw_commerce" / "web_events.parquet"
    events = pq.read_table(path)
    cutoff = datetime.fromisoformat(AS_OF) - timedelta(days=1)
    first = pc.less_equal(events["_loaded_at"], cutoff)
    pq.write_table(events.filter(first), path)
    return events.filter(pc.invert(first))


def land(target: str, raw: Path, env: dict) -> None:
    from orchestration.generator.load import ensure_pg_database, load_duckdb, load_postgres
    if target == "duckdb":
        load_duckdb(raw, Path(env["DBT_DUCKDB_PATH"]), progress=False)
        return
    os.environ["PGDATABASE"] = env["PGDATABASE"]
    ensure_pg_database()
    load_postgres(raw, progress=False)


def append_web_events(target: str, table, env: dict) -> None:
    from orchestration.generator.load import append_rows
    append_rows(table, "raw_commerce", "web_events",
                Path(env["DBT_DUCKDB_PATH"]) if target == "duckdb" else None, env["PGDATABASE"])


if __name__ == "__main__":
    main()
