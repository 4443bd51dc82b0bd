"""The source generator: deterministic, bounded errors, atomic loads, mess at the documented rates,
and a ledger that agrees with the raw data where the two can be compared independently."""
import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.generator import profiles as P
from orchestration.generator.core import generate
from orchestration.generator.load import LoadError, load_duckdb, load_postgres
from orchestration.generator.schema import TABLES

from conftest import AS_OF, Warehouse, base_env, query, reset_pg_database, warehouse_cli, pg_test_db


def _file_digests(root: Path) -> dict[str, str]:
    """Hash of every table's rows as read back from Parquet (independent of the generator's own hash)."""
    out = {}
    for path in sorted(root.rglob("*.parquet")):
        table = pq.read_table(path)
        h = hashlib.sha256()
        for col in table.columns:
            h.update(repr(col.to_pylist()).encode())
        out[str(path.relative_to(root))] = h.hexdigest()
    return out


def test_same_arguments_give_identical_data(tmp_path):
    """Whatever the number of worker processes: the tenants are simulated two at once, then one by one."""
    a = generate(tmp_path / "a", 2, 0.01, 7, AS_OF, progress=False, workers=2)
    b = generate(tmp_path / "b", 2, 0.01, 7, AS_OF, progress=False, workers=1)
    c = generate(tmp_path / "c", 2, 0.01, 8, AS_OF, progress=False)
    assert a.data_sha256 == b.data_sha256
    assert _file_digests(tmp_path / "a") == _file_digests(tmp_path / "b")
    assert a.data_sha256 != c.data_sha256
    assert _file_digests(tmp_path / "a") != _file_digests(tmp_path / "c")


def test_every_table_is_written_with_several_tenants(tmp_path):
    res = generate(tmp_path / "g", 4, 0.01, 1, AS_OF, progress=False)
    for schema, tables in TABLES.items():
        for table in tables:
            t = pq.read_table(tmp_path / "g" / schema / f"{table}.parquet")
            assert t.num_rows > 0, f"{schema}.{table} is empty"
            assert len(set(t["tenant_id"].to_pylist())) == 4, f"{schema}.{table}"
    assert res.row_counts["raw_commerce.web_events"] == max(res.row_counts.values())


@pytest.mark.parametrize("args, message", [
    (["generate", "--scale", "-1"], "scale must be > 0"),
    (["generate", "--scale", "abc"], "not a number"),
    (["generate", "--tenants", "0"], "tenants must be between"),
    (["generate", "--workers", "0"], "workers must be between"),
    (["generate", "--target", "mysql"], "invalid choice"),
    (["generate", "--as-of-date", "2026-13-01"], "not a date"),
])
def test_bad_arguments_give_one_line_and_exit_2(tmp_path, args, message):
    proc = warehouse_cli(base_env(tmp_path), *args, "--no-progress", check=False)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and message in proc.stderr
    assert proc.stdout == ""


def test_unreachable_postgres_gives_one_line_and_exit_2(tmp_path):
    env = base_env(tmp_path)
    env.update(PGHOST="127.0.0.1", PGPORT="1")
    proc = warehouse_cli(env, "generate", "--target", "postgres", "--no-progress", check=False)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "cannot reach Postgres" in proc.stderr


def test_locked_duckdb_file_gives_one_line_and_exit_2(tmp_path):
    db = tmp_path / "locked.duckdb"
    hold = f"import duckdb,time; c=duckdb.connect('{db}'); print('x', flush=True); time.sleep(30)"
    holder = subprocess.Popen([sys.executable, "-c", hold],
                              stdout=subprocess.PIPE, text=True)
    try:
        holder.stdout.readline()
        proc = warehouse_cli(base_env(tmp_path), "generate", "--duckdb-path", str(db), "--no-progress", check=False)
        assert proc.returncode == 2
        assert proc.stderr.count("\n") == 1 and "cannot open DuckDB file" in proc.stderr
    finally:
        holder.kill()


def _break_one_table(src: Path):
    """Make the load fail half-way: a later table's file is not Parquet."""
    (src / "raw_commerce" / "refunds.parquet").write_bytes(b"not parquet")


def test_failed_duckdb_load_keeps_previous_raw_data(tmp_path):
    db = tmp_path / "w.duckdb"
    generate(tmp_path / "first", 1, 0.01, 1, AS_OF, progress=False)
    load_duckdb(tmp_path / "first", db, progress=False)
    before = duckdb.connect(str(db)).execute("select count(*) from raw_crm.leads").fetchone()[0]
    generate(tmp_path / "second", 2, 0.01, 2, AS_OF, progress=False)
    _break_one_table(tmp_path / "second")
    with pytest.raises(LoadError, match="previous data kept"):
        load_duckdb(tmp_path / "second", db, progress=False)
    con = duckdb.connect(str(db))
    assert con.execute("select count(*) from raw_crm.leads").fetchone()[0] == before
    assert con.execute("select count(distinct tenant_id) from raw_crm.leads").fetchone()[0] == 1


def test_failed_postgres_load_keeps_previous_raw_data(tmp_path, monkeypatch):
    import psycopg
    from orchestration.generator.load import pg_conninfo
    db = pg_test_db("warehouse_test_atomic")
    reset_pg_database(db)
    monkeypatch.setenv("PGDATABASE", db)
    generate(tmp_path / "first", 1, 0.01, 1, AS_OF, progress=False)
    load_postgres(tmp_path / "first", progress=False)
    count = "select count(*), count(distinct tenant_id) from raw_crm.leads"
    with psycopg.connect(**pg_conninfo(db)) as con:
        before = con.execute(count).fetchone()
    generate(tmp_path / "second", 2, 0.01, 2, AS_OF, progress=False)
    _break_one_table(tmp_path / "second")
    with pytest.raises(LoadError):
        load_postgres(tmp_path / "second", progress=False)
    with psycopg.connect(**pg_conninfo(db)) as con:
        assert con.execute(count).fetchone() == before


# --- planted mess, observed in the loaded raw data --------------------------------------------

def _raw_one(wh, sql):
    """First row, numbers as float/int (Postgres returns Decimal for sums)."""
    from decimal import Decimal
    return tuple(float(v) if isinstance(v, Decimal) else v for v in query(wh, sql)[0])


@pytest.mark.parametrize("table, key", [("raw_commerce.web_events", "event_id"),
                                        ("raw_commerce.order_items", "id"), ("raw_crm.activities", "id")])
def test_duplicate_loads_at_documented_rate(warehouse: Warehouse, table, key):
    rows, keys = _raw_one(warehouse, f"select count(*), count(distinct tenant_id || '|' || {key}) from {table}")
    planted = _raw_one(warehouse, f"""select coalesce(sum(planted_rows), 0) from generator_ledger.planted_bad_rows
                                     where source_table = '{table}' and reason = 'null_key'""")[0]
    share = (rows - keys - planted) / keys
    assert share == pytest.approx(P.DUPLICATE_LOAD_RATE, rel=0.3)


def test_text_noise_at_documented_rate(warehouse: Warehouse):
    noisy, total = _raw_one(warehouse, """select sum(case when email <> lower(email) then 1 else 0 end), count(*)
                                          from raw_commerce.customers""")
    assert noisy / total == pytest.approx(P.TEXT_NOISE_RATE, rel=0.3)
    noisy, total = _raw_one(warehouse, """select sum(case when currency <> upper(currency) then 1 else 0 end), count(*)
                                          from raw_commerce.orders""")
    assert noisy / total == pytest.approx(P.TEXT_NOISE_RATE, rel=0.3)


def test_bad_rows_at_documented_rate(warehouse: Warehouse):
    rows = query(warehouse, """
        select l.source_table, l.reason, sum(l.planted_rows)
        from generator_ledger.planted_bad_rows as l group by 1, 2""")
    totals = {t: n for t, n in query(warehouse, """
        select 'raw_commerce.web_events', count(*) from raw_commerce.web_events
        union all select 'raw_crm.health_scores', count(*) from raw_crm.health_scores""")}
    for table, reason, planted in rows:
        if table in totals:
            assert float(planted) / totals[table] == pytest.approx(P.BAD_ROW_RATE, rel=0.25), (table, reason)
    # the null keys the ledger says it planted are the null keys in raw
    null_ids = _raw_one(warehouse, "select count(*) from raw_commerce.web_events where event_id is null")[0]
    planted_null = _raw_one(warehouse, """select sum(planted_rows) from generator_ledger.planted_bad_rows
                                         where source_table = 'raw_commerce.web_events' and reason = 'null_key'""")[0]
    assert null_ids == int(planted_null) > 0
    orphans = _raw_one(warehouse, """
        select count(*) from raw_commerce.order_items i
        where not exists (select 1 from raw_commerce.orders o where o.tenant_id = i.tenant_id and o.id = i.order_id)""")[0]
    planted_orphans = _raw_one(warehouse, """select sum(planted_rows) from generator_ledger.planted_bad_rows
                                            where source_table = 'raw_commerce.order_items' and reason = 'orphan_fk'""")[0]
    assert orphans == int(planted_orphans) > 0


def test_ledger_funnel_agrees_with_raw_leads(warehouse: Warehouse):
    """Stage counts from the raw leads (latest version, planted bad rows left out) equal the ledger's."""
    raw = query(warehouse, """
        with ranked as (
            select *, row_number() over (partition by tenant_id, id
                                         order by updated_at desc, _loaded_at desc) as rn
            from raw_crm.leads where id is not null and id not like '%-dq%'
        )
        select tenant_id, count(*),
               sum(case when coalesce(first_contacted_at, qualified_at, converted_at) is not null then 1 else 0 end),
               sum(case when coalesce(qualified_at, converted_at) is not null then 1 else 0 end),
               sum(case when converted_at is not null then 1 else 0 end)
        from ranked where rn = 1 group by 1 order by 1""")
    ledger = query(warehouse, """
        select tenant_id, sum(leads), sum(contacted), sum(qualified), sum(won)
        from generator_ledger.funnel group by 1 order by 1""")
    assert [tuple(int(v) for v in r[1:]) for r in raw] == [tuple(int(v) for v in r[1:]) for r in ledger]
    assert [r[0] for r in raw] == [r[0] for r in ledger]


def test_ledger_mrr_customers_exist_in_raw_billing(warehouse: Warehouse):
    missing = _raw_one(warehouse, """
        select count(*) from generator_ledger.mrr m
        where not exists (select 1 from raw_billing.customers c
                          where c.tenant_id = m.tenant_id and c.id = m.customer_id)""")[0]
    months = _raw_one(warehouse, "select count(*), max(month) from generator_ledger.mrr")
    assert missing == 0 and months[0] > 100
    assert str(months[1]) == "2026-10-01"   # the last complete month before as_of_date
