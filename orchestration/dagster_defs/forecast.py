"""The forecast marts as one Python asset step (orchestration/forecast): it reads the built
`marts.mrr_monthly` and `marts.period_kpis` weekly rows, writes `marts.revenue_forecast`,
`marts.forecast_backtest` and `marts.forecast_backtest_steps`, then checks what it wrote.

It runs in the daily build after the dbt marts it reads, with the run's as-of date
(settings.run_as_of_date, the clock dbt was given) and in the writer pool: on DuckDB the file has
one writer.

Before it replaces the forecast, the step compares the forecast stored by an earlier run with the
months that have completed since: a month whose actual ending MRR is below that forecast's 80 %
lower bound is a warning and an alert (check ending_mrr_within_earlier_forecast). The earlier
forecast is the one in marts.revenue_forecast when the step starts: made before those months, from
history through its trained_through (docs/DECISIONLOG.md, "Targets")."""
from pathlib import Path

import dagster as dg

from orchestration.dagster_defs import settings
from orchestration.dagster_defs.alerts import send_alert
from orchestration.dagster_defs.dbt_assets import MART_FRESHNESS
from orchestration.dagster_defs.mart_rules import check_rules, duplicate_keys_sql
from orchestration.dagster_defs.warehouse import WarehouseResource
from orchestration.forecast.run import BACKTEST, BACKTEST_STEPS, FORECAST, PRIMARY_KEYS, run_forecast
from orchestration.forecast.series import SERIES

READS = ("mrr_monthly", "period_kpis")
KEYS = {table: dg.AssetKey(["marts", table]) for table in (FORECAST, BACKTEST, BACKTEST_STEPS)}
DESCRIPTIONS = {
    FORECAST: "Per tenant: 12 months of ending MRR and 8 weeks of store net revenue, point forecast with 80 % "
              "and 95 % prediction intervals, the model that made it and why (backtest, or a declared fallback).",
    BACKTEST: "Per tenant, series and candidate model: rolling-origin MAPE, MASE and interval coverage, the "
              "seasonal-naive baseline's MASE, whether the model beats it, and which model was chosen.",
    BACKTEST_STEPS: "The backtest per horizon step: MAPE, MASE and 80 %/95 % coverage one, two, ... periods ahead.",
}
CHECKS = {FORECAST: "keys_unique_intervals_nested_full_horizon", BACKTEST: "keys_unique_one_chosen_model",
          BACKTEST_STEPS: "keys_unique_steps_within_horizon"}
HORIZON_SQL = "case series " + " ".join(f"when '{s.name}' then {s.horizon}" for s in SERIES) + " end"


def _duplicate_keys_sql(table: str) -> str:
    return duplicate_keys_sql(table, PRIMARY_KEYS[table])


# per table: (what a failure means, a query counting the offending rows or groups)
RULES = {
    FORECAST: [
        ("duplicate keys", _duplicate_keys_sql(FORECAST)),
        ("intervals not nested around the point", f"select count(*) from marts.{FORECAST} where not ("
         "lower_95 <= lower_80 and lower_80 <= point_forecast and point_forecast <= upper_80 "
         "and upper_80 <= upper_95)"),
        ("series without a full horizon", f"select count(*) from (select tenant_id, series from marts.{FORECAST} "
         f"group by tenant_id, series having count(*) <> max({HORIZON_SQL})) as h"),
    ],
    BACKTEST: [
        ("duplicate keys", _duplicate_keys_sql(BACKTEST)),
        ("series without exactly one chosen model", f"select count(*) from (select tenant_id, series from "
         f"marts.{BACKTEST} group by tenant_id, series "
         "having sum(case when is_chosen then 1 else 0 end) <> 1) as c"),
    ],
    BACKTEST_STEPS: [
        ("duplicate keys", _duplicate_keys_sql(BACKTEST_STEPS)),
        ("steps outside the horizon", f"select count(*) from marts.{BACKTEST_STEPS} "
         f"where horizon_step < 1 or horizon_step > {HORIZON_SQL}"),
    ],
}


def check_forecast_marts(warehouse: WarehouseResource) -> list[dg.AssetCheckResult]:
    return check_rules(warehouse, RULES, KEYS, CHECKS)


EARLIER_FORECAST_CHECK = "ending_mrr_within_earlier_forecast"
# every month of mrr_monthly (complete months only) the stored forecast covers: made before it
EARLIER_FORECAST_SQL = f"""
    select f.tenant_id, f.period_start, m.ending_mrr, f.lower_80, f.point_forecast, f.trained_through, f.model,
           case when m.ending_mrr < f.lower_80 then 1 else 0 end as is_below
    from marts.{FORECAST} as f
    inner join marts.mrr_monthly as m on m.tenant_id = f.tenant_id and m.month = f.period_start
    where f.series = 'ending_mrr'
    order by f.tenant_id, f.period_start"""
TABLE_EXISTS_SQL = (f"select count(*) from information_schema.tables "
                    f"where table_schema = 'marts' and table_name = '{FORECAST}'")
# BigQuery keeps INFORMATION_SCHEMA per dataset
BIGQUERY_TABLE_EXISTS_SQL = f"select count(*) from marts.INFORMATION_SCHEMA.TABLES where table_name = '{FORECAST}'"


def check_mrr_against_earlier_forecast(warehouse: WarehouseResource, as_of) -> dg.AssetCheckResult:
    """Warns, and alerts once per month below, when a completed month's ending MRR fell below the 80 %
    lower bound of the forecast stored before the month completed. Call it before the forecast is
    replaced."""
    with warehouse.session() as con:
        exists_sql = BIGQUERY_TABLE_EXISTS_SQL if warehouse.target.startswith("bigquery") else TABLE_EXISTS_SQL
        stored = con.execute(exists_sql).fetchall()[0][0] > 0
        rows = con.execute(EARLIER_FORECAST_SQL).fetchall() if stored else []
    below = [{"tenant_id": tenant, "month": str(month)[:10], "ending_mrr": float(actual),
              "forecast_lower_80": float(lower), "forecast_point": float(point),
              "forecast_trained_through": str(trained)[:10], "model": model}
             for tenant, month, actual, lower, point, trained, model, is_below in rows if is_below]
    if below:
        send_alert("mrr_below_forecast", f"{len(below)} month(s) of ending MRR below the forecast's 80 % lower "
                   "bound", as_of_date=as_of.isoformat(), months=below)
    if not stored:
        description = "no earlier forecast stored: nothing to compare yet"
    elif not rows:
        description = "no month has completed since the stored forecast was made"
    else:
        description = ("; ".join(f"{b['tenant_id']} {b['month']}: ending MRR {b['ending_mrr']:,.2f} below "
                                 f"{b['forecast_lower_80']:,.2f}" for b in below)
                       or f"{len(rows)} completed month(s) within or above the earlier forecast's 80 % band")
    return dg.AssetCheckResult(
        asset_key=KEYS[FORECAST], check_name=EARLIER_FORECAST_CHECK, passed=not below,
        severity=dg.AssetCheckSeverity.WARN, description=description,
        metadata={"months_compared": dg.MetadataValue.int(len(rows)),
                  "months_below": dg.MetadataValue.json(below)})


@dg.multi_asset(
    name="revenue_forecast", pool="warehouse_writer",
    specs=[dg.AssetSpec(key, group_name="marts_forecast", owners=["team:data-platform"], kinds={"python"},
                        deps=[dg.AssetKey(["marts", name]) for name in READS], description=DESCRIPTIONS[table],
                        freshness_policy=MART_FRESHNESS)
           for table, key in KEYS.items()],
    check_specs=[*(dg.AssetCheckSpec(CHECKS[table], asset=key, description=" / ".join(w for w, _ in RULES[table]))
                   for table, key in KEYS.items()),
                 dg.AssetCheckSpec(EARLIER_FORECAST_CHECK, asset=KEYS[FORECAST], blocking=False,
                                   description="Warns and alerts when a month's actual ending MRR is below the "
                                               "80 % lower bound of the forecast stored before that month "
                                               "completed.")])
def revenue_forecast(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    as_of = settings.run_as_of_date(context)
    earlier = check_mrr_against_earlier_forecast(warehouse, as_of)      # before the forecast is replaced
    run = run_forecast(warehouse.target, as_of, duckdb_path=Path(warehouse.duckdb_path or settings.duckdb_path()),
                       progress=context.log.info)
    chosen = "\n".join(f"| {r.tenant_id} | {r.series} | {r.model or 'none'} | {r.selection} |" for r in run.results)
    for table, key in KEYS.items():
        metadata = {"as_of_date": dg.MetadataValue.text(as_of.isoformat()),
                    "dagster/row_count": dg.MetadataValue.int(len(run.rows(table)))}
        if table == FORECAST:
            metadata["models"] = dg.MetadataValue.md("| tenant | series | model | why |\n|---|---|---|---|\n" + chosen)
            metadata["fallbacks"] = dg.MetadataValue.int(sum(1 for r in run.results if r.model in (None, "naive")))
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)
    yield from check_forecast_marts(warehouse)
    yield earlier
