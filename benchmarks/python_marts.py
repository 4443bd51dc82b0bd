"""The marts Python computes: `warehouse forecast` (the forecasts, then the churn scores) on a built
DuckDB warehouse; wall seconds of each part and of the whole, CPU seconds, peak RSS, and how busy the
shared machine was (load average, CPU steal).

    .venv/bin/python benchmarks/python_marts.py --duckdb-path scale1.duckdb --as-of-date 2026-11-21

The warehouse must be built first (generate, then dbt build or run with the same as_of_date). Runs the
real CLI in a child process; the forecast part ends when its summary line is printed. The tables it
writes replace those of an earlier run. Figures go to BENCHMARKS.md by hand; nothing here asserts a time.
"""
import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _cpu import cpu_times, steal_share


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--duckdb-path", type=Path, required=True)
    p.add_argument("--as-of-date", required=True)
    args = p.parse_args()
    cmd = [str(Path(sys.executable).parent / "warehouse"), "forecast", "--target", "duckdb",
           "--duckdb-path", str(args.duckdb_path), "--as-of-date", args.as_of_date]
    load_before = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), cpu_times()
    forecast_done = None
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as proc:
        for line in proc.stdout:
            print(line, end="")
            if line.startswith("forecast as of "):
                forecast_done = time.perf_counter() - t0
    seconds, steal = time.perf_counter() - t0, steal_share(c0, cpu_times())
    if proc.returncode:
        raise SystemExit(proc.returncode)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"whole: {seconds:.1f} s wall, {usage.ru_utime + usage.ru_stime:.1f} s CPU, "
          f"{usage.ru_maxrss / 1024:,.0f} MB peak; forecasts {forecast_done:.1f} s, churn scores "
          f"{seconds - forecast_done:.1f} s; load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after; CPU steal {steal:.0%}")


if __name__ == "__main__":
    main()
