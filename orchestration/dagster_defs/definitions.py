"""The Definitions: raw tables, dbt models/seeds/snapshots, forecasts, churn risk, reports; their checks; jobs, schedules
and sensors. Load with `dagster dev` from the repo root (pyproject.toml names this module).

Single writer: DuckDB lets one process write the file. Every job that writes it carries the tag
warehouse/writer=<target>, and the run queue (orchestration/dagster_home/dagster.yaml) admits one
such run at a time; within a run, the writing steps share pool `warehouse_writer` (limit 1), and on
DuckDB the steps run in one process, one after another.
"""
import dagster as dg
from dagster_dbt import build_dbt_asset_selection

from orchestration.dagster_defs import settings
from orchestration.dagster_defs.api_cache import api_cache_refresh
from orchestration.dagster_defs.churn import customer_churn_risk
from orchestration.dagster_defs.dbt_assets import (CLICKSTREAM_SELECTION, MESSAGING_INCREMENTAL_SELECTION,
                                                    dbt_resource, warehouse_dbt)
from orchestration.dagster_defs.forecast import revenue_forecast
from orchestration.dagster_defs.monitoring import alert_on_run_failure, latest_day_has_no_anomaly
from orchestration.dagster_defs.raw_assets import demo_raw_assets, external_raw_assets, raw_quality_checks
from orchestration.dagster_defs.reports import (PERIOD_REPORTS, REPORTS, every_tenant_has_its_three_files,
                                                executive_reports, period_reports)
from orchestration.dagster_defs.source_freshness import dbt_source_freshness
from orchestration.dagster_defs.warehouse import warehouse_from_env

WRITER_TAGS = {"warehouse/writer": settings.target()}

raw_assets = demo_raw_assets() if settings.raw_mode() == "demo" else external_raw_assets()
reports = dg.AssetSelection.assets(REPORTS, PERIOD_REPORTS)
clickstream = build_dbt_asset_selection([warehouse_dbt], dbt_select=CLICKSTREAM_SELECTION)
messaging_incremental = build_dbt_asset_selection([warehouse_dbt], dbt_select=MESSAGING_INCREMENTAL_SELECTION)

daily_full_build = dg.define_asset_job(
    "daily_full_build", selection=dg.AssetSelection.all() - reports, tags=WRITER_TAGS,
    # demo mode regenerates the whole raw history, so incremental models must start again from it
    config={"ops": {"warehouse_dbt": {"config": {"full_refresh": True}}}} if settings.raw_mode() == "demo" else None,
    description="Raw refresh (demo mode) -> staging -> intermediate -> marts -> snapshots, with every check.")
hourly_clickstream = dg.define_asset_job(
    "hourly_clickstream", selection=clickstream, tags=WRITER_TAGS,
    description="The incremental clickstream models: newly loaded web events into sessions and the funnel.")
weekly_clickstream_full_refresh = dg.define_asset_job(
    "weekly_clickstream_full_refresh", selection=clickstream, tags=WRITER_TAGS,
    config={"ops": {"warehouse_dbt": {"config": {"full_refresh": True}}}},
    description="Rebuilds the clickstream models from all history (drops any session whose events "
                "were all re-delivered invalid, which increments cannot see).")
weekly_messaging_full_refresh = dg.define_asset_job(
    "weekly_messaging_full_refresh", selection=messaging_incremental, tags=WRITER_TAGS,
    config={"ops": {"warehouse_dbt": {"config": {"full_refresh": True}}}},
    description="Rebuilds the incremental messaging models from all history (a changed price seed, rows "
                "re-delivered invalid, which increments cannot see).")
executive_report_job = dg.define_asset_job(
    "executive_reports", selection=dg.AssetSelection.assets(REPORTS),
    description="Per-tenant executive reports from the marts.")
# The four range reports of the last complete day, week or month, each against the one before
# (docs/periods.md's rule): one asset, one job per cadence.
PERIOD_NOUNS = {"daily": "day", "weekly": "week", "monthly": "month"}
period_report_jobs = {
    cadence: dg.define_asset_job(
        f"{cadence}_reports", selection=dg.AssetSelection.assets(PERIOD_REPORTS),
        config={"ops": {"reports__period_reports": {"config": {"cadence": cadence}}}},
        description=f"Sales, Customer Success, Revenue and Executive reports of the last complete "
                    f"{PERIOD_NOUNS[cadence]} per tenant, delivered.")
    for cadence in PERIOD_NOUNS}

SCHEDULE_STATUS = (dg.DefaultScheduleStatus.RUNNING if settings.automation_running()
                   else dg.DefaultScheduleStatus.STOPPED)
schedules = [
    dg.ScheduleDefinition(job=daily_full_build, cron_schedule="0 2 * * *", execution_timezone="UTC",
                          default_status=SCHEDULE_STATUS),
    dg.ScheduleDefinition(job=hourly_clickstream, cron_schedule="30 * * * *", execution_timezone="UTC",
                          default_status=SCHEDULE_STATUS),
    dg.ScheduleDefinition(job=weekly_clickstream_full_refresh, cron_schedule="0 4 * * 0",
                          execution_timezone="UTC", default_status=SCHEDULE_STATUS),
    dg.ScheduleDefinition(job=weekly_messaging_full_refresh, cron_schedule="30 4 * * 0",
                          execution_timezone="UTC", default_status=SCHEDULE_STATUS),
    dg.ScheduleDefinition(name="weekly_executive_reports", job=executive_report_job,
                          cron_schedule="0 6 * * 1", execution_timezone="UTC", default_status=SCHEDULE_STATUS),
    dg.ScheduleDefinition(name="monthly_executive_reports", job=executive_report_job,
                          cron_schedule="0 6 1 * *", execution_timezone="UTC", default_status=SCHEDULE_STATUS),
    # after the 02:00 build: yesterday, the week to last Sunday, the month to its last day
    dg.ScheduleDefinition(job=period_report_jobs["daily"], cron_schedule="15 6 * * *", execution_timezone="UTC",
                          default_status=SCHEDULE_STATUS),
    dg.ScheduleDefinition(job=period_report_jobs["weekly"], cron_schedule="30 6 * * 1", execution_timezone="UTC",
                          default_status=SCHEDULE_STATUS),
    dg.ScheduleDefinition(job=period_report_jobs["monthly"], cron_schedule="45 6 1 * *", execution_timezone="UTC",
                          default_status=SCHEDULE_STATUS),
]

defs = dg.Definitions(
    assets=[raw_assets, warehouse_dbt, revenue_forecast, customer_churn_risk, executive_reports,
            period_reports],
    # dbt_source_freshness checks raw assets: only the daily job selects them (not the clickstream jobs)
    asset_checks=[*raw_quality_checks(), dbt_source_freshness, latest_day_has_no_anomaly,
                  every_tenant_has_its_three_files],
    jobs=[daily_full_build, hourly_clickstream, weekly_clickstream_full_refresh, weekly_messaging_full_refresh,
          executive_report_job, *period_report_jobs.values()],
    schedules=schedules,
    sensors=[alert_on_run_failure, api_cache_refresh],
    resources={"dbt": dbt_resource(), "warehouse": warehouse_from_env()},
    executor=dg.in_process_executor if settings.target() == "duckdb" else dg.multiprocess_executor,
)
