"""How generation and a full `dbt run` grow with the data: seconds and peak memory against raw rows.

    .venv/bin/python benchmarks/scale_curve.py                       # scales 0.1 1 3 10, DuckDB
    .venv/bin/python benchmarks/scale_curve.py --scales 0.1 1 3 --target postgres
    .venv/bin/python benchmarks/scale_curve.py --out benchmarks/output/scale_curve_duckdb

For each scale: `warehouse generate` straight into the engine (wall, peak RSS of the generator's
process, raw rows/s), `dbt seed`, then `dbt run` of every model (wall, peak RSS of the dbt
process, which is where DuckDB runs; on Postgres the server's memory is not the client's, so only
time is meaningful there). CPU steal and the load average are recorded for each step, since the
machine may be shared. Writes <out>.json and <out>.png (seconds and peak GB against raw rows,
log-log, with a line of slope 1 through the first point: linear growth). Asserts nothing.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from _cpu import cpu_times, steal_share  # noqa: E402
BIN = Path(sys.executable).parent
AS_OF = "2026-11-21"


def timed(cmd: list[str], env: dict) -> dict:
    """Run under GNU time: wall seconds, peak RSS (GB) of the process, CPU steal, load average."""
    t0, c0 = time.perf_counter(), cpu_times()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], check=False, cwd=REPO, env=env, capture_output=True, text=True)
    wall, steal = time.perf_counter() - t0, steal_share(c0, cpu_times())
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    peak_kb = int(proc.stderr.strip().splitlines()[-1])
    return {"seconds": round(wall, 1), "peak_gb": round(peak_kb / 1024 ** 2, 2), "steal": round(steal, 3),
            "load_average": os.getloadavg()[0], "stdout": proc.stdout}


def one_scale(scale: float, target: str, tmp: Path) -> dict:
    env = dict(os.environ, DBT_PROFILES_DIR=str(tmp), DBT_DUCKDB_PATH=str(tmp / f"scale_{scale}.duckdb"))
    if target == "postgres":
        env["PGDATABASE"] = f"warehouse_scale_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        subprocess.run(["psql", "-qc", f'create database "{env["PGDATABASE"]}"', "postgres"], check=True, env=env)
    try:
        print(f"scale {scale}: generate ...", flush=True)
        gen = timed([str(BIN / "warehouse"), "generate", "--scale", str(scale), "--seed", "42",
                     "--as-of-date", AS_OF, "--target", target, "--no-progress"], env)
        rows = int(re.search(r"generated ([\d,]+) raw rows", gen.pop("stdout")).group(1).replace(",", ""))
        subprocess.run([str(BIN / "dbt"), "seed", "--target", target, "--target-path", str(tmp / "target")],
                       cwd=REPO, env=env, check=True, capture_output=True)
        print(f"scale {scale}: {rows:,} raw rows; dbt run ...", flush=True)
        run = timed([str(BIN / "dbt"), "run", "--target", target, "--target-path", str(tmp / "target"),
                     "--vars", f"{{as_of_date: '{AS_OF}'}}"], env)
        run.pop("stdout")
        print(f"scale {scale}: generate {gen['seconds']} s ({gen['peak_gb']} GB), "
              f"dbt run {run['seconds']} s ({run['peak_gb']} GB)", flush=True)
        return {"scale": scale, "raw_rows": rows, "generate": gen, "dbt_run": run}
    finally:
        if target == "postgres":
            subprocess.run(["psql", "-qc", f'drop database if exists "{env["PGDATABASE"]}"', "postgres"], check=False, env=env)
        for path in tmp.glob(f"scale_{scale}.duckdb*"):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink()


def plot(points: list[dict], target: str, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = [p["raw_rows"] for p in points]
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label in (("dbt_run", "dbt run"), ("generate", "generate")):
        secs = [p[key]["seconds"] for p in points]
        ax_t.plot(rows, secs, "o-", label=label)
        ax_t.plot(rows, [secs[0] * r / rows[0] for r in rows], ":", color="grey", linewidth=1)
        if target == "duckdb" or key == "generate":
            ax_m.plot(rows, [p[key]["peak_gb"] for p in points], "o-", label=label)
    ax_t.set(xscale="log", yscale="log", xlabel="raw rows", ylabel="seconds",
             title=f"Time ({target}); dotted: linear from the first point")
    ax_m.set(xscale="log", xlabel="raw rows", ylabel="peak RSS, GB", title="Peak memory of the process")
    for ax in (ax_t, ax_m):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--scales", type=float, nargs="+", default=[0.1, 1, 3, 10])
    p.add_argument("--target", choices=["duckdb", "postgres"], default="duckdb")
    p.add_argument("--out", type=Path, default=REPO / "benchmarks" / "output" / "scale_curve")
    p.add_argument("--plot-only", action="store_true", help="redraw <out>.png and the table from <out>.json")
    args = p.parse_args()
    points = json.loads(args.out.with_suffix(".json").read_text()) if args.plot_only else []
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        shutil.copy(REPO / "profiles.yml.example", tmp / "profiles.yml")
        for scale in [] if args.plot_only else args.scales:
            points.append(one_scale(scale, args.target, tmp))
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.with_suffix(".json").write_text(json.dumps(points, indent=1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    plot(points, args.target, args.out.with_suffix(".png"))
    print(f"\n{args.target}: | scale | raw rows | generate s | gen. peak GB | gen. rows/s | dbt run s | "
          "run peak GB | raw rows/s | steal | load avg |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for pt in points:
        g, r = pt["generate"], pt["dbt_run"]
        print(f"| {pt['scale']} | {pt['raw_rows']:,} | {g['seconds']} | {g['peak_gb']} | "
              f"{pt['raw_rows'] / g['seconds']:,.0f} | {r['seconds']} | {r['peak_gb']} | "
              f"{pt['raw_rows'] / r['seconds']:,.0f} | {r['steal']:.0%} | {r['load_average']:.1f} |")
    first = points[0]
    for pt in points[1:]:
        growth = (pt["dbt_run"]["seconds"] / first["dbt_run"]["seconds"]) / (pt["raw_rows"] / first["raw_rows"])
        print(f"scale {pt['scale']}: time grew {growth:.2f} x as fast as the rows (1 = linear)")
    print(f"wrote {args.out.with_suffix('.json')} and {args.out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
