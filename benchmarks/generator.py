"""Generator benchmark: generate + load into DuckDB (or Postgres) at a scale; rows/s, seconds, peak RSS.

    .venv/bin/python benchmarks/generator.py --scale 1 --target duckdb

Runs the real CLI in a child process and reads its peak RSS from the OS.
Figures go to BENCHMARKS.md by hand; nothing here asserts a time.
"""
import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from _cpu import cpu_times, steal_share  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--scale", type=float, default=0.1)
    p.add_argument("--tenants", type=int, default=3)
    p.add_argument("--target", choices=["duckdb", "postgres"], default="duckdb")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, DBT_DUCKDB_PATH=str(Path(tmp) / "bench.duckdb"))
        if args.target == "postgres":
            env.setdefault("PGDATABASE", "warehouse_bench")
        cmd = [str(Path(sys.executable).parent / "warehouse"), "generate", "--tenants", str(args.tenants),
               "--scale", str(args.scale), "--seed", "42", "--as-of-date", "2026-11-21",
               "--target", args.target, "--no-progress"]
        t0, c0 = time.perf_counter(), cpu_times()
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
        seconds, steal = time.perf_counter() - t0, steal_share(c0, cpu_times())
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rows = int(re.search(r"generated ([\d,]+) raw rows", out).group(1).replace(",", ""))
    gen_s = float(re.search(r"in ([\d.]+)s", out).group(1))
    print(f"| {args.scale} | {args.target} | {rows:,} | {gen_s:.1f} | {seconds:.1f} | "
          f"{rows / seconds:,.0f} | {peak_mb:,.0f} | {steal:.0%} |")


if __name__ == "__main__":
    main()
