"""The whole project executed on BigQuery: a local emulator (bqemulator, tests/bigquery_emulator.py)
built from the same raw data as DuckDB gives the same marts.

One small warehouse (2 tenants, scale 0.01) is generated once and landed on both engines: into
DuckDB, and into BigQuery datasets by `warehouse load --target bigquery` (explicit schemas from the
raw contract). `dbt build --target bigquery_emulator` runs every model, seed, snapshot and every data
test of the project's own there (dbt's built-in not_null, unique, accepted_values and relationships
are dbt-bigquery's SQL). Every mart is then compared with DuckDB's: row count, and per column the sum (numbers) or an
order-free fingerprint of the values (text, dates, booleans). Then the incremental path: the rows of
the incremental feeds (the clickstream, WhatsApp messages, order and invoice lines, ...) loaded
after a cut-off, one tenant's only, are appended on both engines; BigQuery runs the incremental
models and everything below them incrementally, DuckDB from scratch (--full-refresh), and the marts
must agree again.

Where BigQuery differs from DuckDB by design (percentiles), KNOWN_DIFFERENCES says why and only
the nulls are compared; everything else must match. Differences of the emulator from BigQuery are
not tolerated here: they are worked around in the emulator. The emulator itself runs with the
workarounds of tests/bqemulator_workarounds.py (each tested on its own in test_bigquery_emulator.py).
"""
import hashlib
import json
import math
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from bigquery_emulator import Emulator, client_env
from bigquery_offline import LOOPBACK_ONLY_ENV, loopback_only
from conftest import AS_OF, base_env, engine_neutral, free_port, land_raw, run_dbt, warehouse_cli
from orchestration import contract
from orchestration.fingerprint import BUILD_STAMPS

TENANTS, SCALE, SEED = 2, 0.01, 42
BQ_TARGET = "bigquery_emulator"
# raw tables whose base models are incremental (the contract's policy): the second load appends to these only
INCREMENTAL_FEEDS = sorted((t.source, t.name) for t in contract.load() if t.incremental)
# the first load: every raw row loaded by this moment; the second load: the incremental feeds' rows
# loaded after it, of one tenant only (so a day's partition that an incremental run replaces also
# holds the other tenant's rows: bug (a), web_funnel_daily)
CUTOFF = datetime.combine(AS_OF, datetime.min.time()) - timedelta(days=3)
SECOND_LOAD_TENANT = "tn_002"
# Numbers: sums agree within this relative tolerance. DuckDB sums doubles in another order than
# the emulator; NUMERIC(18,4) money is exact on both, so 1e-9 is float noise only.
REL_TOL = 1e-9
# (mart, column) -> why BigQuery's value differs from DuckDB's by design. Compared by their nulls only.
_DISCRETE = ("BigQuery has no exact percentile aggregate: macros/percentile.sql and median.sql use "
             "APPROX_QUANTILES there, which returns one of the values (DuckDB's percentile_cont interpolates "
             "between two)")
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {
    ("conversation_metrics_daily", "p50_response_time_seconds"): _DISCRETE,
    ("conversation_metrics_daily", "p90_response_time_seconds"): _DISCRETE,
    ("conversation_metrics_daily", "p50_human_first_response_seconds"): _DISCRETE,
    ("conversation_metrics_daily", "p90_human_first_response_seconds"): _DISCRETE,
    ("sales_rep_performance_monthly", "median_sales_cycle_days"): _DISCRETE,
}


# --- the builds ------------------------------------------------------------------------------------

@pytest.fixture(scope="module", autouse=True)
def _loopback_only():
    """Nothing in this process connects beyond 127.0.0.1; child processes get a dead proxy for anything else."""
    with loopback_only():
        yield


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    log = tmp_path_factory.mktemp("bqemulator") / "emulator.log"
    emu = Emulator(free_port(), free_port(), log).start()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> tuple[Path, Path]:
    """Generated raw Parquet: the first load holds every raw row loaded by CUTOFF; the second load one
    tenant's rows of the incremental feeds loaded after it (rows loaded later still are dropped), so
    every row of the second load was loaded after every row of the first, as a loader's next batch."""
    tmp = tmp_path_factory.mktemp("bq_raw")
    warehouse_cli(base_env(tmp), "generate", "--tenants", str(TENANTS), "--scale", str(SCALE), "--seed", str(SEED),
                  "--as-of-date", AS_OF.isoformat(), "--target", "parquet", "--out", str(tmp / "raw"), "--no-progress")
    second = tmp / "second"
    for path in sorted((tmp / "raw").glob("raw_*/*.parquet")):
        schema, table = path.parent.name, path.stem
        rows = pq.read_table(path)
        first = pc.less_equal(rows["_loaded_at"], CUTOFF)
        pq.write_table(rows.filter(first), path)
        if (schema, table) in INCREMENTAL_FEEDS:
            later = rows.filter(pc.invert(first))
            (second / schema).mkdir(parents=True, exist_ok=True)
            pq.write_table(later.filter(pc.equal(later["tenant_id"], SECOND_LOAD_TENANT)),
                           second / schema / f"{table}.parquet")
    return tmp / "raw", second


class Builds:
    def __init__(self, duck_env, duck_target, bq_env, bq_target):
        self.duck_env, self.duck_target, self.bq_env, self.bq_target = duck_env, duck_target, bq_env, bq_target
        self.seconds: dict[str, float] = {}

    def duck(self, *args):
        return self._timed("duckdb " + args[0], run_dbt, self.duck_env, "duckdb", self.duck_target, *args)

    def bq(self, *args):
        return self._timed("bigquery " + args[0], run_dbt, self.bq_env, BQ_TARGET, self.bq_target, *args)

    def _timed(self, name, fn, *args):
        start = time.monotonic()
        result = fn(*args)
        self.seconds[name] = self.seconds.get(name, 0) + time.monotonic() - start
        return result


# dbt's own generic tests: their SQL is dbt-bigquery's, proven there; on this data the marts they
# guard are compared with DuckDB's value by value below. The project's own generic and singular
# tests (macros/tests, tests/dbt) are the SQL of ours that only this build runs on BigQuery.
DBT_BUILTIN_TESTS = ("test_name:not_null", "test_name:unique", "test_name:accepted_values",
                     "test_name:relationships")


@pytest.fixture(scope="module")
def builds(raw, emulator, tmp_path_factory) -> Builds:
    """Both engines built from the first load: on BigQuery every model, seed, snapshot and every data
    test of the project's own (unit tests do not read the data; DBT_BUILTIN_TESTS); on DuckDB, the
    reference, the models, seeds and snapshots."""
    raw_dir, _ = raw
    duck_tmp, bq_tmp = tmp_path_factory.mktemp("bq_duckdb"), tmp_path_factory.mktemp("bq_bigquery")
    duck_env = land_raw("duckdb", raw_dir, duck_tmp, "")
    bq_env = {**base_env(bq_tmp), **client_env(emulator.endpoint), **LOOPBACK_ONLY_ENV}
    warehouse_cli(bq_env, "load", str(raw_dir), "--target", "bigquery")
    b = Builds(duck_env, duck_tmp / "target", bq_env, bq_tmp / "target")
    # DuckDB's data tests run in the DuckDB suites; here it is the reference for the marts
    b.duck("build", "--exclude", "resource_type:unit_test", "resource_type:test")
    b.bq("build", "--exclude", "resource_type:unit_test", *DBT_BUILTIN_TESTS)
    print(f"\nbuild seconds, same data: {b.seconds}")
    return b


def marts(b: Builds) -> list[str]:
    manifest = json.loads((b.bq_target / "manifest.json").read_text())
    return sorted(n["name"] for n in manifest["nodes"].values()
                  if n["resource_type"] == "model" and n["schema"] == "marts"
                  and n["config"]["materialized"] in ("table", "incremental"))


# --- the comparison --------------------------------------------------------------------------------

def bq_rows(b: Builds, sql: str) -> tuple[list[str], list[tuple]]:
    from google.cloud import bigquery
    from google.auth.credentials import AnonymousCredentials
    from google.api_core.client_options import ClientOptions
    client = bigquery.Client(project=b.bq_env["BIGQUERY_PROJECT"], credentials=AnonymousCredentials(),
                             client_options=ClientOptions(api_endpoint=b.bq_env["BIGQUERY_API_ENDPOINT"]))
    try:
        result = client.query(sql).result()
        return [f.name for f in result.schema], [tuple(r.values()) for r in result]
    finally:
        client.close()


def duck_rows(b: Builds, sql: str) -> tuple[list[str], list[tuple]]:
    import duckdb
    con = duckdb.connect(b.duck_env["DBT_DUCKDB_PATH"], read_only=True)
    try:
        cur = con.execute(sql)
        return [d[0] for d in cur.description], cur.fetchall()
    finally:
        con.close()




def column_profile(columns: list[str], rows: list[tuple]) -> dict[str, tuple]:
    """Per column: ('sum', total, nulls) for numbers, ('values', sha256 of the sorted values) else."""
    profile = {}
    for i, name in enumerate(columns):
        values = [engine_neutral(r[i]) for r in rows]
        present = [v for v in values if v is not None]
        if present and all(isinstance(v, float) for v in present):
            profile[name] = ("sum", math.fsum(present), len(values) - len(present))
        else:
            text = "\n".join(sorted(repr(v) for v in values))
            profile[name] = ("values", hashlib.sha256(text.encode()).hexdigest()[:16])
    return profile


def _same(a: tuple, b: tuple) -> bool:
    if a[0] == b[0] == "sum":
        return a[2] == b[2] and math.isclose(a[1], b[1], rel_tol=REL_TOL, abs_tol=1e-6)
    return a == b


def compare_marts(b: Builds) -> tuple[list[str], int]:
    """Differences between the engines' marts (empty when they agree), and the rows compared."""
    failures, compared = [], 0
    for mart in marts(b):
        duck_cols, duck = duck_rows(b, f"select * from marts.{mart}")
        bq_cols, bq = bq_rows(b, f"select * from marts.{mart}")
        if duck_cols != bq_cols:
            failures.append(f"{mart}: columns {duck_cols} on DuckDB, {bq_cols} on BigQuery")
            continue
        if len(duck) != len(bq):
            failures.append(f"{mart}: {len(duck)} rows on DuckDB, {len(bq)} on BigQuery")
            continue
        duck_profile, bq_profile = column_profile(duck_cols, duck), column_profile(bq_cols, bq)
        for column in duck_cols:
            if column in BUILD_STAMPS:      # when each engine's run wrote the row
                continue
            if (mart, column) in KNOWN_DIFFERENCES:
                if duck_profile[column][-1] != bq_profile[column][-1]:
                    failures.append(f"{mart}.{column}: nulls {duck_profile[column][-1]} on DuckDB, "
                                    f"{bq_profile[column][-1]} on BigQuery")
            elif not _same(duck_profile[column], bq_profile[column]):
                failures.append(f"{mart}.{column}: {duck_profile[column]} on DuckDB, {bq_profile[column]} on BigQuery")
        compared += len(duck)
    return failures, compared


# --- the tests -------------------------------------------------------------------------------------

def test_every_mart_on_bigquery_equals_duckdb(builds):
    assert len(marts(builds)) >= 30
    failures, compared = compare_marts(builds)
    assert failures == []
    assert compared > 1_000


def test_the_ddl_partitions_and_clusters_the_large_tables(builds):
    """What dbt ran on BigQuery (target/run) creates them partitioned and clustered as configured."""
    from test_bigquery_compile import PARTITIONED
    run = {p.stem: p.read_text().lower() for p in (builds.bq_target / "run").rglob("*.sql")}
    for model, (field, granularity) in PARTITIONED.items():
        ddl = run[model]
        partition = f"partition by {field}" if granularity == "day" else f"partition by {granularity}"
        assert partition in ddl or f"partition by timestamp_trunc({field}, {granularity})" in ddl \
            or f"partition by date_trunc({field}, {granularity})" in ddl, (model, ddl[:600])
        assert "cluster by tenant_id" in ddl, model


def test_the_bigquery_build_ran_every_node(builds):
    """Every model, seed and snapshot, and every data test but dbt's built-in ones, ran and passed."""
    results = [r for r in json.loads((builds.bq_target / "run_results.json").read_text())["results"]
               if r["unique_id"].split(".")[0] in ("model", "seed", "snapshot", "test")]
    builtin = {name.split(":")[1] for name in DBT_BUILTIN_TESTS}
    nodes = json.loads((builds.bq_target / "manifest.json").read_text())["nodes"].values()
    expected = {n["unique_id"] for n in nodes if n["resource_type"] in ("model", "seed", "snapshot")
                or (n["resource_type"] == "test" and (n.get("test_metadata") or {}).get("name") not in builtin)}
    assert {r["unique_id"] for r in results} == expected
    assert sum(r["unique_id"].startswith("test.") for r in results) > 300      # the project's own tests
    assert {r["unique_id"]: r["status"] for r in results if r["status"] not in ("success", "pass", "warn")} == {}


def test_the_comparison_catches_a_difference():
    columns = ["tenant_id", "revenue", "month"]
    rows = [("a", Decimal("10.0000"), date(2026, 1, 1)), ("b", 2.5, date(2026, 2, 1))]
    same = column_profile(columns, [rows[1], ("a", 10.0, date(2026, 1, 1))])
    cent_off = column_profile(columns, [("a", Decimal("10.0100"), date(2026, 1, 1)), rows[1]])
    day_off = column_profile(columns, [("a", Decimal("10.0000"), date(2026, 1, 2)), rows[1]])
    base = column_profile(columns, rows)
    assert all(_same(base[c], same[c]) for c in columns)
    assert not _same(base["revenue"], cent_off["revenue"]) and not _same(base["month"], day_off["month"])


@pytest.fixture(scope="module")
def incremental(builds, raw):
    """The second load on both engines; BigQuery runs incrementally, DuckDB from scratch."""
    from orchestration.generator.load import append_rows, append_rows_bigquery
    _, second = raw
    import os
    previous = {k: os.environ.get(k) for k in builds.bq_env}
    os.environ.update({k: v for k, v in builds.bq_env.items() if k.startswith(("BIGQUERY_", "GCE_", "NO_GCE"))})
    try:
        for schema, table in INCREMENTAL_FEEDS:
            rows = pq.read_table(second / schema / f"{table}.parquet")
            append_rows(rows, schema, table, Path(builds.duck_env["DBT_DUCKDB_PATH"]))
            append_rows_bigquery(rows, schema, table)
    finally:
        for k, v in previous.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    selection = ["--select", "config.materialized:incremental+"]
    builds.bq("run", *selection)
    builds.duck("run", "--full-refresh", *selection)
    print(f"\nbuild seconds, same data: {builds.seconds}")
    return builds


def test_the_second_load_is_one_tenants_late_rows(raw):
    """Guards the incremental tests: the second load is one tenant's, and some of its events happened on
    a day the other tenant already has sessions on (late events), so a replaced day partition holds both."""
    raw_dir, second = raw
    events = pq.read_table(second / "raw_commerce" / "web_events.parquet")
    assert events.num_rows > 20
    assert set(events["tenant_id"].to_pylist()) == {SECOND_LOAD_TENANT}
    first = pq.read_table(raw_dir / "raw_commerce" / "web_events.parquet", columns=["tenant_id", "occurred_at"])
    others = {t.date() for tenant, t in zip(first["tenant_id"].to_pylist(), first["occurred_at"].to_pylist(),
                                             strict=True) if tenant != SECOND_LOAD_TENANT and t is not None}
    assert {t.date() for t in events["occurred_at"].to_pylist() if t is not None} & others


def test_an_incremental_run_after_new_data_equals_a_full_refresh(incremental):
    """BigQuery's incremental run (merge, insert_overwrite) against DuckDB's full refresh of the same data."""
    run = incremental.bq_target / "run" / "warehouse" / "models"
    assert "merge into" in (run / "staging" / "commerce" / "base" / "base_commerce__web_events.sql").read_text().lower()
    failures, compared = compare_marts(incremental)
    assert failures == []
    assert compared > 1_000


def test_insert_overwrite_keeps_the_other_tenants_rows_of_a_replaced_day(incremental):
    """Bug (a): web_funnel_daily replaces whole day partitions on BigQuery; days that got events of one
    tenant only must be rebuilt for every tenant, or the other tenants' rows of those days vanish."""
    sql = "select tenant_id, count(*), sum(sessions) from marts.web_funnel_daily group by 1 order by 1"
    duck = [tuple(engine_neutral(v) for v in r) for r in duck_rows(incremental, sql)[1]]
    bq = [tuple(engine_neutral(v) for v in r) for r in bq_rows(incremental, sql)[1]]
    assert len(duck) == TENANTS and bq == duck


def test_rebuilding_an_existing_mart_does_not_touch_its_grants(builds):
    """Bug (b): marts carry grants on Postgres only. `grants: {select: []}` is a grants config all the
    same: every rebuild of an existing mart would read INFORMATION_SCHEMA.OBJECT_PRIVILEGES and revoke
    table grants made outside dbt. The emulator has no OBJECT_PRIVILEGES, so that read fails here."""
    manifest = json.loads((builds.bq_target / "manifest.json").read_text())
    mart_grants = {n["name"]: n["config"]["grants"] for n in manifest["nodes"].values()
                   if n["resource_type"] == "model" and n["schema"] == "marts"}
    assert mart_grants and all(not g for g in mart_grants.values()), mart_grants
    log = Path(builds.bq_env["DBT_LOG_PATH"]) / "dbt.log"
    log.write_text("")
    builds.bq("run", "--select", "fct_orders")
    assert "OBJECT_PRIVILEGES" not in log.read_text()
