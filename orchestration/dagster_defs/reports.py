"""Executive reports per tenant, written from the marts: a one-page PDF (KPI tiles, the MRR bridge,
trends, the largest customer movements), an XLSX workbook and a CSV of the monthly KPIs
(orchestration/reports lays them out); the MRR chart carries the target and the forecast
(targets_vs_actuals). Numbers are copied from the marts, never computed here.

The reports are as of the run's as-of date (settings.run_as_of_date, the clock the marts were built
with): the PDF and the metadata say so, and marts whose last month is not the last complete month
before that date (built with another as-of date) fail the run rather than be published under it."""
from datetime import date

import dagster as dg

from orchestration.dagster_defs import retries, settings
from orchestration.dagster_defs.warehouse import WarehouseResource
from orchestration.reports import report_paths, write_tenant_report
from orchestration.reports.content import (
    BRIDGE_COLUMNS,
    BRIDGE_STEPS,
    KPI_COLUMNS,
    TenantReport,
    fmt_money,
    last_complete_month,
    mart_column,
)

REPORTS = dg.AssetKey(["reports", "executive_reports"])
MARTS = ("executive_kpis", "period_kpis", "mrr_monthly", "fct_mrr", "dim_customers", "targets_vs_actuals")
MONTHLY_KPIS_SHEET = "Monthly KPIs"

# executive_kpis, and from period_kpis the month-on-month growth executive_kpis does not carry
KPI_SQL = ("select executive_kpis.tenant_id, "
           + ", ".join(f"{mart_column(c.name)} as {c.name}" for c in KPI_COLUMNS)
           + " from marts.executive_kpis "
           "left join marts.period_kpis "
           "on executive_kpis.tenant_id = period_kpis.tenant_id and period_kpis.period_type = 'month' "
           "and executive_kpis.month = period_kpis.period_start "
           "order by executive_kpis.tenant_id, executive_kpis.month")
# the MRR chart's target and forecast with its 80 % band (the forecast's months are not complete)
OUTLOOK_SQL = ("select tenant_id, month, target, expected_value, expected_lower_80, expected_upper_80 "
               "from marts.targets_vs_actuals where metric = 'mrr' order by tenant_id, month")
BRIDGE_SQL = (f"select tenant_id, {', '.join(c.name for c in BRIDGE_COLUMNS)} from marts.mrr_monthly "
              "order by tenant_id, month")


def movements_sql(month: date) -> str:
    """The month's customer MRR movements with the customer's name and segment (flat and inactive
    rows did not move)."""
    return ("select fct_mrr.tenant_id, fct_mrr.month, fct_mrr.customer_id, dim_customers.account_name, "
            "dim_customers.segment, fct_mrr.movement, fct_mrr.previous_mrr, fct_mrr.mrr, fct_mrr.mrr_change "
            "from marts.fct_mrr "
            "left join marts.dim_customers "
            "on fct_mrr.tenant_id = dim_customers.tenant_id and fct_mrr.customer_id = dim_customers.customer_id "
            f"where fct_mrr.month = date '{month.isoformat()}' "
            f"and fct_mrr.movement in ({', '.join(repr(movement) for movement, *_ in BRIDGE_STEPS)}) "
            "order by fct_mrr.tenant_id, fct_mrr.customer_id")


@dg.asset(key=REPORTS, group_name="reports", owners=["team:data-platform"], kinds={"pdf", "excel", "csv"},
          retry_policy=retries.retry_policy(),
          deps=[dg.AssetKey(["marts", name]) for name in MARTS],
          description="Per-tenant executive reports under WAREHOUSE_REPORTS_DIR: a one-page PDF (KPI tiles "
                      "with monthly and yearly change, the MRR bridge, trends, the largest customer "
                      "movements), an XLSX workbook and a CSV of the monthly KPIs, from the marts.")
def executive_reports(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    as_of = settings.run_as_of_date(context)
    check_marts_month(warehouse, as_of)
    kpis = warehouse.query_df(KPI_SQL)
    bridge = warehouse.query_df(BRIDGE_SQL)
    movements = warehouse.query_df(movements_sql(last_complete_month(as_of)))
    outlook = warehouse.query_df(OUTLOOK_SQL)
    out = settings.reports_dir()
    files, preview = [], []
    for tenant in sorted(kpis["tenant_id"].unique()):
        report = TenantReport(tenant=tenant, as_of=as_of, kpis=tenant_rows(kpis, tenant),
                              bridge=tenant_rows(bridge, tenant), movements=tenant_rows(movements, tenant),
                              outlook=tenant_rows(outlook, tenant))
        paths = write_tenant_report(out, report)
        files += [str(p) for p in paths.values()]
        last = report.kpi_row(report.month) or {}
        preview.append(f"| {tenant} | {report.month.isoformat()} | {fmt_money(last.get('mrr'))} | "
                       f"{fmt_money(last.get('arr'))} | {fmt_money(last.get('store_revenue_usd'))} |")
    context.log.info(f"wrote {len(files)} report files as of {as_of} to {out}")
    return dg.MaterializeResult(metadata={
        "as_of_date": dg.MetadataValue.text(as_of.isoformat()),
        "report_dir": dg.MetadataValue.path(str(out)),
        "files": dg.MetadataValue.json(files),
        "tenants": dg.MetadataValue.int(len(preview)),
        "preview": dg.MetadataValue.md("| tenant | month | MRR | ARR | store revenue |\n|---|---|---|---|---|\n"
                                       + "\n".join(preview)),
    })


def tenant_rows(frame, tenant: str):
    return frame[frame["tenant_id"] == tenant].drop(columns="tenant_id").reset_index(drop=True)


def check_marts_month(warehouse: WarehouseResource, as_of: date) -> None:
    """The marts must have been built with this run's clock: executive_kpis ends in the last complete
    month before as_of. Otherwise one clear error, and no report is written."""
    last = warehouse.query("select max(month) from marts.executive_kpis")[0][0]
    expected = last_complete_month(as_of)
    if last is None or date.fromisoformat(str(last)[:10]) != expected:
        raise dg.Failure(f"marts.executive_kpis ends in {str(last)[:7] if last else 'no month'}, not "
                         f"{expected.isoformat()[:7]} (the last complete month before the run's as-of date "
                         f"{as_of.isoformat()}): the marts were built with another as-of date; run "
                         "daily_full_build first, with the same WAREHOUSE_AS_OF_DATE",
                         allow_retries=False)       # a retry would read the same marts


@dg.asset_check(asset=REPORTS, name="every_tenant_has_its_three_files", blocking=False,
                description="Each tenant of executive_kpis has a CSV, an XLSX and a PDF report, none empty, "
                            "and the XLSX holds one row per month of executive_kpis.")
def every_tenant_has_its_three_files(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    import openpyxl
    problems = []
    for tenant, months in warehouse.query("select tenant_id, count(*) from marts.executive_kpis group by tenant_id"):
        for kind in ("csv", "xlsx", "pdf"):
            path = report_paths(settings.reports_dir(), tenant)[kind]
            if not path.exists() or path.stat().st_size == 0:
                problems.append(f"{path.name} missing or empty")
        xlsx = report_paths(settings.reports_dir(), tenant)["xlsx"]
        if xlsx.exists():
            rows = openpyxl.load_workbook(xlsx, read_only=True)[MONTHLY_KPIS_SHEET].max_row - 1
            if rows != months:
                problems.append(f"{xlsx.name}: {rows} months, executive_kpis has {months}")
    return dg.AssetCheckResult(passed=not problems, description="; ".join(problems) or "all reports present")
