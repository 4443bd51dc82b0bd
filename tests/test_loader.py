"""Loading a user's own raw exports (`warehouse load`, the Dagster parquet_dir, the fixtures): held to the
contract on the way in. Offsets become UTC, naive timestamps are taken as UTC, an added column is kept
and reported, a missing contract column or file is one clear line, and a failed load changes nothing."""
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.generator.load import LoadError, load_duckdb, load_postgres
from orchestration.generator.schema import TABLES

from conftest import base_env, pg_test_db, reset_pg_database, warehouse_cli

ACTIVITIES = TABLES["raw_crm"]["activities"]


def write_activities(directory, occurred_at: pa.Array, extra: dict | None = None, drop: str | None = None):
    n = len(occurred_at)
    cols = {f.name: pa.nulls(n, f.type) for f in ACTIVITIES}
    cols.update(id=pa.array([f"a{i}" for i in range(n)]), tenant_id=pa.array(["t1"] * n), type=pa.array(["call"] * n),
                occurred_at=occurred_at, _loaded_at=pa.array([datetime(2024, 1, 2)] * n, pa.timestamp("us")))
    cols.update(extra or {})
    if drop:
        cols.pop(drop)
    (directory / "raw_crm").mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(cols), directory / "raw_crm" / "activities.parquet")


OFFSET_CASES = [
    # aware Arrow timestamps (Europe/Berlin, UTC+1 in winter), strings with an offset or Z, a naive string
    (pa.array([datetime(2024, 1, 1, 9, 0)], pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us", tz="Europe/Berlin")),
     [datetime(2024, 1, 1, 9, 0)]),
    (pa.array(["2024-01-01T10:00:00+02:00", "2024-01-01T10:00:00Z", "2024-01-01 10:00:00"]),
     [datetime(2024, 1, 1, 8, 0), datetime(2024, 1, 1, 10, 0), datetime(2024, 1, 1, 10, 0)]),
]


def _loaded_times(target, tmp_path, db):
    if target == "duckdb":
        import duckdb
        con = duckdb.connect(str(db), read_only=True)
        try:
            return [r[0] for r in con.execute("select occurred_at from raw_crm.activities order by id").fetchall()]
        finally:
            con.close()
    import psycopg
    from orchestration.generator.load import pg_conninfo
    with psycopg.connect(**pg_conninfo(db)) as con:
        return [r[0] for r in con.execute("select occurred_at from raw_crm.activities order by id").fetchall()]


def _load(target, src, tmp_path, monkeypatch):
    if target == "duckdb":
        db = tmp_path / "w.duckdb"
        load_duckdb(src, db, progress=False)
        return db
    db = pg_test_db("warehouse_test_loader")
    reset_pg_database(db)
    monkeypatch.setenv("PGDATABASE", db)
    load_postgres(src, progress=False)
    return db


@pytest.mark.parametrize("target", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
@pytest.mark.parametrize("case", range(len(OFFSET_CASES)))
def test_timestamps_with_an_offset_land_as_utc(target, case, tmp_path, monkeypatch):
    values, expected = OFFSET_CASES[case]
    write_activities(tmp_path / "src", values)
    db = _load(target, tmp_path / "src", tmp_path, monkeypatch)
    assert _loaded_times(target, tmp_path, db) == expected


@pytest.mark.parametrize("target", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_column_the_source_added_is_kept_and_reported(target, tmp_path, monkeypatch, capsys):
    write_activities(tmp_path / "src", pa.array([datetime(2024, 1, 1)], pa.timestamp("us")),
                     extra={"channel_detail": pa.array(["inbound"])})
    db = _load(target, tmp_path / "src", tmp_path, monkeypatch)
    assert "raw_crm.activities has columns the contract does not declare, kept: channel_detail" in capsys.readouterr().err
    if target == "duckdb":
        import duckdb
        con = duckdb.connect(str(db), read_only=True)
        assert con.execute("select channel_detail from raw_crm.activities").fetchall() == [("inbound",)]
        con.close()
    else:
        import psycopg
        from orchestration.generator.load import pg_conninfo
        with psycopg.connect(**pg_conninfo(db)) as con:
            assert con.execute("select channel_detail from raw_crm.activities").fetchall() == [("inbound",)]


@pytest.mark.parametrize("target", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_missing_contract_column_is_one_line_and_nothing_changes(target, tmp_path, monkeypatch):
    write_activities(tmp_path / "good", pa.array([datetime(2024, 1, 1)], pa.timestamp("us")))
    db = _load(target, tmp_path / "good", tmp_path, monkeypatch)
    write_activities(tmp_path / "bad", pa.array([datetime(2024, 1, 1)] * 2, pa.timestamp("us")), drop="user_id")
    loader = (lambda: load_duckdb(tmp_path / "bad", db, progress=False)) if target == "duckdb" else \
        (lambda: load_postgres(tmp_path / "bad", progress=False))
    with pytest.raises(LoadError) as err:
        loader()
    assert str(err.value) == ("raw_crm.activities lacks contract column 'user_id' "
                              "(docs/contracts/raw_sources.yml); nothing was loaded")
    assert len(_loaded_times(target, tmp_path, db)) == 1        # the previous load is intact


def test_a_table_without_a_file_loads_empty(tmp_path, capsys):
    write_activities(tmp_path / "src", pa.array([datetime(2024, 1, 1)], pa.timestamp("us")))
    load_duckdb(tmp_path / "src", tmp_path / "w.duckdb", progress=False)
    assert "no raw_billing/invoices.parquet" in capsys.readouterr().err
    import duckdb
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    assert con.execute("select count(*) from raw_billing.invoices").fetchone() == (0,)
    assert [c[0] for c in con.execute("describe raw_billing.invoices").fetchall()] == TABLES["raw_billing"]["invoices"].names
    con.close()


def test_warehouse_load_is_one_line_on_bad_input(tmp_path):
    env = base_env(tmp_path)
    env["DBT_DUCKDB_PATH"] = str(tmp_path / "w.duckdb")
    proc = warehouse_cli(env, "load", str(tmp_path / "nowhere"), check=False)
    assert proc.returncode == 2 and proc.stderr == f"warehouse: error: no such directory: {tmp_path / 'nowhere'}\n"
    write_activities(tmp_path / "src", pa.array([datetime(2024, 1, 1)], pa.timestamp("us")), drop="type")
    proc = warehouse_cli(env, "load", str(tmp_path / "src"), check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == ("warehouse: error: raw_crm.activities lacks contract column 'type' "
                                                    "(docs/contracts/raw_sources.yml); nothing was loaded")


def test_generate_says_which_as_of_dates_it_supports(tmp_path):
    env = base_env(tmp_path)
    env["DBT_DUCKDB_PATH"] = str(tmp_path / "w.duckdb")
    proc = warehouse_cli(env, "generate", "--as-of-date", "1971-06-30", "--no-progress", check=False)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "between 1975-01-01 and 9990-12-31" in proc.stderr
