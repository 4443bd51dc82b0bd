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

from conftest import AS_OF, Warehouse, base_env, generate_args, land_raw, query, run_dbt, warehouse_cli, pg_test_db

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
    _, _, second = raw_split
    late = pc.sum(pc.less(second["occurred_at"], CUTOFF - timedelta(hours=1))).as_py()
    assert late > 0, "no event of the second load occurred before the first load"
    assert second.num_rows > 100


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_incremental_run_equals_full_refresh(raw_split, target, tmp_path):
    raw_dir, second_load, second = raw_split
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
