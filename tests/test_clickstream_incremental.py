"""The clickstream models are incremental (base_commerce__web_events, int_web_sessions,
web_funnel_daily): an incremental run after a second load must equal a full refresh of the same
raw data, on DuckDB and Postgres, with late events (up to 3 days) and re-delivered duplicates
straddling the load boundary. Also: a run with nothing newly loaded changes nothing."""
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from conftest import (AS_OF, Warehouse, base_env, generate_args, land_raw, pg_test_db, query, run_dbt, run_sql,
                      warehouse_cli)

CLICKSTREAM = ["base_commerce__web_events", "int_web_sessions", "web_funnel_daily"]
# the views on the base table: a full refresh on Postgres drops them with it (cascade) and rebuilds them
VIEWS = ["stg_commerce__web_events"]
# The first load holds what had landed by this moment; the second load the rest.
CUTOFF = datetime.combine(AS_OF, datetime.min.time()) - timedelta(days=3, hours=12)

SNAPSHOT_SQL = {
    "base_commerce__web_events": "select tenant_id, event_id, session_id, event_type, device, occurred_at, "
                                 "_loaded_at, quarantine_reason from staging.base_commerce__web_events",
    "int_web_sessions": "select * from intermediate.int_web_sessions",
    "web_funnel_daily": "select * from marts.web_funnel_daily",
}


def _rows(wh: Warehouse, model: str):
    def key(row):
        return tuple((v is None, str(v)) for v in row)
    return sorted((tuple(r) for r in query(wh, SNAPSHOT_SQL[model])), key=key)


def _append_web_events(wh: Warehouse, path: Path) -> None:
    """The second load: append rows to raw_commerce.web_events as a loader would."""
    from orchestration.generator.load import append_rows
    duckdb_path = Path(wh.env["DBT_DUCKDB_PATH"]) if wh.target == "duckdb" else None
    append_rows(pq.read_table(path), "raw_commerce", "web_events", duckdb_path, wh.env.get("PGDATABASE"))


@pytest.fixture(scope="module")
def raw_split(tmp_path_factory):
    """Generated raw Parquet, with web_events split at CUTOFF by _loaded_at."""
    tmp = tmp_path_factory.mktemp("clickstream_raw")
    warehouse_cli(base_env(tmp), *generate_args("parquet", scale=0.02, out=tmp / "raw"))
    events_path = tmp / "raw" / "raw_commerce" / "web_events.parquet"
    events = pq.read_table(events_path)
    cutoff = pc.less_equal(events["_loaded_at"], CUTOFF)
    second = events.filter(pc.invert(cutoff))
    pq.write_table(events.filter(cutoff), events_path)
    pq.write_table(second, tmp / "second_load.parquet")
    return tmp / "raw", tmp / "second_load.parquet", second


def test_the_second_load_holds_late_events_and_redeliveries(raw_split):
    """Guards the test below: the boundary must be crossed by what makes incrementality hard."""
    raw_dir, _, second = raw_split
    late = pc.sum(pc.less(second["occurred_at"], CUTOFF - timedelta(hours=1))).as_py()
    assert late > 0, "no event of the second load occurred before the first load"
    assert second.num_rows > 100
    first = pq.read_table(raw_dir / "raw_commerce" / "web_events.parquet", columns=["tenant_id", "event_id"])
    first_keys = set(zip(first["tenant_id"].to_pylist(), first["event_id"].to_pylist(), strict=True))
    redelivered = [k for k in zip(second["tenant_id"].to_pylist(), second["event_id"].to_pylist(), strict=True)
                   if k[1] is not None and k in first_keys]
    assert redelivered, "no event of the first load is delivered again in the second"


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_incremental_run_equals_full_refresh(raw_split, target, tmp_path):
    raw_dir, second_load, _second = raw_split
    raw_copy = tmp_path / "raw"
    shutil.copytree(raw_dir, raw_copy)
    env = land_raw(target, raw_copy, tmp_path, pg_test_db("warehouse_test_clickstream"))
    wh = Warehouse(target, env, tmp_path / "target", None)
    selection = ["--select", *[f"+{m}" for m in CLICKSTREAM]]

    run_dbt(env, target, wh.target_path, "run", *selection)
    first = {m: _rows(wh, m) for m in CLICKSTREAM}

    # nothing newly loaded: an incremental run changes nothing
    run_dbt(env, target, wh.target_path, "run", "--select", *CLICKSTREAM)
    assert {m: _rows(wh, m) for m in CLICKSTREAM} == first

    _append_web_events(wh, second_load)
    run_dbt(env, target, wh.target_path, "run", "--select", *CLICKSTREAM)
    model_path = Path("warehouse", "models", "staging", "commerce", "base", "base_commerce__web_events.sql")
    assert "max(_loaded_at)" in (wh.target_path / "compiled" / model_path).read_text(), "no watermark filter"
    assert "delete from" in (wh.target_path / "run" / model_path).read_text(), "the table was rebuilt, not merged"
    incremental = {m: _rows(wh, m) for m in CLICKSTREAM}

    run_dbt(env, target, wh.target_path, "run", "--full-refresh", "--select", *CLICKSTREAM, *VIEWS)
    full = {m: _rows(wh, m) for m in CLICKSTREAM}

    for model in CLICKSTREAM:
        assert incremental[model] == full[model], f"{model}: incremental run differs from a full refresh"
    assert incremental != first, "the second load changed nothing"
    # every clean event of the second load is staged once, by its latest version
    staged = query(wh, "select count(*) from staging.stg_commerce__web_events")[0][0]
    assert staged == query(wh, "select count(*) from staging.base_commerce__web_events "
                               "where quarantine_reason is null")[0][0]



@pytest.mark.parametrize("target", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_an_incremental_run_on_a_later_as_of_date_equals_a_full_refresh(raw_split, target, tmp_path):
    """web_funnel_daily's is_complete depends on as_of_date, not only on the data: built as of its
    latest day (then the running day, is_complete false), a run as of a later date with nothing
    newly loaded must flip that day's flag, as a full refresh would (docs/periods.md)."""
    raw_dir, _, _ = raw_split
    raw_copy = tmp_path / "raw"
    shutil.copytree(raw_dir, raw_copy)
    env = land_raw(target, raw_copy, tmp_path, pg_test_db("warehouse_test_reflagged"))
    wh = Warehouse(target, env, tmp_path / "target", None)
    latest_day = query(wh, "select max(cast(occurred_at as date)) from raw_commerce.web_events")[0][0]
    earlier = {"as_of_date": latest_day.isoformat()}

    run_dbt(env, target, wh.target_path, "run", "--select", *[f"+{m}" for m in CLICKSTREAM], extra_vars=earlier)
    running = query(wh, "select distinct session_date from marts.web_funnel_daily where not is_complete")
    assert running == [(latest_day,)], running

    run_dbt(env, target, wh.target_path, "run", "--select", *CLICKSTREAM)     # as of AS_OF, nothing new
    incremental = _rows(wh, "web_funnel_daily")
    assert query(wh, "select count(*) from marts.web_funnel_daily where not is_complete")[0][0] == 0

    run_dbt(env, target, wh.target_path, "run", "--full-refresh", "--select", *CLICKSTREAM, *VIEWS)
    assert incremental == _rows(wh, "web_funnel_daily")


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_a_replaced_or_truncated_raw_history_stops_the_incremental_run(raw_split, target, tmp_path):
    """Raw web events replaced under the incremental models (newest _loaded_at gone back, keys
    vanished, rows appearing in the past): `dbt build` stops at the base model with one line
    naming --full-refresh, and everything below it is skipped, never built on a stale history.
    Each change is undone before the next; an unchanged history passes (checked first). The base
    compares with the record of its last build (warehouse_meta.incremental_inputs), which also
    sees a new version of a held key stamped in the past; with no record for its engine version it
    compares the keys."""
    raw_dir, _, _ = raw_split
    raw_copy = tmp_path / "raw"
    shutil.copytree(raw_dir, raw_copy)
    env = land_raw(target, raw_copy, tmp_path, pg_test_db("warehouse_test_replaced"))
    wh = Warehouse(target, env, tmp_path / "target", None)
    run_dbt(env, target, wh.target_path, "run", "--select", *[f"+{m}" for m in CLICKSTREAM])
    run_dbt(env, target, wh.target_path, "build", "--select", *CLICKSTREAM)   # unchanged raw: passes

    newest = query(wh, "select max(_loaded_at) from raw_commerce.web_events")[0][0]
    oldest_key = query(wh, "select min(event_id) from raw_commerce.web_events")[0][0]
    run_sql(wh, "create table raw_commerce.web_events_kept as select * from raw_commerce.web_events")
    changes = {
        "truncated": f"delete from raw_commerce.web_events where _loaded_at >= '{newest - timedelta(days=2)}'",
        "keys vanished": f"delete from raw_commerce.web_events where event_id = '{oldest_key}'",
        "appeared in the past": "create table raw_commerce.backfill as select * from raw_commerce.web_events "
                                f"where event_id = '{oldest_key}'; "
                                "update raw_commerce.backfill set event_id = event_id || '_backfilled'; "
                                "insert into raw_commerce.web_events select * from raw_commerce.backfill; "
                                "drop table raw_commerce.backfill",
    }
    # only the record sees this one: the key is held already, so the keys loaded up to the watermark
    # are the same, but the history is not
    version_in_the_past = ("insert into raw_commerce.web_events select * from raw_commerce.web_events "
                           f"where event_id = '{oldest_key}'")
    restore = ("delete from raw_commerce.web_events; "
               "insert into raw_commerce.web_events select * from raw_commerce.web_events_kept")
    record = "select input_rows from warehouse_meta.incremental_inputs where relation_name = " \
             "'staging.base_commerce__web_events'"
    raw_rows = query(wh, "select count(*) from raw_commerce.web_events where _loaded_at <= "
                         "(select max(_loaded_at) from staging.base_commerce__web_events)")[0][0]
    oldest_rows = query(wh, f"select count(*) from raw_commerce.web_events where event_id = '{oldest_key}'")[0][0]
    assert query(wh, record) == [(raw_rows,)], "the last build recorded what it read"

    def assert_stops(change: str, compared: str) -> None:
        proc = run_dbt(env, target, wh.target_path, "build", "--select", *CLICKSTREAM, check=False)
        assert proc.returncode == 1, f"{change}: the build passed on a replaced history"
        errors = [line for line in proc.stdout.splitlines() if "changed under the incremental model" in line]
        assert errors and "dbt build --full-refresh --select base_commerce__web_events+" in errors[0], (
            change, proc.stdout[-3000:])
        assert compared in errors[0], (change, errors[0])
        assert "ERROR creating sql incremental model staging.base_commerce__web_events" in proc.stdout, change
        for below in ("intermediate.int_web_sessions", "marts.web_funnel_daily"):
            assert f"SKIP relation {below}" in proc.stdout, f"{change}: {below} was not skipped"
        run_sql(wh, restore)    # the failed run changed nothing it holds: the next change starts clean

    read = f"rows loaded up to it where its last build read {raw_rows}"
    compared_with_record = {"truncated": "newest _loaded_at", "keys vanished": f"{raw_rows - oldest_rows} {read}",
                            "appeared in the past": f"{raw_rows + oldest_rows} {read}"}
    for change, sql in changes.items():
        run_sql(wh, sql)
        assert_stops(change, compared_with_record[change])
    run_sql(wh, version_in_the_past)
    assert_stops("a version in the past", f"{raw_rows + oldest_rows} {read}")
    assert query(wh, record) == [(raw_rows,)], "a failed build keeps the record of the last good one"

    # a record another engine version made (its hash may differ), like no record at all: the keys
    # are compared
    run_sql(wh, "update warehouse_meta.incremental_inputs set engine_version = 'another'")
    run_sql(wh, changes["keys vanished"])
    assert_stops("keys vanished, a record of another engine version", "keys differ up to it")

    # the way out the error names: a full refresh of a really replaced history passes, and holds it
    run_sql(wh, changes["truncated"])
    run_dbt(env, target, wh.target_path, "build", "--full-refresh", "--select", *CLICKSTREAM, *VIEWS)
    assert query(wh, "select max(_loaded_at) from staging.base_commerce__web_events")[0][0] < newest
