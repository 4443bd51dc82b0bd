"""Profile a full `dbt run` against the engine's floor, all in one run on the same data.

    .venv/bin/python benchmarks/build_profile.py --scale 1
    .venv/bin/python benchmarks/build_profile.py --scale 1 --raw /tmp/raw --out benchmarks/output/profile_s1.json

DuckDB. Generates raw data (not timed; --raw reuses a generated Parquet directory), lands it, seeds,
then measures, each on its own copy of the landed database file:
1. the floor: one pass over every raw table (count and a sum of _loaded_at per table);
2. `dbt run` of every model: wall, CPU steal, each model's time, rows out (counted after the run)
   and rows in (the rows of the tables and sources it reads);
3. the same compiled SQL run bare: every model's compiled select as `create table` (views as
   views), in the order dbt ran them, on one connection, without dbt. dbt's own cost is the
   difference between 2 and 3.
Prints a summary and the slowest models, writes everything as JSON with --out. Asserts nothing.
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
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(REPO))
from _cpu import cpu_times, steal_share  # noqa: E402
BIN = Path(sys.executable).parent
AS_OF = "2026-11-21"
DB_NAME = "profile.duckdb"        # the catalog name in the compiled SQL; every copy keeps it


def timed(fn):
    t0, c0 = time.perf_counter(), cpu_times()
    out = fn()
    return time.perf_counter() - t0, steal_share(c0, cpu_times()), out


def raw_floor(db: Path) -> tuple[int, float]:
    """One pass over every raw table: (rows, seconds)."""
    import duckdb
    con = duckdb.connect(str(db), read_only=True)
    tables = con.execute("select table_schema, table_name from information_schema.tables "
                         "where table_schema like 'raw_%' order by 1, 2").fetchall()
    rows, t0 = 0, time.perf_counter()
    for schema, table in tables:
        n, _ = con.execute(f'select count(*), sum(epoch(_loaded_at)) from "{schema}"."{table}"').fetchall()[0]
        rows += n
    return rows, time.perf_counter() - t0


def bare_run(db: Path, target: Path, results: list[dict]) -> tuple[float, dict]:
    """The compiled select of every model, in the order dbt ran them, as plain DDL on one connection."""
    import duckdb
    manifest = json.loads((target / "manifest.json").read_text())
    con = duckdb.connect(str(db))
    per_model, t_all = {}, time.perf_counter()
    for r in sorted(results, key=lambda r: r["timing"][0]["started_at"] if r["timing"] else ""):
        node = manifest["nodes"].get(r["unique_id"])
        if not node or node["resource_type"] != "model":
            continue
        compiled = (target / "compiled" / "warehouse" / node["original_file_path"]).read_text()
        kind = "view" if node["config"]["materialized"] == "view" else "table"
        con.execute(f'create schema if not exists "{node["schema"]}"')
        t0 = time.perf_counter()
        con.execute(f'create or replace {kind} "{node["schema"]}"."{node["alias"]}" as {compiled}')
        per_model[node["name"]] = time.perf_counter() - t0
    return time.perf_counter() - t_all, per_model


def rows_of(db: Path, manifest: dict) -> dict[str, int]:
    import duckdb
    con = duckdb.connect(str(db), read_only=True)
    counts = {}
    for uid, node in list(manifest["nodes"].items()) + list(manifest["sources"].items()):
        if node["resource_type"] not in ("model", "source", "seed"):
            continue
        name = node.get("alias") or node.get("identifier") or node["name"]
        try:
            counts[uid] = con.execute(f'select count(*) from "{node["schema"]}"."{name}"').fetchall()[0][0]
        except duckdb.Error:
            counts[uid] = None
    return counts


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--scale", type=float, default=0.1)
    p.add_argument("--raw", type=Path, help="a generated Parquet directory to reuse (else one is generated)")
    p.add_argument("--threads", type=int, default=None, help="dbt threads (default: the profile's)")
    p.add_argument("--top", type=int, default=12)
    p.add_argument("--out", type=Path, help="write the whole profile as JSON here")
    args = p.parse_args()
    from orchestration.generator.load import load_duckdb
    tmp = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    try:
        shutil.copy(REPO / "profiles.yml.example", tmp / "profiles.yml")
        landed = tmp / "landed" / DB_NAME
        landed.parent.mkdir()
        env = dict(os.environ, DBT_PROFILES_DIR=str(tmp), DBT_DUCKDB_PATH=str(landed))
        if args.threads:
            env["DBT_THREADS"] = str(args.threads)
        raw = args.raw
        if raw is None:
            raw = tmp / "raw"
            print(f"generating scale {args.scale} ...", flush=True)
            subprocess.run([str(BIN / "warehouse"), "generate", "--scale", str(args.scale), "--seed", "42",
                            "--as-of-date", AS_OF, "--target", "parquet", "--out", str(raw), "--no-progress"],
                           env=env, check=True, capture_output=True)
        print("landing and seeding ...", flush=True)
        load_duckdb(raw, landed, progress=False)
        target = tmp / "target"
        subprocess.run([str(BIN / "dbt"), "seed", "--target", "duckdb", "--target-path", str(target)],
                       cwd=REPO, env=env, check=True, capture_output=True)

        print("floor: one pass over every raw table ...", flush=True)
        raw_rows, floor_s = raw_floor(landed)

        dbt_db = tmp / "dbt" / DB_NAME
        dbt_db.parent.mkdir()
        shutil.copy(landed, dbt_db)
        print("dbt run ...", flush=True)
        cmd = [str(BIN / "dbt"), "run", "--target", "duckdb", "--target-path", str(target),
               "--vars", f"{{as_of_date: '{AS_OF}'}}"]
        dbt_wall, dbt_steal, proc = timed(lambda: subprocess.run(
            cmd, check=False, cwd=REPO, env=dict(env, DBT_DUCKDB_PATH=str(dbt_db)), capture_output=True, text=True))
        if proc.returncode != 0:
            sys.exit(f"dbt run failed:\n{proc.stdout[-3000:]}")
        results = json.loads((target / "run_results.json").read_text())["results"]
        manifest = json.loads((target / "manifest.json").read_text())

        bare_db = tmp / "bare" / DB_NAME
        bare_db.parent.mkdir()
        shutil.copy(landed, bare_db)
        print("the same compiled SQL, bare ...", flush=True)
        bare_wall, bare_steal, (_, bare_models) = timed(lambda: bare_run(bare_db, target, results))
        counts = rows_of(dbt_db, manifest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    models = []
    for r in results:
        node = manifest["nodes"][r["unique_id"]]
        parents = node["depends_on"]["nodes"]
        models.append({
            "model": node["name"], "materialized": node["config"]["materialized"],
            "dbt_seconds": round(r["execution_time"], 3), "bare_seconds": round(bare_models.get(node["name"], 0), 3),
            "rows_out": counts.get(r["unique_id"]),
            "rows_in": sum(counts.get(p) or 0 for p in parents),
        })
    summed = sum(m["dbt_seconds"] for m in models)
    profile = {
        "scale": args.scale, "raw_rows": raw_rows, "as_of_date": AS_OF,
        "floor_seconds": round(floor_s, 2), "dbt_wall_seconds": round(dbt_wall, 2), "dbt_cpu_steal": round(dbt_steal, 3),
        "dbt_summed_model_seconds": round(summed, 2), "bare_wall_seconds": round(bare_wall, 2),
        "bare_cpu_steal": round(bare_steal, 3), "models": sorted(models, key=lambda m: -m["dbt_seconds"]),
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(profile, indent=1))
    print(f"\nscale {args.scale}: {raw_rows:,} raw rows, {len(models)} models (DuckDB)")
    print("| measure | seconds | raw rows/s | CPU steal |")
    print("|---|---|---|---|")
    print(f"| floor: one pass over every raw table | {floor_s:.2f} | {raw_rows / floor_s:,.0f} | |")
    print(f"| the compiled SQL bare, one connection | {bare_wall:.1f} | {raw_rows / bare_wall:,.0f} | {bare_steal:.0%} |")
    print(f"| dbt run (wall) | {dbt_wall:.1f} | {raw_rows / dbt_wall:,.0f} | {dbt_steal:.0%} |")
    print(f"\ndbt wall / bare: {dbt_wall / bare_wall:.2f}; dbt wall / floor: {dbt_wall / floor_s:.0f}; "
          f"summed model time {summed:.1f} s")
    print(f"\nslowest {args.top} (dbt s / bare s / rows in / rows out):")
    for m in profile["models"][:args.top]:
        print(f"  {m['model']} ({m['materialized']}): {m['dbt_seconds']:.2f} / {m['bare_seconds']:.2f} / "
              f"{m['rows_in']:,} / {m['rows_out'] if m['rows_out'] is not None else '-'}")


if __name__ == "__main__":
    main()
