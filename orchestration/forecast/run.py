"""Read the series from the built marts, forecast every tenant and series, write the forecast marts.

    warehouse forecast --target duckdb|postgres|bigquery [--as-of-date YYYY-MM-DD]

Connections are dbt's profile's (orchestration/mart_writer.py, which reads and writes for every
target). Only periods complete before the as-of date are used (the marts already stop there when
built with the same date). The three tables are replaced together, in one transaction (on BigQuery
one load job each); on Postgres they get the marts' grant and tenant row-level security (macros/access).
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
        for tenant, (periods, values, missing) in series_of(mart_writer.read_frame(con, spec.sql), spec, as_of).items():
            result = forecast_series(tenant, spec, periods, values)
            if missing:
                result.selection += f"; {missing} {spec.grain}s absent from the mart counted as 0"
                for row in result.forecast:
                    row["selection"] = result.selection
            run.results.append(result)
            progress(result.progress_line())
    return run


def run_forecast(target: str, as_of: date, duckdb_path: Path | None = None, database: str | None = None,
                 progress: Callable[[str], None] = print, bigquery=None) -> ForecastRun:
    """bigquery: a google-cloud-bigquery client for target bigquery (default: bigquery_client())."""
    return mart_writer.read_and_replace(target, lambda con: forecast_all(con, as_of, progress), TABLES, PRIMARY_KEYS,
                                        duckdb_path=duckdb_path, database=database, bigquery=bigquery)
