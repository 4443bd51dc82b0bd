"""Bulk-load a Parquet directory (generated, or a user's own exports) into DuckDB or Postgres,
all or nothing.

Each load runs in one transaction: if anything fails, the previous raw data
stays exactly as it was. Each raw file is held to the contract first
(`conform`): a missing contract column stops the load with one line naming
table and column; a column the source added is kept and reported; timestamps
with an offset (or time zone) become UTC without time zone, as the contract
says, and naive ones are taken as UTC. A file that matches the contract exactly
is read by DuckDB itself; anything else goes through Arrow, batch by batch.
"""
import io
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from tqdm import tqdm

from .core import LEDGER_SCHEMA
from .schema import TABLES, create_table_sql


class LoadError(Exception):
    """A load that could not start or finish; nothing was changed."""


def _arrow_sql_type(t: pa.DataType) -> str:
    """SQL type (DuckDB and Postgres) for a column the contract does not declare."""
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "text"
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_integer(t):
        return "bigint"
    if pa.types.is_floating(t):
        return "double precision"
    if pa.types.is_decimal(t):
        return f"numeric({t.precision},{t.scale})"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_date(t):
        return "date"
    return "text"


def _as_utc_naive(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A timestamp column as UTC without time zone: aware values are converted, naive ones
    (and strings without an offset) are taken as UTC; strings may carry any ISO 8601 offset."""
    import pandas as pd
    t = column.type
    if pa.types.is_timestamp(t):
        return column.cast(pa.timestamp("us"))     # Arrow stores UTC; dropping the zone keeps the instant
    values = pd.to_datetime(column.to_pandas(), utc=True, format="ISO8601")
    return pa.array(values.dt.tz_localize(None), type=pa.timestamp("us"))


def contract_gaps(schema: str, table: str, file_schema: pa.Schema) -> tuple[list[str], list[str]]:
    """(contract columns the file lacks, columns the file adds)."""
    contract = TABLES[schema][table]
    missing = [f.name for f in contract if f.name not in file_schema.names]
    extra = [n for n in file_schema.names if n not in contract.names]
    return missing, extra


def conform(schema: str, table: str, batch: pa.Table | pa.RecordBatch) -> pa.Table:
    """A batch of a raw file in the contract's column order and types, extra columns after them."""
    contract = TABLES[schema][table]
    missing, extra = contract_gaps(schema, table, batch.schema)
    if missing:
        raise LoadError(f"{schema}.{table} lacks contract column {missing[0]!r} "
                        f"(docs/contracts/raw_sources.yml); nothing was loaded")
    columns, fields = [], []
    for f in contract:
        col = batch.column(f.name)
        if f.type == pa.timestamp("us"):
            col = _as_utc_naive(col)
        elif col.type != f.type:
            col = col.cast(f.type)
        columns.append(col)
        fields.append(f)
    for name in extra:
        columns.append(batch.column(name))
        fields.append(pa.field(name, batch.schema.field(name).type))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _create_raw_table(con, schema: str, table: str, file_schema: pa.Schema, replace: bool) -> list[str]:
    """Create the raw table from the contract plus any columns the file adds; returns those extras."""
    _, extra = contract_gaps(schema, table, file_schema)
    if replace:
        con.execute(f"drop table if exists {schema}.{table}")
        con.execute(create_table_sql(schema, table))
    else:
        con.execute(create_table_sql(schema, table).replace("create table", "create table if not exists"))
    for name in extra:
        con.execute(f"alter table {schema}.{table} add column if not exists {name} "
                    f"{_arrow_sql_type(file_schema.field(name).type)}")
    if extra:
        print(f"warning: {schema}.{table} has columns the contract does not declare, kept: "
              f"{', '.join(extra)}", file=sys.stderr)
    return extra


def _parquet_tables(src: Path):
    """Every contract table's file (a missing file is an empty table: a source with no rows of it),
    then the generator's ledger files when present."""
    for schema, tables in TABLES.items():
        for table, _arrow_schema in tables.items():
            path = src / schema / f"{table}.parquet"
            if not path.exists():
                print(f"note: no {schema}/{table}.parquet in {src}: loaded as an empty table", file=sys.stderr)
            yield schema, table, path
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
                file_schema = pq.read_schema(path) if path.exists() else TABLES[schema][table]
                missing, _ = contract_gaps(schema, table, file_schema)
                if missing:
                    conform(schema, table, file_schema.empty_table())     # raises the one-line error
                _create_raw_table(con, schema, table, file_schema, replace=True)
                if not path.exists():
                    continue
                pf = pq.ParquetFile(path)
                if pf.schema_arrow == TABLES[schema][table]:
                    con.execute(f"insert into {schema}.{table} select * from read_parquet(?)", [str(path)])
                else:
                    for batch in pf.iter_batches(batch_size=200_000):
                        con.register("conformed_batch", conform(schema, table, batch))
                        con.execute(f"insert into {schema}.{table} by name select * from conformed_batch")
                        con.unregister("conformed_batch")
            else:
                con.execute(f"create or replace table {schema}.{table} as select * from read_parquet(?)",
                            [str(path)])
        con.execute("commit")
    except LoadError:
        con.execute("rollback")
        raise
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
                is_raw = schema in TABLES
                if is_raw and not path.exists():        # a table the source has no rows of
                    _create_raw_table(con, schema, table, TABLES[schema][table], replace=False)
                    con.execute(f"truncate {schema}.{table}")
                    continue
                pf = pq.ParquetFile(path)
                if is_raw:
                    # truncate + copy keeps dependent objects; create from the contract when missing
                    missing, _ = contract_gaps(schema, table, pf.schema_arrow)
                    if missing:
                        conform(schema, table, pf.schema_arrow.empty_table())  # raises the one-line error
                    _create_raw_table(con, schema, table, pf.schema_arrow, replace=False)
                    con.execute(f"truncate {schema}.{table}")
                else:
                    con.execute(f"drop table if exists {schema}.{table}")
                    con.execute(_ledger_ddl(schema, table, pf.schema_arrow))
                cols = None
                for batch in pf.iter_batches(batch_size=200_000):
                    rows = conform(schema, table, batch) if is_raw else batch
                    cols = cols or ", ".join(rows.schema.names)
                    buf = io.BytesIO()
                    pacsv.write_csv(rows, buf, opts)
                    with con.cursor().copy(f"copy {schema}.{table} ({cols}) from stdin (format csv)") as cp:
                        cp.write(buf.getvalue())
                con.execute(f"analyze {schema}.{table}")
    except LoadError:
        raise
    except Exception as e:  # any failure rolls the whole transaction back
        raise LoadError(f"Postgres load failed, previous data kept: {str(e).strip().splitlines()[0]}") from None
    finally:
        con.close()


def _ledger_ddl(schema, table, arrow_schema) -> str:
    cols = ", ".join(f"{f.name} {_arrow_sql_type(f.type)}" for f in arrow_schema)
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
    with psycopg.connect(**pg_conninfo(pg_database)) as con, \
            con.cursor().copy(f"copy {schema}.{name} ({', '.join(table.column_names)}) from stdin") as copy:
        for row in table.to_pylist():
            copy.write_row([row[c] for c in table.column_names])
