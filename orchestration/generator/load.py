"""Bulk-load a Parquet directory (generated, or a user's own exports) into DuckDB, Postgres or
BigQuery, all or nothing (on BigQuery: table by table, after every file has been checked).

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

from orchestration.contract import bigquery_schemas

from .core import LEDGER_SCHEMA
from .schema import TABLES, create_table_sql

BIGQUERY_SCHEMAS = bigquery_schemas()


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


# --- BigQuery ------------------------------------------------------------------------------------

def _arrow_bigquery_type(t: pa.DataType) -> str:
    """BigQuery type for a column the contract does not declare (and the ledger's columns)."""
    if pa.types.is_boolean(t):
        return "BOOL"
    if pa.types.is_integer(t):
        return "INT64"
    if pa.types.is_floating(t):
        return "FLOAT64"
    if pa.types.is_decimal(t):
        return "NUMERIC" if t.scale <= 9 and t.precision - t.scale <= 29 else "BIGNUMERIC"
    if pa.types.is_timestamp(t):
        return "TIMESTAMP"
    if pa.types.is_date(t):
        return "DATE"
    return "STRING"


def bigquery_client():
    """A google-cloud-bigquery client from the env vars the dbt profile reads: BIGQUERY_PROJECT,
    BIGQUERY_LOCATION, BIGQUERY_KEYFILE (a service-account key; application default credentials
    when unset). BIGQUERY_API_ENDPOINT (e.g. http://127.0.0.1:9050) sends every call to a BigQuery
    emulator there instead, without credentials."""
    import os

    from google.api_core.client_options import ClientOptions
    from google.cloud import bigquery
    project = os.environ.get("BIGQUERY_PROJECT", "my-gcp-project")
    location = os.environ.get("BIGQUERY_LOCATION", "US")
    endpoint = os.environ.get("BIGQUERY_API_ENDPOINT", "")
    if endpoint:
        from google.auth.credentials import AnonymousCredentials
        return bigquery.Client(project=project, location=location, credentials=AnonymousCredentials(),
                               client_options=ClientOptions(api_endpoint=endpoint))
    keyfile = os.environ.get("BIGQUERY_KEYFILE", "")
    if keyfile:
        from google.oauth2 import service_account
        credentials = service_account.Credentials.from_service_account_file(
            keyfile, scopes=["https://www.googleapis.com/auth/bigquery"])
        return bigquery.Client(project=project, location=location, credentials=credentials)
    return bigquery.Client(project=project, location=location)


def _bigquery_schema(schema: str, table: str, file_schema: pa.Schema):
    """The load job's explicit schema: the contract's columns and types, then any the file adds;
    the ledger's from its Parquet types. All NULLABLE, as on the other engines."""
    from google.cloud import bigquery
    if schema in BIGQUERY_SCHEMAS:
        _, extra = contract_gaps(schema, table, file_schema)
        fields = [bigquery.SchemaField(name, typ) for name, typ in BIGQUERY_SCHEMAS[schema][table]]
        return fields + [bigquery.SchemaField(n, _arrow_bigquery_type(file_schema.field(n).type)) for n in extra]
    return [bigquery.SchemaField(f.name, _arrow_bigquery_type(f.type)) for f in file_schema]


def load_bigquery(src: Path, client=None, progress: bool = True) -> None:
    """Each raw table (and the ledger) into its dataset (raw_crm, ...) by one load job with an explicit
    schema, replacing the table (WRITE_TRUNCATE: each table is swapped whole, or left as it was).
    BigQuery has no transaction across load jobs, so every file is held to the contract before the
    first job: a file lacking a contract column stops the load with nothing written."""
    import tempfile

    from google.api_core import exceptions as gexc
    from google.cloud import bigquery
    try:
        client = client or bigquery_client()
    except Exception as e:  # no credentials, bad key file
        raise LoadError(f"cannot create a BigQuery client: {str(e).strip().splitlines()[0]}") from None
    items = list(_parquet_tables(src))
    for schema, table, path in items:
        if schema in TABLES and path.exists():
            missing, _ = contract_gaps(schema, table, pq.read_schema(path))
            if missing:
                conform(schema, table, pq.read_schema(path).empty_table())    # raises the one-line error
    try:
        for dataset in sorted({schema for schema, _, _ in items}):
            ds = bigquery.Dataset(f"{client.project}.{dataset}")
            ds.location = client.location
            client.create_dataset(ds, exists_ok=True)
        with tempfile.TemporaryDirectory(prefix="warehouse-bq-") as tmp:
            for schema, table, path in tqdm(items, desc="load bigquery", disable=not progress, leave=False):
                is_raw = schema in TABLES
                file_schema = pq.read_schema(path) if path.exists() else TABLES[schema][table]
                if is_raw:
                    _, extra = contract_gaps(schema, table, file_schema)
                    if extra:
                        print(f"warning: {schema}.{table} has columns the contract does not declare, kept: "
                              f"{', '.join(extra)}", file=sys.stderr)
                staged = Path(tmp) / f"{schema}.{table}.parquet"
                writer = None
                batches = pq.ParquetFile(path).iter_batches(batch_size=200_000) if path.exists() else []
                for batch in batches:
                    rows = conform(schema, table, batch) if is_raw else pa.Table.from_batches([batch])
                    writer = writer or pq.ParquetWriter(staged, rows.schema)
                    writer.write_table(rows)
                if writer is None:      # no rows: an empty table of the right shape
                    empty = conform(schema, table, file_schema.empty_table()) if is_raw else file_schema.empty_table()
                    pq.write_table(empty, staged)
                else:
                    writer.close()
                config = bigquery.LoadJobConfig(source_format=bigquery.SourceFormat.PARQUET,
                                                schema=_bigquery_schema(schema, table, file_schema),
                                                write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE)
                with staged.open("rb") as f:
                    client.load_table_from_file(f, f"{client.project}.{schema}.{table}", job_config=config,
                                                rewind=True).result()
                staged.unlink()
    except LoadError:
        raise
    except (gexc.GoogleAPIError, OSError) as e:
        raise LoadError(f"BigQuery load failed: {str(e).strip().splitlines()[0]}") from None


def append_rows_bigquery(table: pa.Table, schema: str, name: str, client=None) -> None:
    """Append an Arrow table to a raw BigQuery table, as a loader's next batch would."""
    import io

    from google.cloud import bigquery
    client = client or bigquery_client()
    buf = io.BytesIO()
    pq.write_table(conform(schema, name, table), buf)
    buf.seek(0)
    config = bigquery.LoadJobConfig(source_format=bigquery.SourceFormat.PARQUET,
                                    schema=_bigquery_schema(schema, name, table.schema),
                                    write_disposition=bigquery.WriteDisposition.WRITE_APPEND)
    client.load_table_from_file(buf, f"{client.project}.{schema}.{name}", job_config=config).result()
