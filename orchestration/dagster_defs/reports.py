"""Executive reports per tenant, written from the marts: a one-page PDF (KPI tiles, the MRR bridge,
trends, the largest customer movements), an XLSX workbook and a CSV of the monthly KPIs
(orchestration/reports lays them out); the MRR chart carries the target and the forecast
(targets_vs_actuals). Numbers are copied from the marts, never computed here.

The reports are as of the run's as-of date (settings.run_as_of_date, the clock the marts were built
with): the PDF and the metadata say so, and marts whose last month is not the last complete month
before that date (built with another as-of date) fail the run rather than be published under it."""
from datetime import date

import dagster as dg
from pydantic import Field

from orchestration.dagster_defs import retries, settings
from orchestration.dagster_defs.warehouse import WarehouseResource, frame_reader
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
from orchestration.reports.delivery import DeliveryError
from orchestration.reports.kinds import REPORT_KINDS, all_marts
from orchestration.reports.periodic import headline
from orchestration.reports.ranges import CADENCES, last_complete_range
from orchestration.reports.runner import deliver_reports, write_reports

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


# The Sales, Customer Success, Revenue and Executive reports of the last complete day, week or month
# (orchestration/reports/kinds.py says what each shows), written and delivered by one asset; the jobs
# daily_reports, weekly_reports and monthly_reports run it with their cadence.
PERIOD_REPORTS = dg.AssetKey(["reports", "period_reports"])
PERIOD_REPORT_MARTS = tuple(sorted({*all_marts(), "executive_kpis"}))   # executive_kpis: the as-of check
FILES_CHECK = "every_tenant_has_its_report_files"


class PeriodReportsConfig(dg.Config):
    cadence: str = "weekly"                          # daily | weekly | monthly (ranges.CADENCES)
    kinds: list[str] = Field(default_factory=lambda: list(REPORT_KINDS))


@dg.asset(key=PERIOD_REPORTS, group_name="reports", owners=["team:data-platform"], kinds={"pdf", "excel", "csv"},
          retry_policy=retries.retry_policy(),        # a dropped read; a failed delivery is not retried here
          deps=[dg.AssetKey(["marts", name]) for name in PERIOD_REPORT_MARTS],
          check_specs=[dg.AssetCheckSpec(FILES_CHECK, asset=PERIOD_REPORTS, blocking=False,
                                         description="Each tenant has a CSV, an XLSX and a PDF of every kind, "
                                                     "none empty, each PDF readable.")],
          description="Sales, Customer Success, Revenue and Executive reports per tenant (CSV, XLSX, PDF) for "
                      "the last complete day, week or month against the one before, under "
                      "WAREHOUSE_REPORTS_DIR/<cadence>/; e-mailed (REPORTS_SMTP_*) and posted to Slack "
                      "(REPORTS_SLACK_WEBHOOK_URL) when configured.")
def period_reports(context: dg.AssetExecutionContext, config: PeriodReportsConfig, warehouse: WarehouseResource):
    as_of = settings.run_as_of_date(context)
    if config.cadence not in CADENCES:
        raise dg.Failure(f"cadence must be one of {', '.join(CADENCES)}, got {config.cadence!r}", allow_retries=False)
    unknown = [kind for kind in config.kinds if kind not in REPORT_KINDS]
    if unknown or not config.kinds:
        raise dg.Failure(f"kinds must be some of {', '.join(REPORT_KINDS)}, got {config.kinds}", allow_retries=False)
    check_marts_month(warehouse, as_of)
    rng = last_complete_range(config.cadence, as_of)
    out = settings.reports_dir()
    with warehouse.session() as con:
        outputs = write_reports(frame_reader(con), rng, out, tuple(config.kinds), as_of)
    problems = report_file_problems(outputs, len(config.kinds))
    files = [str(path) for output in outputs.values() for path in output.files]
    context.log.info(f"wrote {len(files)} {config.cadence} report files for {rng.days.label('day')} to {out}")
    preview = [f"| {tenant} | {report.spec.title} | " + "; ".join(f"{label}: {value} ({change})"
                                                                    for label, value, change in headline(report, 2))
               + " |" for tenant, output in outputs.items() for report in output.reports]
    delivery, failure = [], None
    try:
        delivery = deliver_reports(outputs)
    except (DeliveryError, ValueError) as e:
        failure = str(e)
    yield dg.MaterializeResult(metadata={
        "cadence": dg.MetadataValue.text(config.cadence),
        "period": dg.MetadataValue.text(f"{rng.start.isoformat()} to {rng.end.isoformat()}"),
        "previous_period": dg.MetadataValue.text(rng.previous_days.label("day")),
        "as_of_date": dg.MetadataValue.text(as_of.isoformat()),
        "report_dir": dg.MetadataValue.path(str(out / rng.cadence)),
        "files": dg.MetadataValue.json(files),
        "delivered": dg.MetadataValue.json(delivery),
        "preview": dg.MetadataValue.md("| tenant | report | first figures |\n|---|---|---|\n" + "\n".join(preview)),
    }, check_results=[dg.AssetCheckResult(check_name=FILES_CHECK, passed=not problems,
                                          description="; ".join(problems) or "all files present")])
    if failure:
        # the files are written and recorded above; a retry of the run would write them again
        raise dg.Failure(f"report delivery failed: {failure}", allow_retries=False)


def report_file_problems(outputs, kinds: int) -> list[str]:
    from pypdf import PdfReader
    problems = []
    for tenant, output in outputs.items():
        if len(output.files) != 3 * kinds:
            problems.append(f"{tenant}: {len(output.files)} files, expected {3 * kinds}")
        for path in output.files:
            if not path.exists() or path.stat().st_size == 0:
                problems.append(f"{path.name} missing or empty")
            elif path.suffix == ".pdf" and not PdfReader(path).pages:
                problems.append(f"{path.name} has no page")
    return problems
