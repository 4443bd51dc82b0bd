"""Metric anomaly checks and the run-failure sensor; both report through the alert sink.

The anomaly rules live in the dbt model marts.metric_anomalies_daily; the check reads the latest
complete day of the run's clock (the day before settings.run_as_of_date) per tenant and warns (it
never blocks: a bad sales day is news, not broken data)."""
from datetime import timedelta

import dagster as dg

from orchestration.dagster_defs import settings
from orchestration.dagster_defs.alerts import send_alert
from orchestration.dagster_defs.warehouse import WarehouseResource

ANOMALIES = dg.AssetKey(["marts", "metric_anomalies_daily"])


def _rules() -> dict[str, str]:
    """The alert rules' flags and their wording, thresholds read from dbt_project.yml (their one home)."""
    v = settings.dbt_vars()
    z = v["anomaly_z_max"]

    def drop(what: str, floor: str) -> str:
        return (f"{what} of the last 7 days below {float(v[floor]):.0%} of the 28 days before them, "
                f"beyond chance (z below -{z})")

    daily = f"beyond {z} (tenants averaging at least {v['anomaly_min_orders']} orders a day)"
    return {
        "is_revenue_below_trailing": drop("revenue", "anomaly_revenue_floor"),
        "is_orders_below_trailing": drop("orders", "anomaly_orders_floor"),
        "is_conversion_below_trailing": drop("conversion rate", "anomaly_conversion_floor"),
        "is_revenue_outlier": f"daily revenue z-score {daily}",
        "is_orders_outlier": f"daily orders z-score {daily}",
    }


RULES = _rules()


@dg.asset_check(asset=ANOMALIES, name="latest_day_has_no_anomaly", blocking=False,
                description="Warns (and alerts) when a tenant's latest complete day (the day before the run's "
                            "as-of date) breaks an alert rule of metric_anomalies_daily: "
                            + "; ".join(RULES.values()) + ". Warns too when that day is missing.")
def latest_day_has_no_anomaly(context: dg.AssetCheckExecutionContext,
                              warehouse: WarehouseResource) -> dg.AssetCheckResult:
    as_of = settings.run_as_of_date(context)
    latest = as_of - timedelta(days=1)
    rows = warehouse.query(
        "select tenant_id, day, revenue_usd, orders, conversion_rate, "
        + ", ".join(RULES) + " from marts.metric_anomalies_daily where day = ? order by tenant_id", [latest])
    clock = {"as_of_date": dg.MetadataValue.text(as_of.isoformat()), "day": dg.MetadataValue.text(latest.isoformat())}
    if not rows:
        return dg.AssetCheckResult(
            passed=False, severity=dg.AssetCheckSeverity.WARN,
            metadata={"tenants_checked": dg.MetadataValue.int(0), **clock},
            description=f"no row for {latest}, the day before the run's as-of date {as_of}: "
                        "the marts were built for another day")
    fired = []
    for tenant, day, revenue, orders, conversion, *flags in rows:
        for rule, flag in zip(RULES, flags):
            if flag:
                fired.append({"tenant_id": tenant, "day": str(day), "rule": RULES[rule],
                              "revenue_usd": float(revenue or 0), "orders": int(orders or 0),
                              "conversion_rate": None if conversion is None else float(conversion)})
    if fired:
        send_alert("metric_anomaly", f"{len(fired)} anomaly rule(s) fired on {fired[0]['day']}",
                   as_of_date=as_of.isoformat(), anomalies=fired)
    return dg.AssetCheckResult(
        passed=not fired, severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(f"{a['tenant_id']}: {a['rule']}" for a in fired) or "no rule fired",
        metadata={"tenants_checked": dg.MetadataValue.int(len(rows)),
                  "anomalies": dg.MetadataValue.json(fired), **clock})


@dg.run_failure_sensor(name="alert_on_run_failure", minimum_interval_seconds=30,
                       default_status=(dg.DefaultSensorStatus.RUNNING if settings.automation_running()
                                       else dg.DefaultSensorStatus.STOPPED),
                       description="Sends every failed run to the alert sink (log, and webhook if set).")
def alert_on_run_failure(context: dg.RunFailureSensorContext):
    try:
        as_of = settings.run_as_of_date(context).isoformat()
    except ValueError:              # an invalid WAREHOUSE_AS_OF_DATE is likely why it failed: alert anyway
        as_of = None
    send_alert("run_failure", f"run {context.dagster_run.run_id} of job {context.dagster_run.job_name} failed",
               run_id=context.dagster_run.run_id, job=context.dagster_run.job_name, as_of_date=as_of,
               error=context.failure_event.message)
