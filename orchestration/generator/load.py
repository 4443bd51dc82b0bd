"""Bulk-load a generated Parquet directory into DuckDB or Postgres, all or nothing.

Each load runs in one transaction: if anything fails, the previous raw data
stays exactly as it was. DuckDB reads the Parquet files itself; Postgres gets
them through COPY, streamed batch by batch.
"""
import io
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from tqdm import tqdm

from .core import LEDGER_SCHEMA
from .schema import TABLES, create_table_sql


class LoadError(Exception):
    """A load that could not start or finish; nothing was changed."""


def _parquet_tables(src: Path):
    for schema, tables in TABLES.items():
        for table in tables:
            yield schema, table, src / schema / f"{table}.parquet"
    for path in sorted((src / LEDGER_SCHEMA).glob("*.parquet")):
        yield LEDGER_SCHEMA, path.stem, path


def load_duckdb(src: Path, db_path: Path, progress: bool = True) -> None:
    import duckdb
    try:
        con = duckdb.connect(str(db_path))
    except duckdb.Error as e:
        raise LoadError(f"cannot open DuckDB file {db_path}: {str(e).splitlines()[0]}") from None
    # bounded memory: the generator has its own working set in this process
    con.execute("set memory_limit = '768MB'")
    con.execute("set preserve_insertion_order = false")
    try:
        con.execute("begin transaction")
        items = list(_parquet_tables(src))
        for schema, table, path in tqdm(items, desc="load duckdb", disable=not progress, leave=False):
            con.execute(f"create schema if not exists {schema}")
            if schema in TABLES:
                # create from the contract so types are exact, then fill
                con.execute(f"drop table if exists {schema}.{table}")
                con.execute(create_table_sql(schema, table))
                con.execute(f"insert into {schema}.{table} select * from read_parquet(?)", [str(path)])
            else:
                con.execute(f"create or replace table {schema}.{table} as select * from read_parquet(?)",
                            [str(path)])
        con.execute("commit")
    except Exception as e:
        con.execute("rollback")
        raise LoadError(f"DuckDB load failed, previous data kept: {str(e).splitlines()[0]}") from None
    finally:
        con.close()


def pg_conninfo(database: str | None = None) -> dict:
    import os
    return dict(host=os.environ.get("PGHOST", "127.0.0.1"), port=int(os.environ.get("PGPORT", "5432")),
                user=os.environ.get("PGUSER", "postgres"), password=os.environ.get("PGPASSWORD", ""),
                dbname=database or os.environ.get("PGDATABASE", "analytics"), connect_timeout=5)


def ensure_pg_database() -> None:
    """Create the target database when missing (connects to the maintenance db first)."""
    import psycopg
    info = pg_conninfo()
    try:
        with psycopg.connect(**{**info, "dbname": "postgres"}, autocommit=True) as con:
            exists = con.execute("select 1 from pg_database where datname = %s", [info["dbname"]]).fetchone()
            if not exists:
                con.execute(f'create database "{info["dbname"]}"')
    except psycopg.Error as e:
        raise LoadError(f"cannot reach Postgres at {info['host']}:{info['port']}: "
                        f"{str(e).strip().splitlines()[0]}") from None


def load_postgres(src: Path, progress: bool = True) -> None:
    import psycopg
    ensure_pg_database()
    try:
        con = psycopg.connect(**pg_conninfo())
    except psycopg.Error as e:
        raise LoadError(f"cannot connect to Postgres: {str(e).strip().splitlines()[0]}") from None
    opts = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    try:
        with con.transaction():
            items = list(_parquet_tables(src))
            for schema, table, path in tqdm(items, desc="load postgres", disable=not progress, leave=False):
                con.execute(f"create schema if not exists {schema}")
                pf = pq.ParquetFile(path)
                if schema in TABLES:
                    # truncate + copy keeps dependent objects; create from the contract when missing
                    con.execute(create_table_sql(schema, table).replace("create table", "create table if not exists"))
                    con.execute(f"truncate {schema}.{table}")
                else:
                    con.execute(f"drop table if exists {schema}.{table}")
                    con.execute(_ledger_ddl(schema, table, pf.schema_arrow))
                cols = ", ".join(pf.schema_arrow.names)
                with con.cursor().copy(f"copy {schema}.{table} ({cols}) from stdin (format csv)") as cp:
                    for batch in pf.iter_batches(batch_size=200_000):
                        buf = io.BytesIO()
                        pacsv.write_csv(batch, buf, opts)
                        cp.write(buf.getvalue())
                con.execute(f"analyze {schema}.{table}")
    except Exception as e:  # any failure rolls the whole transaction back
        raise LoadError(f"Postgres load failed, previous data kept: {str(e).strip().splitlines()[0]}") from None
    finally:
        con.close()


def _ledger_ddl(schema, table, arrow_schema) -> str:
    import pyarrow as pa
    def sql_type(t):
        if pa.types.is_string(t):
            return "text"
        if pa.types.is_date(t):
            return "date"
        if pa.types.is_floating(t):
            return "double precision"
        if pa.types.is_integer(t):
            return "bigint"
        raise TypeError(t)
    cols = ", ".join(f"{f.name} {sql_type(f.type)}" for f in arrow_schema)
    return f"create table {schema}.{table} ({cols})"


def append_rows(table, schema: str, name: str, duckdb_path: Path | None = None,
                pg_database: str | None = None) -> None:
    """Append an Arrow table to a raw table, as a loader's next batch would: into the DuckDB file
    at duckdb_path, or into Postgres (PG* env vars; pg_database overrides PGDATABASE) when
    duckdb_path is None."""
    if duckdb_path is not None:
        import duckdb
        con = duckdb.connect(str(duckdb_path))
        try:
            con.register("batch", table)
            con.execute(f"insert into {schema}.{name} select * from batch")
        finally:
            con.close()
        return
    import psycopg
    with psycopg.connect(**pg_conninfo(pg_database)) as con:
        with con.cursor().copy(f"copy {schema}.{name} ({', '.join(table.column_names)}) from stdin") as copy:
            for row in table.to_pylist():
                copy.write_row([row[c] for c in table.column_names])
