"""The whole project on the local BigQuery emulator against DuckDB, on the same data, in one run.

    .venv/bin/python benchmarks/bigquery_emulator_build.py --tenants 2 --scale 0.01

Generates raw data (not timed), starts the emulator (tests/bigquery_emulator.py, with its
workarounds) on a free loopback port, lands the data on both engines, then times `dbt build`
(every model, seed, snapshot and data test; unit tests left out, as in the execute test) on
DuckDB, then on the emulator. Prints wall times, the ratio and the CPU steal during each. The
emulator's time is not BigQuery's: it runs every query on one local DuckDB over HTTP, with no
slots and no network. Asserts nothing.
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
from _cpu import cpu_times, steal_share  # noqa: E402
from bigquery_emulator import Emulator, client_env  # noqa: E402
BIN = Path(sys.executable).parent
AS_OF = "2026-11-21"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(env: dict, target: str, target_path: Path) -> tuple[float, float, int]:
    """`dbt build` without unit tests: (wall seconds, CPU steal share, nodes run)."""
    cmd = [str(BIN / "dbt"), "build", "--exclude", "resource_type:unit_test", "--target", target,
           "--target-path", str(target_path), "--vars", f"{{as_of_date: '{AS_OF}'}}"]
    t0, c0 = time.perf_counter(), cpu_times()
    proc = subprocess.run(cmd, check=False, cwd=REPO, env=env, capture_output=True, text=True)
    wall, steal = time.perf_counter() - t0, steal_share(c0, cpu_times())
    if proc.returncode != 0:
        sys.exit(f"dbt build --target {target} failed:\n{proc.stdout[-3000:]}")
    import json
    return wall, steal, len(json.loads((target_path / "run_results.json").read_text())["results"])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tenants", type=int, default=2)
    p.add_argument("--scale", type=float, default=0.01)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-bq-") as tmp_dir:
        tmp = Path(tmp_dir)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
        env.update(DBT_PROFILES_DIR=str(REPO / ".dbt"), DBT_SEND_ANONYMOUS_USAGE_STATS="false",
                   DBT_DUCKDB_PATH=str(tmp / "warehouse.duckdb"), DBT_LOG_PATH=str(tmp / "logs"))
        subprocess.run([str(BIN / "warehouse"), "generate", "--tenants", str(args.tenants), "--scale", str(args.scale),
                        "--seed", "42", "--as-of-date", AS_OF, "--target", "parquet", "--out", str(tmp / "raw"),
                        "--no-progress"], check=True, cwd=REPO, env=env)
        emulator = Emulator(free_port(), free_port(), tmp / "emulator.log").start()
        try:
            env.update(client_env(emulator.endpoint))
            os.environ.update(client_env(emulator.endpoint))
            from orchestration.generator.load import load_bigquery, load_duckdb
            load_duckdb(tmp / "raw", Path(env["DBT_DUCKDB_PATH"]), progress=False)
            t0 = time.perf_counter()
            load_bigquery(tmp / "raw", progress=False)
            bq_load = time.perf_counter() - t0
            duck = build(env, "duckdb", tmp / "duckdb_target")
            bq = build(env, "bigquery_emulator", tmp / "bq_target")
        finally:
            emulator.stop()
    print(f"tenants {args.tenants}, scale {args.scale}: BigQuery load {bq_load:.1f} s")
    print("| engine | nodes | dbt build (s) | CPU steal |")
    print("|---|---|---|---|")
    for name, (wall, steal, nodes) in (("DuckDB", duck), ("BigQuery emulator", bq)):
        print(f"| {name} | {nodes} | {wall:.1f} | {steal:.0%} |")
    print(f"ratio emulator / DuckDB: {bq[0] / duck[0]:.1f}")


if __name__ == "__main__":
    main()
