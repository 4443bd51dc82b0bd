"""Generator benchmark: generate + load into DuckDB (or Postgres) at a scale; rows/s, seconds, peak memory.

    .venv/bin/python benchmarks/generator.py --scale 1 --target duckdb --workers 1 2

Runs the real CLI in a child process once per --workers value (tenants simulated at once, each in
its own process), one after the other on the same arguments, so the speed-up is a ratio taken in one
run. Peak memory is the summed resident set of the CLI and its worker processes (benchmarks/_memory.py).
Figures go to BENCHMARKS.md by hand; nothing here asserts a time.
"""
import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from _cpu import cpu_times, steal_share  # noqa: E402
from _memory import run_sampled  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--scale", type=float, default=0.1)
    p.add_argument("--tenants", type=int, default=3)
    p.add_argument("--target", choices=["duckdb", "postgres"], default="duckdb")
    p.add_argument("--workers", type=int, nargs="+", default=[os.cpu_count() or 1])
    args = p.parse_args()
    print("| scale | target | workers | raw rows | generate (s) | total (s) | rows/s (total) | peak memory (MB) "
          "| CPU steal |")
    print("|---|---|---|---|---|---|---|---|---|")
    for workers in args.workers:
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, DBT_DUCKDB_PATH=str(Path(tmp) / "bench.duckdb"))
            if args.target == "postgres":
                env.setdefault("PGDATABASE", f"warehouse_bench_{os.getpid()}")
            cmd = [str(Path(sys.executable).parent / "warehouse"), "generate", "--tenants", str(args.tenants),
                   "--scale", str(args.scale), "--seed", "42", "--as-of-date", "2026-11-21",
                   "--target", args.target, "--workers", str(workers), "--no-progress"]
            t0, c0 = time.perf_counter(), cpu_times()
            proc, peak = run_sampled(cmd, env=env)
            seconds, steal = time.perf_counter() - t0, steal_share(c0, cpu_times())
            if proc.returncode != 0:
                sys.exit(proc.stderr)
        rows = int(re.search(r"generated ([\d,]+) raw rows", proc.stdout).group(1).replace(",", ""))
        gen_s = float(re.search(r"in ([\d.]+)s", proc.stdout).group(1))
        print(f"| {args.scale} | {args.target} | {workers} | {rows:,} | {gen_s:.1f} | {seconds:.1f} | "
              f"{rows / seconds:,.0f} | {peak / 2 ** 20:,.0f} | {steal:.0%} |", flush=True)


if __name__ == "__main__":
    main()
