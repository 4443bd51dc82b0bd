"""Read-only SQL against the built warehouse, for checks, reports and metadata. Computes nothing
a model owns: callers select from marts (or count raw rows)."""
from contextlib import contextmanager

import dagster as dg

from orchestration.dagster_defs import settings


class WarehouseResource(dg.ConfigurableResource):
    """DuckDB (opened read-only, only between dbt runs: the file has one writer), Postgres or BigQuery
    (target bigquery or bigquery_emulator: the BIGQUERY_* env vars, as the loader reads them)."""
    target: str = "duckdb"
    duckdb_path: str = ""

    @contextmanager
    def session(self):
        """One connection for several reads (a DuckDB open costs tens of milliseconds)."""
        with self._connection() as con:
            yield con

    @contextmanager
    def _connection(self):
        if self.target == "duckdb":
            import duckdb
            con = duckdb.connect(self.duckdb_path or str(settings.duckdb_path()), read_only=True)
            try:
                yield con
            finally:
                con.close()
        elif self.target == "postgres":
            import psycopg
            from orchestration.generator.load import pg_conninfo
            with psycopg.connect(**pg_conninfo()) as con:
                yield con
        elif self.target.startswith("bigquery"):
            from orchestration.generator.load import bigquery_client
            client = bigquery_client()
            try:
                yield _BigQueryConnection(client)
            finally:
                client.close()
        else:
            raise NotImplementedError(f"reading from {self.target} is not wired here; use duckdb, postgres or bigquery")

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with self._connection() as con:
            return con.execute(sql, params or []).fetchall()

    def query_df(self, sql: str):
        import pandas as pd
        with self._connection() as con:
            cur = con.execute(sql)
            columns = [d[0] for d in cur.description]
            return pd.DataFrame(cur.fetchall(), columns=columns)


class _BigQueryConnection:
    """The slice of a DB-API connection the readers above use, over a BigQuery client; datasets
    (raw_crm, marts, ...) are addressed as schemas, in the client's project."""

    def __init__(self, client):
        self.client = client
        self.description = None
        self._rows: list[tuple] = []

    def execute(self, sql: str, params: list | None = None):
        if params:
            raise NotImplementedError("query parameters are not wired for BigQuery")
        result = self.client.query(sql).result()
        self.description = [(f.name,) for f in result.schema]
        self._rows = [tuple(row.values()) for row in result]
        return self

    def fetchall(self) -> list[tuple]:
        return self._rows


def frame_reader(con):
    """A function SQL -> DataFrame over one open connection (a session's): many small reads, one open."""
    def read(sql: str):
        import pandas as pd
        cur = con.execute(sql)
        return pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description])
    return read


def warehouse_from_env() -> WarehouseResource:
    return WarehouseResource(target=settings.target(), duckdb_path=str(settings.duckdb_path()))
