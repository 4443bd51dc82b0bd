"""A full `dbt run` on DuckDB with the profile's settings against DuckDB's own defaults, same data.

    .venv/bin/python benchmarks/duckdb_settings.py --scale 1
    .venv/bin/python benchmarks/duckdb_settings.py --raw /tmp/raw --rounds 2

The profile (profiles.yml.example) sets memory_limit (DUCKDB_MEMORY_LIMIT, default 4GB) and
preserve_insertion_order false; DuckDB's defaults are 80 % of RAM and true. Each round runs both,
alternating which goes first, each on its own copy of the landed file, and records the wall time,
the peak resident memory of the dbt process (GNU time's maximum RSS) and the CPU steal. The two
builds' marts are compared by a fingerprint (row count and a sum of row hashes per relation), so
a setting that changed a result would show. Asserts nothing; prints markdown rows.
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
sys.path.insert(0, str(REPO))
from _cpu import cpu_times, steal_share  # noqa: E402
BIN = Path(sys.executable).parent
AS_OF = "2026-11-21"
DB_NAME = "settings.duckdb"
VARIANTS = {
    "profile (4GB, insertion order off)": {},
    "DuckDB defaults (80 % of RAM, order kept)": {"DUCKDB_MEMORY_LIMIT": "80%", "DUCKDB_PRESERVE_INSERTION_ORDER": "true"},
}


def fingerprint(db: Path) -> dict[str, tuple]:
    """Per mart: (rows, order-independent sum of row hashes, floats rounded to 9 places)."""
    import duckdb
    con = duckdb.connect(str(db), read_only=True)
    out = {}
    tables = con.execute("select table_name from information_schema.tables where table_schema = 'marts' "
                         "order by 1").fetchall()
    for (table,) in tables:
        cols = con.execute("select column_name, data_type from information_schema.columns "
                           "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                           [table]).fetchall()
        row = ", ".join(f'round("{c}", 9)' if t in ("DOUBLE", "FLOAT") else f'"{c}"' for c, t in cols)
        out[table] = con.execute(f'select count(*), sum(hash(({row}))) from marts."{table}"').fetchone()
    return out


def run_variant(landed: Path, work: Path, overrides: dict) -> dict:
    db = work / DB_NAME
    db.parent.mkdir(parents=True)
    shutil.copy(landed, db)
    env = dict(os.environ, DBT_DUCKDB_PATH=str(db), **overrides)
    target = work / "target"
    subprocess.run([str(BIN / "dbt"), "seed", "--target", "duckdb", "--target-path", str(target)],
                   cwd=REPO, env=env, check=True, capture_output=True)
    cmd = ["/usr/bin/time", "-f", "%M", str(BIN / "dbt"), "run", "--target", "duckdb", "--target-path", str(target),
           "--vars", f"{{as_of_date: '{AS_OF}'}}"]
    t0, c0 = time.perf_counter(), cpu_times()
    proc = subprocess.run(cmd, check=False, cwd=REPO, env=env, capture_output=True, text=True)
    wall, steal = time.perf_counter() - t0, steal_share(c0, cpu_times())
    if proc.returncode != 0:
        sys.exit(f"dbt run failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    peak_kb = int(proc.stderr.strip().splitlines()[-1])
    return {"wall": wall, "steal": steal, "peak_gb": peak_kb / 1024 ** 2, "marts": fingerprint(db)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--raw", type=Path, help="a generated Parquet directory to reuse (else one is generated)")
    p.add_argument("--rounds", type=int, default=1)
    args = p.parse_args()
    from orchestration.generator.load import load_duckdb
    tmp = Path(tempfile.mkdtemp(prefix="bench-settings-"))
    try:
        shutil.copy(REPO / "profiles.yml.example", tmp / "profiles.yml")
        os.environ["DBT_PROFILES_DIR"] = str(tmp)
        raw = args.raw
        if raw is None:
            raw = tmp / "raw"
            print(f"generating scale {args.scale} ...", flush=True)
            subprocess.run([str(BIN / "warehouse"), "generate", "--scale", str(args.scale), "--seed", "42",
                            "--as-of-date", AS_OF, "--target", "parquet", "--out", str(raw), "--no-progress"],
                           check=True, capture_output=True)
        landed = tmp / "landed" / DB_NAME
        landed.parent.mkdir()
        print("landing ...", flush=True)
        load_duckdb(raw, landed, progress=False)
        rows = []
        for r in range(args.rounds):
            order = list(VARIANTS.items())
            if r % 2:
                order.reverse()
            for i, (name, overrides) in enumerate(order):
                print(f"round {r + 1}: {name} ...", flush=True)
                result = run_variant(landed, tmp / f"r{r}_{i}", overrides)
                shutil.rmtree(tmp / f"r{r}_{i}", ignore_errors=True)
                rows.append((r + 1, name, result))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n{'data in ' + str(args.raw) if args.raw else f'scale {args.scale}'}, `dbt run` of every model (DuckDB)")
    print("| round | settings | wall s | peak RSS GB | CPU steal |")
    print("|---|---|---|---|---|")
    for r, name, res in rows:
        print(f"| {r} | {name} | {res['wall']:.1f} | {res['peak_gb']:.2f} | {res['steal']:.0%} |")
    marts = [res["marts"] for _, _, res in rows]
    same = all(m == marts[0] for m in marts)
    print(f"\nmarts identical across all builds (rows and row hashes): {same}")
    if not same:
        for table in marts[0]:
            values = {str(m.get(table)) for m in marts}
            if len(values) > 1:
                print(f"  differs: {table}: {sorted(values)}")


if __name__ == "__main__":
    main()
