"""The marts Python computes (forecasts, churn risk): read from the built marts, then written back into
the warehouse, on every target the same way. Each table is replaced whole (on DuckDB and Postgres all
of a run's tables in one transaction, so readers see the old tables or the new ones; on BigQuery one
load job per table), typed and keyed as declared, and on Postgres given the marts' grants and tenant
row-level security. One home for the forecasts and the churn scores.

Connections are dbt's profile's: DBT_DUCKDB_PATH for DuckDB, the PG* variables for Postgres, the
BIGQUERY_* variables for BigQuery (orchestration/generator/load.py: bigquery_client)."""
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np
import pandas as pd

Columns = list[tuple[str, str]]          # (name, SQL type)


class PythonMartRun(Protocol):
    """What a computation hands the writer: its rows per table, as dicts keyed by column name."""

    def rows(self, table: str) -> list[dict]: ...


Run = TypeVar("Run", bound=PythonMartRun)

# the marts' access on Postgres (macros/access/warehouse_access.sql: apply_tenant_rls, grants)
PG_ACCESS = """
alter table marts.{t} enable row level security;
create policy tenant_isolation on marts.{t} for select to analyst using (
    (select pg_has_role(current_user, 'platform_analyst', 'member'))
    or tenant_id in (select m.tenant_id from security.tenant_members as m)
);
grant select on marts.{t} to analyst;
"""

# the column types (the same words on DuckDB and Postgres) in BigQuery's words
BIGQUERY_TYPES = {"text": "STRING", "date": "DATE", "integer": "INT64", "double precision": "FLOAT64",
                  "boolean": "BOOL"}


def create_sql(table: str, columns: Columns, key: tuple[str, ...]) -> str:
    cols = ", ".join(f"{name} {kind}" for name, kind in columns)
    return f"create table marts.{table} ({cols}, primary key ({', '.join(key)}))"


def values(rows: list[dict], columns: Columns) -> list[tuple]:
    """Rows in column order; a missing value or a non-finite float (NaN, inf) is null."""
    names = [name for name, _ in columns]
    return [tuple(None if isinstance(row.get(n), float) and not np.isfinite(row[n]) else row.get(n) for n in names)
            for row in rows]


def read_frame(con, sql: str) -> pd.DataFrame:
    cur = con.execute(sql)
    return pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description])


def write_duckdb(db_path: Path, tables: dict[str, Columns], keys: dict[str, tuple[str, ...]],
                 rows: dict[str, list[dict]]) -> None:
    import duckdb
    con = duckdb.connect(str(db_path))
    try:
        con.execute("begin transaction")
        con.execute("create schema if not exists marts")
        for table, columns in tables.items():
            con.execute(f"drop table if exists marts.{table}")
            con.execute(create_sql(table, columns, keys[table]))
            table_rows = values(rows[table], columns)
            if table_rows:
                con.executemany(f"insert into marts.{table} values ({', '.join('?' for _ in columns)})", table_rows)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.close()


def write_postgres(database: str | None, tables: dict[str, Columns], keys: dict[str, tuple[str, ...]],
                   rows: dict[str, list[dict]]) -> None:
    import psycopg

    from orchestration.generator.load import pg_conninfo
    with psycopg.connect(**pg_conninfo(database)) as con:       # one transaction: readers see old or new
        con.execute("set local lock_timeout = '10s'")
        has_access = con.execute("select exists (select from pg_roles where rolname = 'analyst') "
                                 "and to_regclass('security.tenant_members') is not null").fetchone()[0]
        if not has_access:
            raise RuntimeError("role analyst or security.tenant_members is missing: run dbt build on this "
                               "database first (it creates them), then warehouse forecast")
        con.execute("create schema if not exists marts")
        for table, columns in tables.items():
            con.execute(f"drop table if exists marts.{table}")
            con.execute(create_sql(table, columns, keys[table]))
            names = ", ".join(name for name, _ in columns)
            with con.cursor().copy(f"copy marts.{table} ({names}) from stdin") as copy:
                for row in values(rows[table], columns):
                    copy.write_row(row)
            con.execute(PG_ACCESS.format(t=table))


def bigquery_load_jobs(project: str, tables: dict[str, Columns],
                       rows: dict[str, list[dict]]) -> list[tuple[str, list[dict], list[tuple[str, str]]]]:
    """Per table: its id, its rows as JSON-ready dicts (dates as ISO text, no NaN) and its schema."""
    jobs = []
    for table, columns in tables.items():
        names = [name for name, _ in columns]
        json_rows = [{n: v.isoformat() if isinstance(v, date) else v for n, v in zip(names, row, strict=True)}
                     for row in values(rows[table], columns)]
        jobs.append((f"{project}.marts.{table}", json_rows, [(n, BIGQUERY_TYPES[t]) for n, t in columns]))
    return jobs


def write_bigquery(client, tables: dict[str, Columns], rows: dict[str, list[dict]]) -> None:
    """One load job per table with WRITE_TRUNCATE: each table is replaced atomically (BigQuery has no
    transaction across tables; they are written in the order declared). Dataset marts exists once dbt
    has built it. No grants: BigQuery access is by dataset IAM (docs/ACCESS.md)."""
    from google.cloud import bigquery
    for table_id, json_rows, schema in bigquery_load_jobs(client.project, tables, rows):
        config = bigquery.LoadJobConfig(schema=[bigquery.SchemaField(n, t) for n, t in schema],
                                        write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE)
        client.load_table_from_json(json_rows, table_id, job_config=config).result()


def read_and_replace(target: str, compute: Callable[[object], Run], tables: dict[str, Columns],
                     keys: dict[str, tuple[str, ...]], duckdb_path: Path | None = None, database: str | None = None,
                     bigquery=None) -> Run:
    """compute(connection to the built marts) -> a run; then `tables` are replaced with its rows.
    target: duckdb, postgres, or bigquery / bigquery_emulator (dbt's target names; the env says where);
    bigquery: a google-cloud-bigquery client (default: bigquery_client() from the BIGQUERY_* variables)."""
    if target.startswith("bigquery"):
        from orchestration.dagster_defs.warehouse import _BigQueryConnection
        if bigquery is None:
            from orchestration.generator.load import bigquery_client
            bigquery = bigquery_client()
        run = compute(_BigQueryConnection(bigquery))
        write_bigquery(bigquery, tables, {table: run.rows(table) for table in tables})
        return run
    if target == "duckdb":
        import duckdb
        con = duckdb.connect(str(duckdb_path), read_only=True)
    else:
        import psycopg
        from orchestration.generator.load import pg_conninfo
        con = psycopg.connect(**pg_conninfo(database))
    try:
        run = compute(con)
    finally:
        con.close()
    rows = {table: run.rows(table) for table in tables}
    if target == "duckdb":
        write_duckdb(duckdb_path, tables, keys, rows)
    else:
        write_postgres(database, tables, keys, rows)
    return run
