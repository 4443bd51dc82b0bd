"""Executive reports per tenant, written from the marts (executive_kpis, mrr_monthly): CSV and XLSX of
the monthly KPIs and a one-page PDF with the MRR trend chart. Numbers are copied, never computed.

The reports are as of the run's as-of date (settings.run_as_of_date, the clock the marts were built
with): the PDF and the metadata say so, and marts whose last month is not the last complete month
before that date (built with another as-of date) fail the run rather than be published under it."""
from datetime import date
from pathlib import Path

import dagster as dg

from orchestration.dagster_defs import settings
from orchestration.dagster_defs.warehouse import WarehouseResource

REPORTS = dg.AssetKey(["reports", "executive_reports"])
KPI_COLUMNS = ["month", "mrr", "arr", "net_new_mrr", "mrr_growth_rate", "subscription_customers",
               "logo_churn_rate", "net_revenue_retention", "arpa", "store_revenue_usd", "store_orders",
               "average_order_value_usd"]
HEADLINE = ["month", "mrr", "arr", "store_revenue_usd", "store_orders"]


def write_tenant_report(out_dir: Path, tenant: str, kpis, mrr, as_of: date) -> dict[str, Path]:
    """kpis: executive_kpis rows of the tenant; mrr: mrr_monthly rows (month, ending_mrr)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {kind: out_dir / f"executive_report_{tenant}.{kind}" for kind in ("csv", "xlsx", "pdf")}
    kpis.to_csv(paths["csv"], index=False)
    with __import__("pandas").ExcelWriter(paths["xlsx"], engine="openpyxl") as xlsx:
        kpis.to_excel(xlsx, sheet_name="monthly_kpis", index=False)
        mrr.to_excel(xlsx, sheet_name="mrr_trend", index=False)
    with PdfPages(paths["pdf"]) as pdf:
        fig, (chart, table) = plt.subplots(2, 1, figsize=(8.27, 11.69), gridspec_kw={"height_ratios": [3, 2]})
        fig.suptitle(f"Executive report: {tenant}, as of {as_of.isoformat()}", fontsize=16)
        chart.plot(mrr["month"], mrr["ending_mrr"].astype(float), marker="o", markersize=2)
        chart.set_title("MRR trend (USD, month end)")
        chart.grid(True, alpha=0.3)
        latest = kpis.tail(6)[HEADLINE]
        table.axis("off")
        table.table(cellText=[[_fmt(v) for v in row] for row in latest.itertuples(index=False)],
                    colLabels=HEADLINE, loc="center")
        table.set_title("Last six months")
        pdf.savefig(fig)
        plt.close(fig)
    return paths


def _fmt(v) -> str:
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]
    try:
        return f"{float(v):,.2f}"
    except (TypeError, ValueError):
        return str(v)


@dg.asset(key=REPORTS, group_name="reports", owners=["team:data-platform"], kinds={"pdf", "excel", "csv"},
          deps=[dg.AssetKey(["marts", "executive_kpis"]), dg.AssetKey(["marts", "mrr_monthly"])],
          description="Per-tenant executive reports (CSV, XLSX, PDF with the MRR trend) from the marts, "
                      "under WAREHOUSE_REPORTS_DIR.")
def executive_reports(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    as_of = settings.run_as_of_date(context)
    check_marts_month(warehouse, as_of)
    kpis = warehouse.query_df(f"select tenant_id, {', '.join(KPI_COLUMNS)} from marts.executive_kpis "
                              "order by tenant_id, month")
    mrr = warehouse.query_df("select tenant_id, month, ending_mrr from marts.mrr_monthly order by tenant_id, month")
    out = settings.reports_dir()
    files, preview = [], []
    for tenant in sorted(kpis["tenant_id"].unique()):
        tenant_kpis = kpis[kpis["tenant_id"] == tenant].drop(columns="tenant_id")
        tenant_mrr = mrr[mrr["tenant_id"] == tenant].drop(columns="tenant_id")
        paths = write_tenant_report(out, tenant, tenant_kpis, tenant_mrr, as_of)
        files += [str(p) for p in paths.values()]
        last = tenant_kpis.iloc[-1]
        preview.append(f"| {tenant} | {_fmt(last['month'])} | {_fmt(last['mrr'])} | {_fmt(last['arr'])} | "
                       f"{_fmt(last['store_revenue_usd'])} |")
    context.log.info(f"wrote {len(files)} report files as of {as_of} to {out}")
    return dg.MaterializeResult(metadata={
        "as_of_date": dg.MetadataValue.text(as_of.isoformat()),
        "report_dir": dg.MetadataValue.path(str(out)),
        "files": dg.MetadataValue.json(files),
        "tenants": dg.MetadataValue.int(len(preview)),
        "preview": dg.MetadataValue.md("| tenant | month | MRR | ARR | store revenue |\n|---|---|---|---|---|\n"
                                       + "\n".join(preview)),
    })


def last_complete_month(as_of: date) -> date:
    """The month before as_of's month (dbt macro last_complete_month): the marts' last month."""
    return date(as_of.year - (as_of.month == 1), (as_of.month - 2) % 12 + 1, 1)


def check_marts_month(warehouse: WarehouseResource, as_of: date) -> None:
    """The marts must have been built with this run's clock: executive_kpis ends in the last complete
    month before as_of. Otherwise one clear error, and no report is written."""
    last = warehouse.query("select max(month) from marts.executive_kpis")[0][0]
    expected = last_complete_month(as_of)
    if last is None or date.fromisoformat(str(last)[:10]) != expected:
        raise dg.Failure(f"marts.executive_kpis ends in {str(last)[:7] if last else 'no month'}, not "
                         f"{expected.isoformat()[:7]} (the last complete month before the run's as-of date "
                         f"{as_of.isoformat()}): the marts were built with another as-of date; run "
                         "daily_full_build first, with the same WAREHOUSE_AS_OF_DATE")


@dg.asset_check(asset=REPORTS, name="every_tenant_has_its_three_files", blocking=False,
                description="Each tenant of executive_kpis has a CSV, an XLSX and a PDF report, none empty, "
                            "and the XLSX holds one row per month of executive_kpis.")
def every_tenant_has_its_three_files(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    import openpyxl
    problems = []
    for tenant, months in warehouse.query("select tenant_id, count(*) from marts.executive_kpis group by tenant_id"):
        for kind in ("csv", "xlsx", "pdf"):
            path = settings.reports_dir() / f"executive_report_{tenant}.{kind}"
            if not path.exists() or path.stat().st_size == 0:
                problems.append(f"{path.name} missing or empty")
        xlsx = settings.reports_dir() / f"executive_report_{tenant}.xlsx"
        if xlsx.exists():
            rows = openpyxl.load_workbook(xlsx, read_only=True)["monthly_kpis"].max_row - 1
            if rows != months:
                problems.append(f"{xlsx.name}: {rows} months, executive_kpis has {months}")
    return dg.AssetCheckResult(passed=not problems, description="; ".join(problems) or "all reports present")
