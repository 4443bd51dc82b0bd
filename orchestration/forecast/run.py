"""Read the series from the built marts, forecast every tenant and series, write the forecast marts.

    warehouse forecast --target duckdb|postgres|bigquery [--as-of-date YYYY-MM-DD]

Connections are dbt's profile's: DBT_DUCKDB_PATH for DuckDB, the PG* variables for Postgres, the
BIGQUERY_* variables for BigQuery (orchestration/generator/load.py: bigquery_client). Only periods
complete before the as-of date are used (the marts already stop there when built with the same date).
The three tables are replaced together, in one transaction (on BigQuery one load job each); on
Postgres they get the marts' grant and tenant row-level security (macros/access).
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration import mart_writer
from orchestration.forecast.series import SERIES, SeriesResult, SeriesSpec, forecast_series

FORECAST = "revenue_forecast"
BACKTEST = "forecast_backtest"
BACKTEST_STEPS = "forecast_backtest_steps"

# every column, in order, with its type (the same words on DuckDB and Postgres)
TABLES: dict[str, list[tuple[str, str]]] = {
    FORECAST: [("tenant_id", "text"), ("series", "text"), ("period_start", "date"), ("horizon_step", "integer"),
               ("point_forecast", "double precision"), ("lower_80", "double precision"),
               ("upper_80", "double precision"), ("lower_95", "double precision"), ("upper_95", "double precision"),
               ("model", "text"), ("selection", "text"), ("trained_through", "date"), ("as_of_date", "date")],
    BACKTEST: [("tenant_id", "text"), ("series", "text"), ("model", "text"), ("is_chosen", "boolean"),
               ("folds", "integer"), ("mape", "double precision"), ("mase", "double precision"),
               ("coverage_80", "double precision"), ("coverage_95", "double precision"),
               ("baseline_mase", "double precision"), ("beats_baseline", "boolean"), ("as_of_date", "date")],
    BACKTEST_STEPS: [("tenant_id", "text"), ("series", "text"), ("model", "text"), ("horizon_step", "integer"),
                     ("folds", "integer"), ("mape", "double precision"), ("mase", "double precision"),
                     ("coverage_80", "double precision"), ("coverage_95", "double precision"),
                     ("as_of_date", "date")],
}
PRIMARY_KEYS = {FORECAST: ("tenant_id", "series", "period_start"), BACKTEST: ("tenant_id", "series", "model"),
                BACKTEST_STEPS: ("tenant_id", "series", "model", "horizon_step")}


@dataclass
class ForecastRun:
    as_of: date
    results: list[SeriesResult] = field(default_factory=list)

    def rows(self, table: str) -> list[dict]:
        kind = {FORECAST: "forecast", BACKTEST: "backtest", BACKTEST_STEPS: "steps"}[table]
        return [{**row, "as_of_date": self.as_of} for r in self.results for row in getattr(r, kind)]


def _frame(con, sql: str) -> pd.DataFrame:
    cur = con.execute(sql)
    return pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description])


def series_of(frame: pd.DataFrame, spec: SeriesSpec, as_of: date) -> dict[str, tuple[list[date], np.ndarray, int]]:
    """Per tenant: consecutive complete period starts, their values, and how many periods inside the
    range the mart lacked (counted as 0 and reported, never silently)."""
    out = {}
    for tenant, rows in frame.groupby("tenant_id", sort=True):
        rows = rows.assign(period_start=pd.to_datetime(rows["period_start"]))
        rows = rows[[spec.is_complete(p.date(), as_of) for p in rows["period_start"]]].sort_values("period_start")
        if rows.empty:
            continue
        grid = pd.date_range(rows["period_start"].iloc[0], rows["period_start"].iloc[-1],
                             freq="MS" if spec.grain == "month" else "7D")
        values = rows.set_index("period_start")["value"].astype(float).reindex(grid)
        missing = int(values.isna().sum())
        out[str(tenant)] = ([p.date() for p in grid], values.fillna(0.0).to_numpy(), missing)
    return out


def forecast_all(con, as_of: date, progress: Callable[[str], None] = print) -> ForecastRun:
    run = ForecastRun(as_of)
    for spec in SERIES:
        for tenant, (periods, values, missing) in series_of(_frame(con, spec.sql), spec, as_of).items():
            result = forecast_series(tenant, spec, periods, values)
            if missing:
                result.selection += f"; {missing} {spec.grain}s absent from the mart counted as 0"
                for row in result.forecast:
                    row["selection"] = result.selection
            run.results.append(result)
            progress(result.progress_line())
    return run


def _values(run: ForecastRun, table: str) -> list[tuple]:
    return mart_writer.values(run.rows(table), TABLES[table])


def _rows(run: ForecastRun) -> dict[str, list[dict]]:
    return {table: run.rows(table) for table in TABLES}


def write_duckdb(run: ForecastRun, db_path: Path) -> None:
    mart_writer.write_duckdb(db_path, TABLES, PRIMARY_KEYS, _rows(run))


def write_postgres(run: ForecastRun, database: str | None = None) -> None:
    mart_writer.write_postgres(database, TABLES, PRIMARY_KEYS, _rows(run), "the forecast")


# the column types above in BigQuery's words
BIGQUERY_TYPES = {"text": "STRING", "date": "DATE", "integer": "INT64", "double precision": "FLOAT64",
                  "boolean": "BOOL"}


def bigquery_load_jobs(run: ForecastRun, project: str) -> list[tuple[str, list[dict], list[tuple[str, str]]]]:
    """Per table: its id, its rows as JSON-ready dicts (dates as ISO text, no NaN) and its schema."""
    jobs = []
    for table, columns in TABLES.items():
        names = [name for name, _ in columns]
        rows = [{n: v.isoformat() if isinstance(v, date) else v for n, v in zip(names, values)}
                for values in _values(run, table)]
        jobs.append((f"{project}.marts.{table}", rows, [(n, BIGQUERY_TYPES[t]) for n, t in columns]))
    return jobs


def write_bigquery(run: ForecastRun, client=None) -> None:
    """One load job per table with WRITE_TRUNCATE: each table is replaced atomically (BigQuery has no
    transaction across the three; the forecast is written first, the backtests after it). Dataset
    marts exists once dbt has built it. No grants: BigQuery access is by dataset IAM (docs/ACCESS.md)."""
    from google.cloud import bigquery
    if client is None:
        from orchestration.generator.load import bigquery_client
        client = bigquery_client()
    for table_id, rows, schema in bigquery_load_jobs(run, client.project):
        config = bigquery.LoadJobConfig(schema=[bigquery.SchemaField(n, t) for n, t in schema],
                                        write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE)
        client.load_table_from_json(rows, table_id, job_config=config).result()


def connect_read(target: str, duckdb_path: Path | None = None, database: str | None = None):
    if target == "duckdb":
        import duckdb
        return duckdb.connect(str(duckdb_path), read_only=True)
    import psycopg
    from orchestration.generator.load import pg_conninfo
    return psycopg.connect(**pg_conninfo(database))


def run_forecast(target: str, as_of: date, duckdb_path: Path | None = None, database: str | None = None,
                 progress: Callable[[str], None] = print, bigquery=None) -> ForecastRun:
    """bigquery: a google-cloud-bigquery client for target bigquery (default: bigquery_client())."""
    if target.startswith("bigquery"):                 # bigquery, or bigquery_emulator (the env says where)
        from orchestration.dagster_defs.warehouse import _BigQueryConnection
        if bigquery is None:
            from orchestration.generator.load import bigquery_client
            bigquery = bigquery_client()
        run = forecast_all(_BigQueryConnection(bigquery), as_of, progress)
        write_bigquery(run, bigquery)
        return run
    con = connect_read(target, duckdb_path, database)
    try:
        run = forecast_all(con, as_of, progress)
    finally:
        con.close()
    if target == "duckdb":
        write_duckdb(run, duckdb_path)
    else:
        write_postgres(run, database)
    return run
