"""What messaging costs in a build, and what a day of it costs incrementally.

    .venv/bin/python benchmarks/messaging_build.py --scale 1 --target duckdb
    .venv/bin/python benchmarks/messaging_build.py --scale 1 --target postgres

Generates raw data (not timed), holds back every raw_messaging row loaded in the day before the
as-of date, lands the rest and runs `dbt run` of every model (wall and summed model time), then
the messaging models alone from scratch (--full-refresh), then lands the held-back day and runs
the messaging models incrementally, then once more with nothing new. Prints the messaging models'
share of the full run and the incremental day (and the run with nothing new) as a share of the
messaging full build, all taken in this one run, with the CPU steal seen during each timing.
Asserts nothing.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(REPO))
from _cpu import cpu_times, steal_share  # noqa: E402
from dbt_build import land  # noqa: E402  (the same landing as the full-build benchmark)
BIN = Path(sys.executable).parent
AS_OF = "2026-11-21"
MESSAGING = ["path:models/staging/messaging", "path:models/intermediate/messaging", "path:models/marts/messaging"]


def dbt(env: dict, tmp: Path, target: str, *args) -> tuple[float, float, list[dict]]:
    """Run a dbt command; (wall seconds, CPU steal share, run results)."""
    cmd = [str(BIN / "dbt"), *args, "--target", target, "--target-path", str(tmp / "target"),
           "--vars", f"{{as_of_date: '{AS_OF}'}}"]
    t0, c0 = time.perf_counter(), cpu_times()
    proc = subprocess.run(cmd, check=False, cwd=REPO, env=env, capture_output=True, text=True)
    wall, steal = time.perf_counter() - t0, steal_share(c0, cpu_times())
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{proc.stdout[-3000:]}")
    return wall, steal, json.loads((tmp / "target" / "run_results.json").read_text())["results"]


def messaging_ids(tmp: Path) -> set[str]:
    manifest = json.loads((tmp / "target" / "manifest.json").read_text())
    return {uid for uid, node in manifest["nodes"].items()
            if node["resource_type"] == "model" and "/messaging/" in node["original_file_path"]}


def hold_back_last_day(raw: Path) -> dict:
    """Remove from every raw_messaging table what was loaded in the day before AS_OF; return it."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    cutoff = datetime.fromisoformat(AS_OF) - timedelta(days=1)
    held = {}
    for path in sorted((raw / "raw_messaging").glob("*.parquet")):
        table = pq.read_table(path)
        first = pc.less_equal(table["_loaded_at"], cutoff)
        pq.write_table(table.filter(first), path)
        held[path.stem] = table.filter(pc.invert(first))
    return held


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--scale", type=float, default=0.1)
    p.add_argument("--target", choices=["duckdb", "postgres"], default="duckdb")
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-messaging-"))
    try:
        shutil.copy(REPO / "profiles.yml.example", tmp / "profiles.yml")
        env = dict(os.environ, DBT_PROFILES_DIR=str(tmp), DBT_DUCKDB_PATH=str(tmp / "bench.duckdb"))
        env.setdefault("PGDATABASE", f"warehouse_bench_messaging_{os.getpid()}")
        raw = tmp / "raw"
        print(f"generating scale {args.scale} ...", flush=True)
        subprocess.run([str(BIN / "warehouse"), "generate", "--scale", str(args.scale), "--seed", "42",
                        "--as-of-date", AS_OF, "--target", "parquet", "--out", str(raw), "--no-progress"],
                       env=env, check=True, capture_output=True)
        held = hold_back_last_day(raw)
        land(args.target, raw, env)
        dbt(env, tmp, args.target, "seed")
        print("full run of every model ...", flush=True)
        full_wall, full_steal, full = dbt(env, tmp, args.target, "run")
        ids = messaging_ids(tmp)
        print("messaging models from scratch ...", flush=True)
        msg_wall, msg_steal, msg_full = dbt(env, tmp, args.target, "run", "--full-refresh", "--select", *MESSAGING)
        from orchestration.generator.load import append_rows
        for table, rows in held.items():
            append_rows(rows, "raw_messaging", table, Path(env["DBT_DUCKDB_PATH"]) if args.target == "duckdb" else None,
                        env["PGDATABASE"])
        print("the held-back day, incrementally ...", flush=True)
        inc_wall, inc_steal, inc = dbt(env, tmp, args.target, "run", "--select", *MESSAGING)
        print("again, with nothing new ...", flush=True)
        none_wall, none_steal, none_new = dbt(env, tmp, args.target, "run", "--select", *MESSAGING)
    finally:
        if args.target == "postgres":
            from orchestration.generator.load import pg_conninfo
            import psycopg
            with psycopg.connect(**pg_conninfo("postgres"), autocommit=True) as con:
                con.execute(f'drop database if exists "{env["PGDATABASE"]}" with (force)')
        shutil.rmtree(tmp, ignore_errors=True)

    def summed(results):
        return sum(r["execution_time"] for r in results)

    in_full = [r for r in full if r["unique_id"] in ids]
    held_rows = sum(t.num_rows for t in held.values())
    print(f"\nscale {args.scale}, {args.target}; held back and landed: {held_rows:,} messaging rows (the last day)")
    print("| run | wall (s) | summed model time (s) | CPU steal |")
    print("|---|---|---|---|")
    print(f"| every model | {full_wall:.1f} | {summed(full):.1f} | {full_steal:.0%} |")
    print(f"| of which messaging ({len(in_full)} models) | | {summed(in_full):.1f} | |")
    print(f"| messaging models, --full-refresh | {msg_wall:.1f} | {summed(msg_full):.1f} | {msg_steal:.0%} |")
    print(f"| messaging models, the day incrementally | {inc_wall:.1f} | {summed(inc):.1f} | {inc_steal:.0%} |")
    print(f"| messaging models, again with nothing new | {none_wall:.1f} | {summed(none_new):.1f} | {none_steal:.0%} |")
    print(f"\nmessaging share of the full run (summed model time): {summed(in_full) / summed(full):.0%}")
    print(f"incremental day / messaging full build: {summed(inc) / summed(msg_full):.0%} summed, "
          f"{inc_wall / msg_wall:.0%} wall")
    # what a run costs when nothing landed (dbt's work per model, the tables rebuilt from all history):
    # the part of the day's share that the day's rows do not cause
    print(f"nothing new / messaging full build: {summed(none_new) / summed(msg_full):.0%} summed")
    inc_by = {r["unique_id"]: r["execution_time"] for r in inc}
    none_by = {r["unique_id"]: r["execution_time"] for r in none_new}
    print("\nmessaging models, full-refresh / the day / nothing new (s):")
    for r in sorted(msg_full, key=lambda r: -r["execution_time"]):
        print(f"  {r['unique_id'].split('.')[-1]}: {r['execution_time']:.2f} / {inc_by.get(r['unique_id'], 0):.2f}"
              f" / {none_by.get(r['unique_id'], 0):.2f}")


if __name__ == "__main__":
    main()
