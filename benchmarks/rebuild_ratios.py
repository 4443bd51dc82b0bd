"""A full run, a run with nothing new, a day's new data and `dbt build` with every test, in one run.

    .venv/bin/python benchmarks/rebuild_ratios.py --scale 1 --target duckdb
    .venv/bin/python benchmarks/rebuild_ratios.py --scale 1 --target postgres --out benchmarks/output/rebuild_pg_s1.json

On the same landed data, one after the other (so the ratios are taken under the same machine load):
1. the last day of loads of every raw table (`_loaded_at` within a day of the newest load) is moved
   aside into schema `holdback`;
2. `dbt run --full-refresh` of every model: the full run;
3. `dbt run` again with nothing new: what an engineer's second run or an hourly schedule pays;
4. the held-back day is landed, then `dbt run`: a day's new data, per model against its full run;
5. `dbt build --full-refresh` (models, seeds, snapshots and every test) against the full run.
Prints the wall times, the CPU steal and the ratios the speed targets are stated in; asserts nothing.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))
import faults  # noqa: E402
from _cpu import cpu_times, steal_share  # noqa: E402


BIN = Path(sys.executable).parent
AS_OF = "2026-11-21"


class Warehouse:
    """A read-write connection to the DuckDB file or the Postgres database, in autocommit."""

    def __init__(self, target: str, duckdb_path: Path, pg_database: str):
        if target == "duckdb":
            import duckdb
            self.con = duckdb.connect(str(duckdb_path))
        else:
            import psycopg

            from orchestration.generator.load import pg_conninfo
            self.con = psycopg.connect(**pg_conninfo(pg_database), autocommit=True)

    def execute(self, sql: str) -> None:
        self.con.execute(sql)

    def query(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()

    def close(self) -> None:
        self.con.close()


def raw_tables(wh) -> list[str]:
    rows = wh.query("select table_schema, table_name from information_schema.columns "
                    "where table_schema like 'raw%' and column_name = '_loaded_at' order by 1, 2")
    return [f"{s}.{t}" for s, t in rows]


def hold_back_last_day(wh) -> int:
    """The last day of loads of every raw table moved aside (the fault runner's holdback); rows held."""
    tables = tuple(raw_tables(wh))
    faults.hold_back(wh, tables, days=1)
    return sum(wh.query(f"select count(*) from holdback.{t.replace('.', '__')}")[0][0] for t in tables)


def timed_dbt(args: list[str], env: dict, target_path: Path) -> tuple[float, float, list[dict]]:
    t0, c0 = time.perf_counter(), cpu_times()
    done = subprocess.run([str(BIN / "dbt"), *args, "--target-path", str(target_path),
                           "--vars", f"{{as_of_date: '{AS_OF}'}}"],
                          cwd=REPO, env=env, capture_output=True, text=True, check=False)
    wall, steal = time.perf_counter() - t0, steal_share(c0, cpu_times())
    if done.returncode != 0:
        sys.exit(f"dbt {' '.join(args)} failed:\n{done.stdout[-3000:]}")
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    return wall, steal, results


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--scale", type=float, default=0.1)
    p.add_argument("--target", choices=["duckdb", "postgres"], default="duckdb")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--top", type=int, default=12)
    p.add_argument("--out", type=Path)
    p.add_argument("--keep-database", action="store_true",
                   help="Postgres: keep the built database (printed) for benchmarks/query_pack.py")
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-rebuild-"))
    report: dict = {"scale": args.scale, "target": args.target, "as_of_date": AS_OF}
    pg_db = f"warehouse_rebuild_{os.getpid()}"
    report["database"] = pg_db if args.target == "postgres" else None
    env = dict(os.environ, DBT_PROFILES_DIR=str(tmp), DBT_DUCKDB_PATH=str(tmp / "bench.duckdb"), PGDATABASE=pg_db)
    shutil.copy(REPO / "profiles.yml.example", tmp / "profiles.yml")
    target = tmp / "target"
    extra = ["--threads", str(args.threads)] if args.threads else []
    try:
        print(f"generating scale {args.scale} into {args.target} ...", flush=True)
        subprocess.run([str(BIN / "warehouse"), "generate", "--scale", str(args.scale), "--seed", "42",
                        "--as-of-date", AS_OF, "--target", args.target, "--no-progress"],
                       env=env, check=True, capture_output=True)
        wh = Warehouse(args.target, duckdb_path=tmp / "bench.duckdb", pg_database=pg_db)
        report["raw_rows"] = sum(wh.query(f"select count(*) from {t}")[0][0] for t in raw_tables(wh))
        report["held_back_rows"] = hold_back_last_day(wh)
        wh.close()
        subprocess.run([str(BIN / "dbt"), "seed", "--target", args.target, "--target-path", str(target)],
                       cwd=REPO, env=env, check=True, capture_output=True)
        steps = {}
        print("full run ...", flush=True)
        steps["full"] = timed_dbt(["run", "--full-refresh", "--target", args.target, *extra], env, target)
        print("run with nothing new ...", flush=True)
        steps["nothing_new"] = timed_dbt(["run", "--target", args.target, *extra], env, target)
        wh = Warehouse(args.target, duckdb_path=tmp / "bench.duckdb", pg_database=pg_db)
        faults.land_held_back(wh, tuple(raw_tables(wh)))
        wh.close()
        print("a day's new data ...", flush=True)
        steps["day"] = timed_dbt(["run", "--target", args.target, *extra], env, target)
        print("build with every test ...", flush=True)
        steps["build"] = timed_dbt(["build", "--full-refresh", "--target", args.target, *extra], env, target)
    finally:
        if args.target == "postgres" and not args.keep_database:
            subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", pg_db], check=False)
        shutil.rmtree(tmp, ignore_errors=True)

    full = steps["full"][0]
    if args.keep_database and args.target == "postgres":
        print(f"kept Postgres database {pg_db}")
    print(f"\nscale {args.scale}, {args.target}: {report['raw_rows']:,} raw rows, "
          f"{report['held_back_rows']:,} of them the last day's loads")
    print("| step | wall (s) | share of the full run | summed model time (s) | CPU steal |")
    print("|---|---|---|---|---|")
    for name, (wall, steal, results) in steps.items():
        models = [r for r in results if r["unique_id"].startswith("model.")]
        summed = sum(r["execution_time"] for r in models)
        print(f"| {name} | {wall:.1f} | {wall / full:.0%} | {summed:.1f} | {steal:.0%} |")
        others = [r for r in results if not r["unique_id"].startswith("model.")]
        report[name] = {"wall_s": wall, "steal": steal, "summed_model_s": summed,
                        "models": {r["unique_id"].split(".")[-1]: r["execution_time"] for r in models},
                        # tests, unit tests, seeds and snapshots: where `dbt build` spends beyond the models
                        "other_nodes": {r["unique_id"]: r["execution_time"] for r in others}}
    full_models, day_models = report["full"]["models"], report["day"]["models"]
    print(f"\nslowest {args.top} models in the full run, and the same model on a day's new data:")
    print("| model | full (s) | day (s) | day / full |")
    print("|---|---|---|---|")
    for name, secs in sorted(full_models.items(), key=lambda kv: -kv[1])[:args.top]:
        day = day_models.get(name, 0.0)
        print(f"| {name} | {secs:.2f} | {day:.2f} | {day / max(secs, 1e-9):.0%} |")
    others = report["build"]["other_nodes"]
    by_kind: dict[str, float] = {}
    for node, secs in others.items():
        by_kind[node.split(".")[0]] = by_kind.get(node.split(".")[0], 0.0) + secs
    print("\n`dbt build` beyond the models, summed: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(by_kind.items())))
    for node, secs in sorted(others.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"  {node}: {secs:.2f}s")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
