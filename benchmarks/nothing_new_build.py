"""`warehouse build` with nothing new, against the full build before it and a plain second `dbt build`.

    .venv/bin/python benchmarks/nothing_new_build.py --scale 0.1
    .venv/bin/python benchmarks/nothing_new_build.py --scale 1 --out benchmarks/output/nothing_new_s1.json

On one generated DuckDB warehouse, one after the other:
1. `warehouse build --all`: the full build (models, seeds, snapshots, every test);
2. `warehouse build` again with nothing new: reads the record of step 1 and starts no dbt;
3. `dbt build` again with nothing new: what a second build cost before the record existed (every
   table model rebuilt, every test run);
4. one raw table gets a few new rows (a new version of five opportunities), then
   `warehouse build`: only what that table feeds.
Prints the wall times and their share of the full build; asserts only that each step took the path
its first line names.
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
BIN = Path(sys.executable).parent
AS_OF = "2026-11-21"


def timed(cmd: list[str], env: dict, expect: str | None = None) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    if expect is not None and not done.stdout.startswith(f"warehouse build: {expect}"):
        sys.exit(f"{' '.join(cmd)}: expected '{expect}', got: {done.stdout.splitlines()[0]}")
    return wall


def append_new_versions(db_path: Path) -> None:
    """Five opportunities again, with a doubled amount and a later update and load: a loader's next batch."""
    import duckdb

    from orchestration.generator.load import append_rows
    con = duckdb.connect(str(db_path), read_only=True)
    cols = [d[0] for d in con.execute("select * from raw_crm.opportunities limit 0").description]
    batch = con.sql("select * replace (amount * 2 as amount, updated_at + interval 1 hour as updated_at, "
                    "_loaded_at + interval 1 day as _loaded_at) from raw_crm.opportunities "
                    "where stage not in ('closed_won', 'closed_lost') order by id limit 5").to_arrow_table()
    con.close()
    append_rows(batch.select(cols), "raw_crm", "opportunities", db_path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--scale", type=float, default=0.1)
    p.add_argument("--tenants", type=int, default=3)
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-nothing-new-"))
    db = tmp / "bench.duckdb"
    env = dict(os.environ, DBT_PROFILES_DIR=str(tmp), DBT_DUCKDB_PATH=str(db), DBT_TARGET_PATH=str(tmp / "target"),
               DBT_LOG_PATH=str(tmp / "logs"))
    shutil.copy(REPO / "profiles.yml.example", tmp / "profiles.yml")
    build = [str(BIN / "warehouse"), "build", "--as-of-date", AS_OF]
    steps = {}
    try:
        print(f"generating scale {args.scale}, {args.tenants} tenants ...", flush=True)
        subprocess.run([str(BIN / "warehouse"), "generate", "--scale", str(args.scale), "--tenants",
                        str(args.tenants), "--seed", "42", "--as-of-date", AS_OF, "--no-progress"],
                       env=env, check=True, capture_output=True)
        print("full build ...", flush=True)
        steps["full build (warehouse build --all)"] = timed([*build, "--all"], env, "building everything")
        print("warehouse build with nothing new ...", flush=True)
        steps["warehouse build, nothing new"] = timed(build, env, "nothing new")
        print("dbt build with nothing new ...", flush=True)
        steps["dbt build, nothing new"] = timed([str(BIN / "dbt"), "build", "--vars", f"{{as_of_date: '{AS_OF}'}}"],
                                                env)
        print("warehouse build after dbt build (no record: everything) is not timed; "
              "new rows in one raw table ...", flush=True)
        timed(build, env, "building everything")
        append_new_versions(db)
        steps["warehouse build, 5 new rows in raw_crm.opportunities"] = timed(build, env, "building what 1")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    full = steps["full build (warehouse build --all)"]
    print(f"\nscale {args.scale}, {args.tenants} tenants, DuckDB")
    print("| step | wall (s) | share of the full build |")
    print("|---|---|---|")
    for name, wall in steps.items():
        print(f"| {name} | {wall:.1f} | {wall / full:.1%} |")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"scale": args.scale, "tenants": args.tenants, "steps_s": steps}, indent=1))


if __name__ == "__main__":
    main()
