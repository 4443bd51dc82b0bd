"""What Dagster adds to a dbt build: plain `dbt build --full-refresh` against the same build run as
the Dagster dbt asset (dagster-dbt, in-process executor, events, checks and row-count metadata).

    .venv/bin/python benchmarks/dagster_overhead.py --scale 0.1 --rounds 2

Generates the data once (not timed), then alternates the two runs on the same DuckDB file. Prints
a markdown row for BENCHMARKS.md; asserts nothing.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from _cpu import cpu_times, steal_share  # noqa: E402
BIN = Path(sys.executable).parent
AS_OF = "2026-11-21"

DAGSTER_RUN = """
import dagster as dg
from orchestration.dagster_defs.dbt_assets import dbt_resource, warehouse_dbt
from orchestration.dagster_defs.warehouse import warehouse_from_env
result = dg.materialize([warehouse_dbt], resources={"dbt": dbt_resource(), "warehouse": warehouse_from_env()},
                        run_config={"ops": {"warehouse_dbt": {"config": {"full_refresh": True}}}},
                        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
assert result.success
"""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--scale", type=float, default=0.1)
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-dagster-"))
    try:
        shutil.copy(REPO / "profiles.yml.example", tmp / "profiles.yml")
        env = dict(os.environ, DBT_PROFILES_DIR=str(tmp), DBT_DUCKDB_PATH=str(tmp / "bench.duckdb"),
                   DBT_TARGET="duckdb", WAREHOUSE_AS_OF_DATE=AS_OF, DAGSTER_HOME=str(tmp))
        subprocess.run([str(BIN / "warehouse"), "generate", "--scale", str(args.scale), "--seed", "42",
                        "--as-of-date", AS_OF, "--target", "duckdb", "--no-progress"],
                       env=env, check=True, capture_output=True)
        plain = [str(BIN / "dbt"), "build", "--full-refresh", "--target", "duckdb", "--vars",
                 f"{{as_of_date: '{AS_OF}'}}"]
        dagster = [str(BIN / "python"), "-c", DAGSTER_RUN]
        times = {"dbt build": [], "Dagster": []}
        c0 = cpu_times()
        for _ in range(args.rounds):
            for name, cmd in (("dbt build", plain), ("Dagster", dagster)):
                t0 = time.perf_counter()
                subprocess.run(cmd, cwd=REPO, env=env, check=True, capture_output=True)
                times[name].append(time.perf_counter() - t0)
        steal = steal_share(c0, cpu_times())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    best = {k: min(v) for k, v in times.items()}
    print(f"| {args.scale} | {best['dbt build']:.1f} | {best['Dagster']:.1f} | "
          f"{best['Dagster'] / best['dbt build'] - 1:+.0%} | {args.rounds} | {steal:.0%} |")
    print("all runs (s):", {k: [round(x, 1) for x in v] for k, v in times.items()})


if __name__ == "__main__":
    main()
