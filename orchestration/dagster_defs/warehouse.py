"""Read-only SQL against the built warehouse, for checks, reports and metadata. Computes nothing
a model owns: callers select from marts (or count raw rows)."""
from contextlib import contextmanager

import dagster as dg

from orchestration.dagster_defs import settings


class WarehouseResource(dg.ConfigurableResource):
    """DuckDB (opened read-only, only between dbt runs: the file has one writer) or Postgres."""
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
        else:
            raise NotImplementedError(f"reading from {self.target} is not wired here; use duckdb or postgres")

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with self._connection() as con:
            return con.execute(sql, params or []).fetchall()

    def query_df(self, sql: str):
        import pandas as pd
        with self._connection() as con:
            cur = con.execute(sql)
            columns = [d[0] for d in cur.description]
            return pd.DataFrame(cur.fetchall(), columns=columns)


def warehouse_from_env() -> WarehouseResource:
    return WarehouseResource(target=settings.target(), duckdb_path=str(settings.duckdb_path()))
