"""Atomic writes (docs/FAULTS.md): a raw load fails whole, a report set is replaced whole, and the
fingerprint that judges two builds equal is itself checked against hand-computed sums."""
import hashlib
import os
import shutil
from datetime import date

import duckdb
import psycopg
import pyarrow.parquet as pq
import pytest

from conftest import REPO, csv_fixture_to_parquet, reset_pg_database
from orchestration import fingerprint as fp
from orchestration.generator.load import LoadError, load_duckdb, load_postgres, pg_conninfo
from orchestration.generator.schema import TABLES
from orchestration.reports import report_paths, write_tenant_report
from orchestration.reports.content import TenantReport

from test_reports import bridge_frame, kpi_frame, movement_frame


def h60(text: str) -> int:
    """The first 60 bits of MD5, as the fingerprint defines them, computed here in Python."""
    return int(hashlib.md5(text.encode()).hexdigest()[:15], 16)


@pytest.fixture(params=["duckdb", "postgres"])
def con(request, tmp_path):
    if request.param == "duckdb":
        c = duckdb.connect(str(tmp_path / "fp.duckdb"))
        yield c
        c.close()
        return
    database = f"faults_fp_{os.getpid()}"
    reset_pg_database(database)
    with psycopg.connect(**pg_conninfo(database), autocommit=True) as c:
        yield c


def test_the_fingerprint_is_the_hand_computed_sum_and_ignores_row_order(con):
    con.execute("create schema s")
    con.execute("create table s.t (name varchar, amount double precision, n integer, d date)")
    con.execute("insert into s.t values ('abc', 1.5, 2, date '2026-01-31'), (null, 0.25, null, null)")
    got = fp.fingerprint(con, "s", "t")
    assert got.rows == 2
    assert dict(got.columns) == {
        "name": str(h60("abc") + h60("\\N")),
        "amount": (1.75, 1.5 ** 2 + 0.25 ** 2),               # floats: their sum and sum of squares
        "n": str(h60("2.000000") + h60("\\N")),
        "d": str(h60("2026-01-31") + h60("\\N")),
    }
    # the row checksum covers the exact columns only
    assert got.row_checksum == str(h60("abc|2.000000|2026-01-31") + h60("\\N|\\N|\\N"))
    con.execute("create table s.u as select * from s.t order by name nulls first")
    assert fp.fingerprint(con, "s", "u") == got


def test_float_sums_agree_within_their_tolerance_and_no_further(con):
    """A float sum's last bits depend on the order of addition: 1e-12 apart is the same, 1e-6 is not
    (a change smaller than 1e-9 of the column's total goes unseen: the price of the tolerance)."""
    con.execute("create schema s")
    con.execute("create table s.t (x double precision)")
    con.execute("insert into s.t values (1.1), (0.2)")
    base = fp.fingerprint(con, "s", "t")
    con.execute("update s.t set x = x + 1e-12 where x < 1")
    assert fp.fingerprint(con, "s", "t") == base
    con.execute("update s.t set x = x + 1e-6 where x < 1")
    assert base.differences(fp.fingerprint(con, "s", "t")) == ["column x differs"]


def test_the_fingerprint_sees_a_changed_value_and_a_value_moved_between_rows(con):
    con.execute("create schema s")
    con.execute("create table s.t (k varchar, v integer)")
    con.execute("insert into s.t values ('a', 1), ('b', 2)")
    base = fp.fingerprint(con, "s", "t")
    con.execute("update s.t set v = 3 where k = 'a'")
    assert base.differences(fp.fingerprint(con, "s", "t")) == ["column v differs"]
    con.execute("update s.t set v = case k when 'a' then 2 else 1 end")      # same values, swapped
    assert base.differences(fp.fingerprint(con, "s", "t")) == [
        "rows differ (same column checksums: values moved between rows)"]


def test_a_build_stamp_is_left_out_and_a_load_stamp_is_not(con):
    """_built_at records when a run wrote the row, so two builds of the same data differ in it;
    _loaded_at is data (when the rows it is built from landed)."""
    con.execute("create schema s")
    con.execute("create table s.t (k varchar, _loaded_at timestamp, _built_at timestamp)")
    con.execute("insert into s.t values ('a', timestamp '2026-01-01 10:00', timestamp '2026-02-01 00:00')")
    base = fp.fingerprint(con, "s", "t")
    assert [c for c, _ in base.columns] == ["k", "_loaded_at"]
    con.execute("update s.t set _built_at = _built_at + interval '1 day'")
    assert fp.fingerprint(con, "s", "t") == base
    con.execute("update s.t set _loaded_at = _loaded_at + interval '1 day'")
    assert base.differences(fp.fingerprint(con, "s", "t")) == ["column _loaded_at differs"]


def small_raw(tmp_path):
    raw = tmp_path / "raw"
    csv_fixture_to_parquet(REPO / "tests" / "fixtures" / "bad_rows", raw)
    return raw


def raw_counts(target: str, where) -> dict[str, int]:
    sql = " union all ".join(f"select '{s}.{t}', count(*) from {s}.{t}" for s in TABLES for t in TABLES[s])
    if target == "duckdb":
        c = duckdb.connect(str(where), read_only=True)
        try:
            return dict(c.execute(sql).fetchall())
        finally:
            c.close()
    with psycopg.connect(**pg_conninfo(where)) as c:
        return dict(c.execute(sql).fetchall())


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_a_load_that_fails_on_its_last_file_leaves_every_raw_table_as_it_was(target, tmp_path, monkeypatch):
    """The loader truncates and refills table after table; a file that cannot be read at the end
    rolls all of it back, the tables it had already refilled included."""
    raw = small_raw(tmp_path)
    where = tmp_path / "w.duckdb" if target == "duckdb" else f"faults_load_{os.getpid()}"
    if target == "postgres":
        reset_pg_database(where)
        monkeypatch.setenv("PGDATABASE", where)
    load = (lambda src: load_duckdb(src, where, progress=False)) if target == "duckdb" else \
        (lambda src: load_postgres(src, progress=False))
    load(raw)
    before = raw_counts(target, where)
    assert sum(before.values()) > 0
    broken = tmp_path / "broken"
    shutil.copytree(raw, broken)
    for schema, tables in TABLES.items():                   # every table emptied by this load...
        for table, arrow_schema in tables.items():
            pq.write_table(arrow_schema.empty_table(), broken / schema / f"{table}.parquet")
    schema, tables = list(TABLES.items())[-1]               # ...until the one it loads last cannot be read
    (broken / schema / f"{list(tables)[-1]}.parquet").write_bytes(b"PAR1 not a parquet file")
    with pytest.raises(LoadError, match="previous data kept"):
        load(broken)
    assert raw_counts(target, where) == before


def report(as_of: date) -> TenantReport:
    return TenantReport("tn_test", as_of, kpi_frame(), bridge_frame(), movement_frame())


def test_a_report_that_fails_mid_write_leaves_the_previous_files_whole(tmp_path, monkeypatch):
    write_tenant_report(tmp_path, report(date(2026, 11, 21)))
    previous = {kind: path.read_bytes() for kind, path in report_paths(tmp_path, "tn_test").items()}

    def half_a_pdf(report, path):
        path.write_bytes(b"%PDF-1.4 half")
        raise OSError("disk full")

    monkeypatch.setattr("orchestration.reports.pdf.write_pdf", half_a_pdf)
    with pytest.raises(OSError, match="disk full"):
        write_tenant_report(tmp_path, report(date(2026, 12, 2)))
    assert {kind: path.read_bytes() for kind, path in report_paths(tmp_path, "tn_test").items()} == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in report_paths(tmp_path, "tn_test")
                                                                .values())
    monkeypatch.undo()
    write_tenant_report(tmp_path, report(date(2026, 12, 2)))        # the next run replaces them
    assert report_paths(tmp_path, "tn_test")["csv"].read_bytes() != previous["csv"] or \
        report_paths(tmp_path, "tn_test")["pdf"].read_bytes() != previous["pdf"]
